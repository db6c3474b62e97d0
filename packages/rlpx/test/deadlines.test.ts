import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { duplexPair } from '@devp2p/testing'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  initiatorHandshake,
  READ_TIMEOUT_LINGER_MS,
  RlpxError,
  recipientHandshake,
} from '../src/index.js'
import { handshakeOver } from './helpers/connect.js'
import { rawInitiator } from './helpers/raw-peer.js'
import { unhex } from './helpers/support.js'
import vectors from './vectors/rlpx-handshake.json' with { type: 'json' }

/**
 * Deadlines on a fake clock: `setTimeout` and `performance.now()` are faked, so these
 * tests advance time instead of sleeping. I/O still runs for real (streams use
 * `process.nextTick` and `setImmediate`, which are left alone). The expected times are
 * geth's (5 s handshake, 30 s frame read, 20 s frame write), written out here rather
 * than imported from the code under test.
 */

const HANDSHAKE_MS = 5_000
const READ_MS = 30_000
const WRITE_MS = 20_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Lets real I/O (nextTick, microtasks, setImmediate) run without moving the fake clock. */
async function settleIo(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Tracks a promise's settlement so a test can look without awaiting. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; error?: unknown; at?: number } = { settled: false }
  promise.then(
    () => {
      state.settled = true
      state.at = performance.now()
    },
    (err: unknown) => {
      state.settled = true
      state.error = err
      state.at = performance.now()
    },
  )
  return state
}

/**
 * Writes `bytes` one byte every 100 ms of fake time until `until` settles or the bytes run
 * out; returns how many bytes were written.
 */
async function drip(
  write: (b: Uint8Array) => void,
  bytes: Uint8Array,
  until: { settled: boolean },
): Promise<number> {
  let sent = 0
  while (!until.settled && sent < bytes.length) {
    write(bytes.subarray(sent, sent + 1))
    sent++
    await settleIo(1)
    await vi.advanceTimersByTimeAsync(100)
  }
  return sent
}

