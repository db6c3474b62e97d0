import { once } from 'node:events'
import type { Socket } from 'node:net'
import {
  ECIES_OVERHEAD_BYTES,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  randomBytes,
} from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { duplexPair } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  initiatorHandshake,
  type RlpxConnection,
  RlpxError,
  recipientHandshake,
} from '../src/index.js'
import { rawInitiator } from './helpers/raw-peer.js'
import { rejection, unhex } from './helpers/support.js'
import { tcpPair } from './helpers/tcp.js'
import vectors from './vectors/rlpx-handshake.json' with { type: 'json' }

const codeOf = (err: unknown): string => {
  expect(err).toBeInstanceOf(RlpxError)
  return (err as RlpxError).code
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Resolves once `socket` has taken `total` bytes in all from the kernel: what arrived
 * before a reset is then ours to read (a reset drops what the kernel still holds).
 */
async function bytesRead(socket: Socket, total: number): Promise<void> {
  while (socket.bytesRead < total) await once(socket, 'readable')
}

/** A point that is not on secp256k1: x = 1, y = 1. */
const OFF_CURVE = new Uint8Array(64)
OFF_CURVE[31] = 1
OFF_CURVE[63] = 1

/** An EIP-8 packet with an arbitrary RLP body, sealed to `to` as a real peer would. */
function sealed(to: Uint8Array, body: Uint8Array): Uint8Array {
  const plain = new Uint8Array(body.length + 100)
  plain.set(body)
  const size = plain.length + ECIES_OVERHEAD_BYTES
  const prefix = Uint8Array.of(size >> 8, size & 0xff)
  return Buffer.concat([prefix, eciesEncrypt(to, plain, prefix)])
}

describe('malicious handshakes: typed error, stream destroyed', () => {
  it('garbage of the announced size', async () => {
    const [a, b] = duplexPair()
    const pending = recipientHandshake(b, { privateKey: generatePrivateKey() })
    a.write(Buffer.concat([Uint8Array.of(0x01, 0x80), randomBytes(0x180)]))
    expect(codeOf(await rejection(pending))).toBe('HANDSHAKE_DECRYPT_FAILED')
    expect(b.destroyed).toBe(true)
  })

  it('a truncated auth followed by end of stream', async () => {
    const [a, b] = duplexPair()
    const pending = recipientHandshake(b, { privateKey: unhex(vectors.keys.staticKeyB) })
    a.end(unhex(vectors.auth[1]!.hex).subarray(0, 200))
    expect(codeOf(await rejection(pending))).toBe('UNEXPECTED_EOF')
    expect(b.destroyed).toBe(true)
  })

  it('an oversized size prefix (2049) is refused after reading only the prefix', async () => {
    const [a, b] = duplexPair()
    const pending = recipientHandshake(b, { privateKey: generatePrivateKey() })
    a.write(Uint8Array.of(0x08, 0x01)) // nothing else is ever sent
    expect(codeOf(await rejection(pending))).toBe('HANDSHAKE_TOO_LARGE')
    expect(b.destroyed).toBe(true)
  })

  it('an ack whose ephemeral key is not on the curve', async () => {
    const [a, b] = duplexPair()
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const pending = initiatorHandshake(a, {
      privateKey: keyA,
      remotePublicKey: publicKeyFromPrivate(keyB),
    })
    b.once('data', () => {
      b.write(sealed(publicKeyFromPrivate(keyA), encode([OFF_CURVE, randomBytes(32), 4])))
    })
    expect(codeOf(await rejection(pending))).toBe('INVALID_PUBLIC_KEY')
    expect(a.destroyed).toBe(true)
  })

  it('an auth whose static key is not on the curve', async () => {
    const [a, b] = duplexPair()
    const keyB = generatePrivateKey()
    const pending = recipientHandshake(b, { privateKey: keyB })
    const body = encode([randomBytes(65), OFF_CURVE, randomBytes(32), 4])
    a.write(sealed(publicKeyFromPrivate(keyB), body))
    expect(codeOf(await rejection(pending))).toBe('INVALID_PUBLIC_KEY')
  })

  it('an auth with a list that is too short', async () => {
    const [a, b] = duplexPair()
    const keyB = generatePrivateKey()
    const pending = recipientHandshake(b, { privateKey: keyB })
    a.write(sealed(publicKeyFromPrivate(keyB), encode([randomBytes(65)])))
    expect(codeOf(await rejection(pending))).toBe('INVALID_HANDSHAKE')
  })

  it('the caller’s AbortSignal ends a waiting handshake', async () => {
    const [a, b] = duplexPair()
    const controller = new AbortController()
    const pending = recipientHandshake(b, {
      privateKey: generatePrivateKey(),
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('shutting down')), 10)
    expect(codeOf(await rejection(pending))).toBe('ABORTED')
    expect(b.destroyed).toBe(true)
    a.destroy()
  })
})

/** Our recipient connection `conn`, and a hand-driven initiator on the other end. */
async function rawSession(options: { readTimeoutMs?: number; maxFrameBytes?: number } = {}) {
  const [a, b] = duplexPair()
  const keyB = generatePrivateKey()
  const [raw, conn] = await Promise.all([
    rawInitiator(a, publicKeyFromPrivate(keyB)),
    recipientHandshake(b, { privateKey: keyB, ...options }),
  ])
  return { a, b, codec: raw.codec, conn }
}

describe('a bad MAC at each position closes at once', () => {
  const frameBytes = 32 + 32 + 16 // 20-byte message pads to 32
  for (const [where, at] of [
    ['header ciphertext', 3],
    ['header-mac', 20],
    ['frame body', 40],
    ['frame-mac', frameBytes - 1],
  ] as const) {
    it(`a flipped bit in the ${where}`, async () => {
      const { a, b, codec, conn } = await rawSession()
      const frame = Buffer.from(codec.encode(0x10, new Uint8Array(19)))
      expect(frame.length).toBe(frameBytes)
      frame[at]! ^= 0x01
      a.write(frame)
      expect(codeOf(await rejection(conn.readMsg()))).toBe('MAC_MISMATCH')
      expect(b.destroyed).toBe(true)
      // the failure sticks
      expect(codeOf(await rejection(conn.readMsg()))).toBe('MAC_MISMATCH')
      expect(codeOf(await rejection(conn.writeMsg(1, new Uint8Array(1))))).toBe('MAC_MISMATCH')
      a.destroy()
    })
  }
})

describe('oversized and malformed frames', () => {
  it('a header announcing more than maxFrameBytes is refused before the body arrives', async () => {
    const { a, b, codec, conn } = await rawSession({ maxFrameBytes: 1024 })
    const frame = codec.encode(0x10, new Uint8Array(2000))
    a.write(frame.subarray(0, 32)) // header only
    expect(codeOf(await rejection(conn.readMsg()))).toBe('FRAME_TOO_LARGE')
    expect(b.destroyed).toBe(true)
    a.destroy()
  })

  it('a snappy length bomb (declared 2^24 bytes) is refused before decompressing', async () => {
    const { a, codec, conn } = await rawSession()
    conn.setSnappy(true)
    // uvarint(2^24) = 80 80 80 08, then a few literal bytes
    a.write(codec.encode(0x10, Uint8Array.of(0x80, 0x80, 0x80, 0x08, 0x00, 0x61)))
    expect(codeOf(await rejection(conn.readMsg()))).toBe('SNAPPY_TOO_LARGE')
    a.destroy()
  })

  it('corrupt snappy data is a typed error', async () => {
    const { a, codec, conn } = await rawSession()
    conn.setSnappy(true)
    a.write(codec.encode(0x10, Uint8Array.of(0x0a, 0xff, 0xff, 0xff)))
    expect(codeOf(await rejection(conn.readMsg()))).toBe('SNAPPY_INVALID')
    a.destroy()
  })
})

describe('TCP misbehaviour', () => {
  async function tcpSession(options: { writeTimeoutMs?: number } = {}) {
    const tcp = await tcpPair()
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const [a, b]: RlpxConnection[] = await Promise.all([
      initiatorHandshake(tcp.client, {
        privateKey: keyA,
        remotePublicKey: publicKeyFromPrivate(keyB),
        ...options,
      }),
      recipientHandshake(tcp.server, { privateKey: keyB }),
    ])
    return { tcp, a: a!, b: b! }
  }

  it('garbage bytes then a reset fail the reader with a typed error', async () => {
    const { tcp, b } = await tcpSession()
    try {
      // half a frame's worth of bytes, then RST once they arrived
      const arrived = bytesRead(tcp.server, tcp.server.bytesRead + 40)
      tcp.client.write(randomBytes(40))
      await arrived
      tcp.client.resetAndDestroy()
      expect(['SOCKET_ERROR', 'UNEXPECTED_EOF', 'MAC_MISMATCH']).toContain(
        codeOf(await rejection(b.readMsg())),
      )
    } finally {
      await tcp.close()
    }
  })

  it('a reset after half a valid frame: SOCKET_ERROR or UNEXPECTED_EOF, never a crash', async () => {
    const keyB = generatePrivateKey()
    const tcp = await tcpPair()
    try {
      const [raw, conn] = await Promise.all([
        rawInitiator(tcp.client, publicKeyFromPrivate(keyB)),
        recipientHandshake(tcp.server, { privateKey: keyB }),
      ])
      const frame = raw.codec.encode(0x10, new Uint8Array(1000))
      const arrived = bytesRead(tcp.server, tcp.server.bytesRead + 500)
      tcp.client.write(frame.subarray(0, 500))
      const reading = conn.readMsg()
      await arrived
      tcp.client.resetAndDestroy()
      expect(['SOCKET_ERROR', 'UNEXPECTED_EOF']).toContain(codeOf(await rejection(reading)))
    } finally {
      await tcp.close()
    }
  })

  it('a peer that stops reading blocks our writer; memory stays bounded; then WRITE_TIMEOUT', async () => {
    const { tcp, a } = await tcpSession({ writeTimeoutMs: 300 })
    try {
      const payload = new Uint8Array(256 * 1024)
      let blocked: Promise<void> | undefined
      let maxBuffered = 0
      for (let i = 0; i < 400 && blocked === undefined; i++) {
        const p = a.writeMsg(0x10, payload)
        maxBuffered = Math.max(maxBuffered, tcp.client.writableLength)
        const state = await Promise.race([p.then(() => 'done'), sleep(50).then(() => 'pending')])
        if (state === 'pending') blocked = p
      }
      expect(blocked).toBeDefined()
      // one frame above the high-water mark at most
      expect(maxBuffered).toBeLessThanOrEqual(
        tcp.client.writableHighWaterMark + payload.length + 64,
      )
      expect(codeOf(await rejection(blocked!))).toBe('WRITE_TIMEOUT')
      expect(tcp.client.destroyed).toBe(true)
    } finally {
      await tcp.close()
    }
  })
})
