import type { Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { decode, encode } from '@devp2p/rlp'
import { describe, expect, it } from 'vitest'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '../src/index.js'
import { ethereumjsPeer } from './helpers/ethereumjs-peer.js'
import { hex, utf8 } from './helpers/support.js'
import { dial, listen } from './helpers/tcp.js'

/** A Hello written by hand: [version, clientId, [[cap, ver]], port, nodeId]. */
function hello(version: number, publicKey: Uint8Array): Uint8Array {
  return encode([version, 'devp2p-ts/test', [['foo', 1]], 0, publicKey])
}

/** Our side of the base protocol: send Hello, read theirs, switch snappy on if both ≥ 5. */
async function helloExchange(conn: RlpxConnection, version: number, ourPub: Uint8Array) {
  await conn.writeMsg(0x00, hello(version, ourPub))
  const msg = await conn.readMsg()
  expect(msg.code).toBe(0x00)
  const theirs = decode(msg.payload) as Uint8Array[]
  const theirVersion = theirs[0]![0] ?? 0
  expect(theirVersion).toBe(5)
  expect(hex(theirs[4] as Uint8Array)).toBe(hex(conn.remotePublicKey))
  conn.setSnappy(version >= 5 && theirVersion >= 5)
}

/**
 * Our initiator dialling a listening @ethereumjs/devp2p peer: returns our connection
 * after the handshake, their peer, both keys and a cleanup.
 */
async function dialTheirRecipient() {
  const ours = generatePrivateKey()
  const theirs = generatePrivateKey()
  let them: ReturnType<typeof ethereumjsPeer> | undefined
  const server = await listen((socket: Socket) => {
    them = ethereumjsPeer({
      socket,
      privateKey: theirs,
      publicKey: publicKeyFromPrivate(theirs),
      remotePublicKey: null,
    })
  })
  const socket = await dial(server.port)
  const cleanup = async () => {
    socket.destroy()
    await server.close()
  }
  try {
    const conn = await initiatorHandshake(socket, {
      privateKey: ours,
      remotePublicKey: publicKeyFromPrivate(theirs),
    })
    // their peer exists: it answered our auth
    return { conn, them: them!, ours, theirs, cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}

for (const snappy of [false, true]) {
  const version = snappy ? 5 : 4
  describe(`@ethereumjs/devp2p interop over TCP, snappy ${snappy ? 'on' : 'off'}`, () => {
    it('our initiator → their recipient: handshake, Hello, one message each way', async () => {
      const { conn, them, ours, theirs, cleanup } = await dialTheirRecipient()
      try {
        expect(hex(conn.remotePublicKey)).toBe(hex(publicKeyFromPrivate(theirs)))
        await helloExchange(conn, version, publicKeyFromPrivate(ours))
        await them.connected
        await conn.writeMsg(0x10, encode(['ping from devp2p-ts', 1]))
        const got = await them.nextMessage()
        expect(got.code).toBe(0)
        expect(hex(got.payload)).toBe(hex(encode(['ping from devp2p-ts', 1])))
        them.sendFoo(utf8('reply from ethereumjs'))
        const reply = await conn.readMsg()
        expect(reply.code).toBe(0x10)
        expect(Buffer.from(reply.payload).toString()).toBe('reply from ethereumjs')
        expect(them.errors).toEqual([])
        await conn.close()
      } finally {
        await cleanup()
      }
    })

    it('their initiator → our recipient: handshake, Hello, one message each way', async () => {
      const ours = generatePrivateKey()
      const theirs = generatePrivateKey()
      const accepted: Promise<RlpxConnection>[] = []
      const server = await listen((socket) => {
        accepted.push(recipientHandshake(socket, { privateKey: ours }))
      })
      const socket = await dial(server.port)
      try {
        const them = ethereumjsPeer({
          socket,
          privateKey: theirs,
          publicKey: publicKeyFromPrivate(theirs),
          remotePublicKey: publicKeyFromPrivate(ours),
        })
        while (accepted.length === 0) await new Promise((r) => setTimeout(r, 1))
        const conn = await accepted[0]!
        expect(hex(conn.remotePublicKey)).toBe(hex(publicKeyFromPrivate(theirs)))
        await helloExchange(conn, version, publicKeyFromPrivate(ours))
        await them.connected
        them.sendFoo(utf8('hello from ethereumjs'))
        const msg = await conn.readMsg()
        expect(msg.code).toBe(0x10)
        expect(Buffer.from(msg.payload).toString()).toBe('hello from ethereumjs')
        const big = new Uint8Array(100_000).map((_, i) => i & 0xff)
        await conn.writeMsg(0x10, big)
        const got = await them.nextMessage()
        expect(got.payload.length).toBe(big.length)
        expect(hex(got.payload)).toBe(hex(big))
        expect(them.errors).toEqual([])
        await conn.close()
      } finally {
        socket.destroy()
        await server.close()
      }
    })

    it('messages of mixed sizes both ways: key stream drawn ahead, cipher directly, and back', async () => {
      const { conn, them, ours, cleanup } = await dialTheirRecipient()
      try {
        await helloExchange(conn, version, publicKeyFromPrivate(ours))
        await them.connected
        // small ones use the buffered key stream, 2 KiB and up go to the cipher, and odd
        // sizes leave the buffer part used when the next message arrives
        const sizes = [1, 100, 5000, 17, 3000, 300, 70_000, 2047, 2048, 4096, 33, 1]
        const payload = (n: number, seed: number) =>
          new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff)
        for (const [i, n] of sizes.entries()) {
          await conn.writeMsg(0x10, payload(n, i))
          them.sendFoo(payload(n, i + 100))
        }
        for (const [i, n] of sizes.entries()) {
          const got = await them.nextMessage()
          expect(hex(got.payload), `ours → theirs, ${n} bytes`).toBe(hex(payload(n, i)))
          const msg = await conn.readMsg()
          expect(msg.code).toBe(0x10)
          expect(hex(msg.payload), `theirs → ours, ${n} bytes`).toBe(hex(payload(n, i + 100)))
        }
        expect(them.errors).toEqual([])
        await conn.close()
      } finally {
        await cleanup()
      }
    })
  })
}
