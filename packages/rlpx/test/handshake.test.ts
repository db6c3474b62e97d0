import type { Duplex } from 'node:stream'
import {
  ECIES_OVERHEAD_BYTES,
  ecdh,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  randomBytes,
  sign,
} from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { duplexPair } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  initiatorHandshake,
  makeAuth,
  parseAuth,
  type RlpxConnection,
  recipientHandshake,
} from '../src/index.js'
import { handshakeOver } from './helpers/connect.js'
import { hex, utf8 } from './helpers/support.js'
import { tcpPair } from './helpers/tcp.js'

async function exchange(a: RlpxConnection, b: RlpxConnection): Promise<void> {
  await a.writeMsg(0x00, utf8('from initiator'))
  await b.writeMsg(0x11, utf8('from recipient'))
  const atB = await b.readMsg()
  const atA = await a.readMsg()
  expect(atB.code).toBe(0)
  expect(Buffer.from(atB.payload).toString()).toBe('from initiator')
  expect(atA.code).toBe(0x11)
  expect(Buffer.from(atA.payload).toString()).toBe('from recipient')
}

describe('full handshake', () => {
  it('over an in-memory duplex pair: both ends learn each other’s key and exchange frames', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const [sa, sb] = duplexPair()
    const [a, b] = await Promise.all([
      initiatorHandshake(sa, { privateKey: keyA, remotePublicKey: publicKeyFromPrivate(keyB) }),
      recipientHandshake(sb, { privateKey: keyB }),
    ])
    expect(hex(a.remotePublicKey)).toBe(hex(publicKeyFromPrivate(keyB)))
    expect(hex(b.remotePublicKey)).toBe(hex(publicKeyFromPrivate(keyA)))
    await exchange(a, b)
    await Promise.all([a.close(), b.close()])
  })

  it('over TCP, the ack and a message written when the handshake resolves leave in one write', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const tcp = await tcpPair()
    try {
      const writev = vi.spyOn(tcp.server, '_writev')
      const write = vi.spyOn(tcp.server, '_write')
      const [a, b] = await Promise.all([
        initiatorHandshake(tcp.client, {
          privateKey: keyA,
          remotePublicKey: publicKeyFromPrivate(keyB),
        }),
        recipientHandshake(tcp.server, { privateKey: keyB }).then(async (conn) => {
          await conn.writeMsg(0x00, utf8('hello'))
          return conn
        }),
      ])
      expect(Buffer.from((await a.readMsg()).payload).toString()).toBe('hello')
      expect(write).not.toHaveBeenCalled()
      expect(writev).toHaveBeenCalledTimes(1)
      expect(writev.mock.calls[0]![0]).toHaveLength(2) // ack ‖ Hello frame
      await Promise.all([a.close(), b.close()])
    } finally {
      await tcp.close()
    }
  })

  it('over loopback TCP, with noDelay set, many messages both ways', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const tcp = await tcpPair()
    try {
      const [a, b] = await Promise.all([
        initiatorHandshake(tcp.client, {
          privateKey: keyA,
          remotePublicKey: publicKeyFromPrivate(keyB),
        }),
        recipientHandshake(tcp.server, { privateKey: keyB }),
      ])
      await exchange(a, b)
      const sizes = [0, 1, 15, 16, 17, 1000, 70_000]
      for (const [i, n] of sizes.entries()) void a.writeMsg(0x20 + i, new Uint8Array(n).fill(i))
      for (const [i, n] of sizes.entries()) {
        const msg = await b.readMsg()
        expect(msg.code).toBe(0x20 + i)
        expect(msg.payload.length).toBe(n)
        expect(msg.payload.every((x) => x === i)).toBe(true)
      }
      await Promise.all([a.close(), b.close()])
    } finally {
      await tcp.close()
    }
  })

  it('an EIP-8 auth whose size prefix starts with 0x04 is read after the legacy attempt fails', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const pubB = publicKeyFromPrivate(keyB)
    const nonce = randomBytes(32)
    const shared = ecdh(keyA, pubB)
    for (let i = 0; i < 32; i++) shared[i]! ^= nonce[i]!
    const body = encode([sign(shared, generatePrivateKey()), publicKeyFromPrivate(keyA), nonce, 4])
    // a size of 0x044c (1100): the first byte is also the legacy format's 0x04
    const size = 0x044c
    const plain = new Uint8Array(size - ECIES_OVERHEAD_BYTES)
    plain.set(body) // EIP-8: padding after the list is ignored
    const prefix = Uint8Array.of(size >> 8, size & 0xff)
    const auth = Buffer.concat([prefix, eciesEncrypt(pubB, plain, prefix)])
    expect(auth[0]).toBe(0x04)
    for (const cuts of [[], [1, 200, 400], [308, 309]]) {
      const [a, b] = duplexPair()
      const pending = recipientHandshake(b, { privateKey: keyB })
      let from = 0
      for (const cut of [...cuts, auth.length]) {
        a.write(auth.subarray(from, cut))
        from = cut
        await new Promise<void>((r) => setImmediate(r)) // each piece read on its own
      }
      const conn = await pending
      expect(hex(conn.remotePublicKey)).toBe(hex(publicKeyFromPrivate(keyA)))
      // answered in EIP-8, as it was asked
      const ack = await new Promise<Buffer>((resolve) => a.once('data', resolve))
      expect((ack[0]! << 8) | ack[1]!).toBe(ack.length - 2)
      await conn.close()
      a.destroy()
    }
  })

  it('the initiator reports the key the recipient actually has', async () => {
    const keyB = generatePrivateKey()
    const [sa, sb] = duplexPair()
    const wrongB = publicKeyFromPrivate(generatePrivateKey())
    const results = await Promise.allSettled([
      initiatorHandshake(sa, { privateKey: generatePrivateKey(), remotePublicKey: wrongB }),
      recipientHandshake(sb, { privateKey: keyB, timeoutMs: 500 }),
    ])
    // the auth is encrypted to another key: B cannot open it, both ends fail
    expect(results[1].status).toBe('rejected')
    expect(((results[1] as PromiseRejectedResult).reason as { code: string }).code).toBe(
      'HANDSHAKE_DECRYPT_FAILED',
    )
    expect(results[0].status).toBe('rejected')
    expect(sa.destroyed && sb.destroyed).toBe(true)
  })

  it('rejects a bad private key synchronously-ish with a TypeError (misuse)', async () => {
    const [sa, sb] = duplexPair()
    await expect(recipientHandshake(sb, { privateKey: new Uint8Array(32) })).rejects.toBeInstanceOf(
      TypeError,
    )
    sa.destroy()
    sb.destroy()
  })

  it('a private key Buffer overwritten in place signs with the new key, not a cached one', () => {
    const keyB = generatePrivateKey()
    const pubB = publicKeyFromPrivate(keyB)
    const first = generatePrivateKey()
    const second = generatePrivateKey()
    const key = Buffer.from(first) // Buffer#slice() is a view, not a copy
    const authWith = () =>
      parseAuth(
        keyB,
        makeAuth({
          privateKey: key,
          remotePublicKey: pubB,
          ephemeralPrivateKey: generatePrivateKey(),
          nonce: new Uint8Array(32).fill(7),
        }),
        'eip8',
      ).publicKey
    expect(hex(authWith())).toBe(hex(publicKeyFromPrivate(first)))
    key.set(second)
    expect(hex(authWith())).toBe(hex(publicKeyFromPrivate(second)))
  })

  it('completes however the packets are cut into chunks, in both directions', async () => {
    /** Copies `from`'s bytes to `to`, cut at the `cuts` sizes in turn, one piece per tick. */
    const relay = (from: Duplex, to: Duplex, cuts: number[]): void => {
      let turn = 0
      let queue = Promise.resolve()
      from.on('data', (data: Buffer) => {
        queue = queue.then(async () => {
          for (let at = 0; at < data.length; ) {
            const n = cuts[turn++ % cuts.length]!
            // a copy in memory of its own, as each read from a socket is
            if (!to.destroyed) to.write(new Uint8Array(data.subarray(at, at + n)))
            at += n
            await new Promise<void>((r) => setImmediate(r))
          }
        })
      })
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        async (cuts) => {
          const [sa, toB] = duplexPair()
          const [fromA, sb] = duplexPair()
          relay(toB, fromA, cuts)
          relay(fromA, toB, cuts)
          const [a, b] = await handshakeOver(sa, sb)
          await a.writeMsg(0x10, utf8('ping'))
          expect(hex((await b.readMsg()).payload)).toBe(hex(utf8('ping')))
          await b.writeMsg(0x11, utf8('pong'))
          expect(hex((await a.readMsg()).payload)).toBe(hex(utf8('pong')))
          for (const s of [sa, toB, fromA, sb]) s.destroy()
        },
      ),
      { numRuns: 15 },
    )
  })
})