describe('slow peers on a fake clock: the deadline is per handshake / per message', () => {
  it('an initiator sending one byte every 100 ms fails the handshake at 5 s, mid-auth', async () => {
    const [a, b] = duplexPair()
    const auth = unhex(vectors.auth.find((p) => p.id === 'Auth2')!.hex) // 437 bytes
    const start = performance.now()
    const state = track(recipientHandshake(b, { privateKey: unhex(vectors.keys.staticKeyB) }))
    const sent = await drip((x) => a.write(x), auth, state)
    expect(state.settled).toBe(true)
    expect(state.error).toBeInstanceOf(RlpxError)
    expect((state.error as RlpxError).code).toBe('HANDSHAKE_TIMEOUT')
    // bytes kept arriving (one per 100 ms) right up to the deadline: not an idle timer
    expect(sent).toBeGreaterThanOrEqual(HANDSHAKE_MS / 100 - 1)
    expect(sent).toBeLessThan(auth.length)
    expect(state.at! - start).toBeGreaterThanOrEqual(HANDSHAKE_MS)
    expect(state.at! - start).toBeLessThanOrEqual(HANDSHAKE_MS + 100)
    expect(b.destroyed).toBe(true)
    a.destroy()
  })

  it('a peer sending one byte every 100 ms fails readMsg at 30 s, mid-frame', async () => {
    const [a, b] = duplexPair()
    const keyB = generatePrivateKey()
    const [raw, conn] = await Promise.all([
      rawInitiator(a, publicKeyFromPrivate(keyB)),
      recipientHandshake(b, { privateKey: keyB }),
    ])
    // 2000-byte payload: 2048 + 48 bytes on the wire, more than 300 drips can deliver
    const frame = raw.codec.encode(0x10, new Uint8Array(2000))
    const start = performance.now()
    const state = track(conn.readMsg())
    const sent = await drip((x) => a.write(x), frame, state)
    expect((state.error as RlpxError).code).toBe('READ_TIMEOUT')
    // the header (32 bytes) was complete long before: the deadline covers the whole message
    expect(sent).toBeGreaterThanOrEqual(READ_MS / 100 - 1)
    expect(sent).toBeLessThan(frame.length)
    expect(state.at! - start).toBeGreaterThanOrEqual(READ_MS)
    expect(state.at! - start).toBeLessThanOrEqual(READ_MS + 100)
    expect(conn.error?.code).toBe('READ_TIMEOUT')
    // writes stay open for the caller to say why (p2p: Disconnect), then the stream goes
    expect(conn.writable).toBe(true)
    expect(b.destroyed).toBe(false)
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT_LINGER_MS - 1)
    expect(b.destroyed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(b.destroyed).toBe(true)
    expect(conn.writable).toBe(false)
    a.destroy()
  })

  it('a peer that is silent but connected: readMsg fails at exactly 30 s, not before', async () => {
    const [a, b] = duplexPair()
    const keyB = generatePrivateKey()
    const [, conn] = await Promise.all([
      rawInitiator(a, publicKeyFromPrivate(keyB)),
      recipientHandshake(b, { privateKey: keyB }),
    ])
    const state = track(conn.readMsg())
    await vi.advanceTimersByTimeAsync(READ_MS - 1)
    expect(state.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect((state.error as RlpxError).code).toBe('READ_TIMEOUT')
    a.destroy()
  })

  it('a recipient that never answers: the initiator fails at 5 s', async () => {
    const [a, b] = duplexPair()
    const state = track(
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(generatePrivateKey()),
      }),
    )
    await settleIo()
    await vi.advanceTimersByTimeAsync(HANDSHAKE_MS - 1)
    expect(state.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect((state.error as RlpxError).code).toBe('HANDSHAKE_TIMEOUT')
    expect(a.destroyed).toBe(true)
    b.destroy()
  })

  it('a peer that stops reading: writeMsg fails with WRITE_TIMEOUT at 20 s', async () => {
    const [a, b] = duplexPair({ highWaterMark: 1024 })
    const [conn] = await handshakeOver(a, b)
    // nobody reads b: its buffer fills, a's write() returns false and waits for 'drain'
    const writes = [
      conn.writeMsg(0x10, new Uint8Array(8192)),
      conn.writeMsg(0x10, new Uint8Array(8192)),
    ]
    const states = writes.map(track)
    await settleIo()
    await vi.advanceTimersByTimeAsync(WRITE_MS - 1)
    expect(states.some((s) => s.settled && s.error !== undefined)).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await settleIo()
    expect(states.map((s) => (s.error as RlpxError | undefined)?.code)).toContain('WRITE_TIMEOUT')
    expect(a.destroyed).toBe(true)
    b.destroy()
  })
})

describe('mutated auth end to end (fake clock): RlpxError, stream destroyed, never a hang', () => {
  for (const id of ['Auth1', 'Auth2'] as const) {
    const v = vectors.auth.find((p) => p.id === id)!
    it(`any single corrupted byte of ${id} (${v.format})`, async () => {
      const auth = unhex(v.hex)
      const keyB = unhex(vectors.keys.staticKeyB)
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: auth.length - 1 }),
          fc.integer({ min: 1, max: 255 }),
          async (at, mask) => {
            const [a, b] = duplexPair()
            const start = performance.now()
            const state = track(recipientHandshake(b, { privateKey: keyB }))
            const bad = Uint8Array.from(auth)
            bad[at]! ^= mask
            a.write(bad)
            await settleIo()
            // a corrupted size prefix may announce more bytes than arrive: the deadline ends it
            if (!state.settled) await vi.advanceTimersByTimeAsync(HANDSHAKE_MS)
            await settleIo()
            expect(state.settled).toBe(true)
            expect(state.error).toBeInstanceOf(RlpxError)
            expect(state.at! - start).toBeLessThanOrEqual(HANDSHAKE_MS)
            expect(b.destroyed).toBe(true)
            a.destroy()
          },
        ),
        { numRuns: 60 },
      )
    })
  }
})
