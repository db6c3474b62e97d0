import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { duplexPair, ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
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
 * Deadlines on a fake clock: every handshake and connection here gets a `ManualClock` as
 * its `clock` option, so these tests move time with `clock.advance` instead of sleeping,
 * and a deadline taken from anywhere else (the system clock, a global timer) would never
 * fire and fail them. I/O still runs for real (streams use `process.nextTick` and
 * `setImmediate`, which the fake clock leaves alone). The expected times are geth's (5 s
 * handshake, 30 s frame read, 20 s frame write), written out here rather than imported
 * from the code under test.
 */

const HANDSHAKE_MS = 5_000
const READ_MS = 30_000
const WRITE_MS = 20_000

/** Lets real I/O (nextTick, microtasks, setImmediate) run without moving the clock. */
async function settleIo(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}

/** Moves the clock, then lets what the fired deadlines started run. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  clock.advance(ms)
  await settleIo()
}

/** Tracks a promise's settlement, and when on `clock`, so a test can look without awaiting. */
function track<T>(promise: Promise<T>, clock: ManualClock) {
  const state: { settled: boolean; error?: unknown; at?: number } = { settled: false }
  promise.then(
    () => {
      state.settled = true
      state.at = clock.now()
    },
    (err: unknown) => {
      state.settled = true
      state.error = err
      state.at = clock.now()
    },
  )
  return state
}

const codeOf = (err: unknown): string | undefined =>
  err instanceof RlpxError ? err.code : `not an RlpxError: ${String(err)}`

/**
 * Writes `bytes` one byte every 100 ms of fake time until `until` settles or the bytes run
 * out; returns how many bytes were written.
 */
async function drip(
  clock: ManualClock,
  write: (b: Uint8Array) => void,
  bytes: Uint8Array,
  until: { settled: boolean },
): Promise<number> {
  let sent = 0
  while (!until.settled && sent < bytes.length) {
    write(bytes.subarray(sent, sent + 1))
    sent++
    await settleIo(1)
    clock.advance(100)
    await settleIo(1)
  }
  return sent
}

/** Our recipient on the fake clock, and a hand-driven initiator whose raw frames we write. */
async function rawSession(clock: ManualClock, options: { readTimeoutMs?: number } = {}) {
  const [a, b] = duplexPair()
  const keyB = generatePrivateKey()
  const [raw, conn] = await Promise.all([
    rawInitiator(a, publicKeyFromPrivate(keyB)),
    recipientHandshake(b, { privateKey: keyB, clock, ...options }),
  ])
  return { a, b, codec: raw.codec, conn }
}

describe('the handshake deadline is on the injected clock', () => {
  it('a recipient that never answers: the initiator fails at exactly 5 s, not 1 ms before', async () => {
    const clock = new ManualClock()
    const [a, b] = duplexPair()
    const start = clock.now()
    const state = track(
      initiatorHandshake(a, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(generatePrivateKey()),
        clock,
      }),
      clock,
    )
    await settleIo()
    expect(clock.pending).toBe(1)
    await advance(clock, HANDSHAKE_MS - 1)
    expect(state.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(state.error)).toBe('HANDSHAKE_TIMEOUT')
    expect(state.at! - start).toBe(HANDSHAKE_MS)
    expect(a.destroyed).toBe(true)
    expect(clock.pending).toBe(0)
    b.destroy()
  })

  it('an initiator that never sends its auth: the recipient fails at the `timeoutMs` given', async () => {
    const clock = new ManualClock()
    const [a, b] = duplexPair()
    const state = track(
      recipientHandshake(b, { privateKey: generatePrivateKey(), clock, timeoutMs: 1_234 }),
      clock,
    )
    await advance(clock, 1_233)
    expect(state.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(state.error)).toBe('HANDSHAKE_TIMEOUT')
    expect(b.destroyed).toBe(true)
    a.destroy()
  })

  it('an initiator sending one byte every 100 ms fails the handshake at 5 s, mid-auth', async () => {
    const clock = new ManualClock()
    const [a, b] = duplexPair()
    const auth = unhex(vectors.auth.find((p) => p.id === 'Auth2')!.hex) // 437 bytes
    const start = clock.now()
    const state = track(
      recipientHandshake(b, { privateKey: unhex(vectors.keys.staticKeyB), clock }),
      clock,
    )
    const sent = await drip(clock, (x) => a.write(x), auth, state)
    expect(state.settled).toBe(true)
    expect(codeOf(state.error)).toBe('HANDSHAKE_TIMEOUT')
    // bytes kept arriving (one per 100 ms) right up to the deadline: not an idle timer
    expect(sent).toBe(HANDSHAKE_MS / 100)
    expect(sent).toBeLessThan(auth.length)
    expect(state.at! - start).toBe(HANDSHAKE_MS)
    expect(b.destroyed).toBe(true)
    expect(clock.pending).toBe(0)
    a.destroy()
  })

  it('a handshake that succeeds cancels its deadline', async () => {
    const clock = new ManualClock()
    const [sa, sb] = duplexPair()
    const keyB = generatePrivateKey()
    const both = Promise.all([
      initiatorHandshake(sa, {
        privateKey: generatePrivateKey(),
        remotePublicKey: publicKeyFromPrivate(keyB),
        clock,
      }),
      recipientHandshake(sb, { privateKey: keyB, clock }),
    ])
    expect(clock.pending).toBe(2) // one deadline per handshake, from the start
    const [a, b] = await both
    expect(clock.pending).toBe(0)
    await advance(clock, HANDSHAKE_MS)
    expect(a.error ?? b.error).toBeUndefined()
    await Promise.all([a.close(), b.close()])
    expect(clock.pending).toBe(0)
  })
})

describe('the read deadline is one per message, on the injected clock', () => {
  it('a peer that is silent but connected: readMsg fails at exactly 30 s, not 1 ms before', async () => {
    const clock = new ManualClock()
    const { a, conn } = await rawSession(clock)
    const start = clock.now()
    const state = track(conn.readMsg(), clock)
    await advance(clock, READ_MS - 1)
    expect(state.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(state.error)).toBe('READ_TIMEOUT')
    expect(state.at! - start).toBe(READ_MS)
    expect(conn.error?.code).toBe('READ_TIMEOUT')
    await conn.close()
    a.destroy()
  })

  it('a message arriving in pieces has one deadline, not one per piece', async () => {
    const clock = new ManualClock()
    const { a, codec, conn } = await rawSession(clock, { readTimeoutMs: 1_000 })
    const frame = codec.encode(0x10, new Uint8Array(100)) // 32 + 112 + 16 bytes
    const start = clock.now()
    const state = track(conn.readMsg(), clock)
    // the header at once, then a piece of the body at 600 ms and at 999 ms: each would
    // have renewed an idle timer, but the deadline is for the whole message
    a.write(frame.subarray(0, 32))
    await settleIo()
    await advance(clock, 600)
    a.write(frame.subarray(32, 64))
    await advance(clock, 399)
    a.write(frame.subarray(64, 100))
    await settleIo()
    expect(state.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(state.error)).toBe('READ_TIMEOUT')
    expect(state.at! - start).toBe(1_000)
    await conn.close()
    a.destroy()
  })

  it('each message gets its own deadline: a message read in time does not use up the next one', async () => {
    const clock = new ManualClock()
    const { a, codec, conn } = await rawSession(clock, { readTimeoutMs: 1_000 })
    const first = track(conn.readMsg(), clock)
    await advance(clock, 900)
    a.write(codec.encode(0x10, Uint8Array.of(1)))
    await settleIo()
    expect(first.settled && first.error === undefined).toBe(true)
    expect(clock.pending).toBe(0) // the first read's deadline is cancelled
    const second = track(conn.readMsg(), clock)
    await advance(clock, 999)
    expect(second.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(second.error)).toBe('READ_TIMEOUT')
    await conn.close()
    a.destroy()
  })

  it('a peer sending one byte every 100 ms fails readMsg at 30 s, mid-frame; writes linger 2 s', async () => {
    const clock = new ManualClock()
    const { a, b, codec, conn } = await rawSession(clock)
    // 2000-byte payload: 2048 + 48 bytes on the wire, more than 300 drips can deliver
    const frame = codec.encode(0x10, new Uint8Array(2000))
    const start = clock.now()
    const state = track(conn.readMsg(), clock)
    const sent = await drip(clock, (x) => a.write(x), frame, state)
    expect(codeOf(state.error)).toBe('READ_TIMEOUT')
    // the header (32 bytes) was complete long before: the deadline covers the whole message
    expect(sent).toBe(READ_MS / 100)
    expect(state.at! - start).toBe(READ_MS)
    // writes stay open for the caller to say why (p2p: Disconnect), then the stream goes
    expect(conn.writable).toBe(true)
    expect(b.destroyed).toBe(false)
    expect(clock.pending).toBe(1) // the linger timer
    await advance(clock, READ_TIMEOUT_LINGER_MS - 1)
    expect(b.destroyed).toBe(false)
    await advance(clock, 1)
    expect(b.destroyed).toBe(true)
    expect(conn.writable).toBe(false)
    expect(clock.pending).toBe(0)
    a.destroy()
  })

  it('close() during the linger after a read timeout leaves no timer pending', async () => {
    const clock = new ManualClock()
    const { a, b, conn } = await rawSession(clock)
    const state = track(conn.readMsg(), clock)
    await advance(clock, READ_MS)
    expect(codeOf(state.error)).toBe('READ_TIMEOUT')
    expect(clock.pending).toBe(1) // the linger timer
    await conn.writeMsg(0x01, Uint8Array.of(0xc1, 0x0b)) // the caller says why
    await conn.close()
    expect(b.destroyed).toBe(true)
    expect(clock.pending).toBe(0)
    a.destroy()
  })
})

describe('the write deadline is on the injected clock', () => {
  /** A connection whose peer never reads, on a small buffer: writes wait for 'drain'. */
  async function stalled(clock: ManualClock, options: { writeTimeoutMs?: number } = {}) {
    const [sa, sb] = duplexPair({ highWaterMark: 1024 })
    const [conn, peer] = await handshakeOver(sa, sb, { clock, ...options })
    return { sa, sb, conn, peer }
  }

  it('a peer that stops reading: writeMsg fails with WRITE_TIMEOUT at exactly 20 s', async () => {
    const clock = new ManualClock()
    const { sa, sb, conn } = await stalled(clock)
    // nobody reads sb: its buffer fills, sa's write() returns false and waits for 'drain'
    const start = clock.now()
    const states = [
      conn.writeMsg(0x10, new Uint8Array(8192)),
      conn.writeMsg(0x10, new Uint8Array(8192)),
    ].map((w) => track(w, clock))
    await settleIo()
    expect(clock.pending).toBe(1) // one deadline, for the frame waiting for 'drain'
    await advance(clock, WRITE_MS - 1)
    expect(states.some((s) => s.settled)).toBe(false)
    await advance(clock, 1)
    expect(states.map((s) => codeOf(s.error))).toEqual(['WRITE_TIMEOUT', 'WRITE_TIMEOUT'])
    expect(states[0]!.at! - start).toBe(WRITE_MS)
    expect(sa.destroyed).toBe(true)
    expect(clock.pending).toBe(0)
    sb.destroy()
  })

  it('the `writeTimeoutMs` given is measured on the clock too', async () => {
    const clock = new ManualClock()
    const { sa, sb, conn } = await stalled(clock, { writeTimeoutMs: 500 })
    const state = track(conn.writeMsg(0x10, new Uint8Array(8192)), clock)
    await advance(clock, 499)
    expect(state.settled).toBe(false)
    await advance(clock, 1)
    expect(codeOf(state.error)).toBe('WRITE_TIMEOUT')
    expect(sa.destroyed).toBe(true)
    sb.destroy()
  })

  it('a write that drains in time cancels its deadline', async () => {
    const clock = new ManualClock()
    const { sb, conn, peer } = await stalled(clock)
    const state = track(conn.writeMsg(0x10, new Uint8Array(8192)), clock)
    await settleIo()
    expect(clock.pending).toBe(1)
    await advance(clock, WRITE_MS - 1)
    // the peer reads at last: 'drain' comes, the deadline is cancelled
    const msg = await peer.readMsg()
    expect(msg.payload.length).toBe(8192)
    await settleIo()
    expect(state.settled && state.error === undefined).toBe(true)
    expect(clock.pending).toBe(0)
    await advance(clock, WRITE_MS)
    expect(conn.error).toBeUndefined()
    await Promise.all([conn.close(), peer.close()])
    expect(clock.pending).toBe(0)
    sb.destroy()
  })
})

describe('close() leaves nothing pending on the clock', () => {
  it('with a read and a drain-blocked write waiting, and bytes left to flush', async () => {
    const clock = new ManualClock()
    const [sa, sb] = duplexPair({ highWaterMark: 1024 })
    const [a, b] = await handshakeOver(sa, sb, { clock })
    const reading = track(a.readMsg(), clock)
    const writing = track(a.writeMsg(0x10, new Uint8Array(64 * 1024)), clock)
    await settleIo()
    expect(clock.pending).toBe(2) // the read deadline and the write deadline
    const closing = a.close()
    await settleIo()
    expect(codeOf(reading.error)).toBe('CONNECTION_CLOSED')
    // the frame handed to the stream cannot flush: the close flush timer waits for it
    expect(clock.pending).toBe(2) // the write deadline and the close flush timer
    await advance(clock, 1_000)
    await closing
    expect(codeOf(writing.error)).toBe('CONNECTION_CLOSED')
    await b.close()
    await settleIo()
    expect(clock.pending).toBe(0)
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
            const clock = new ManualClock()
            const [a, b] = duplexPair()
            const start = clock.now()
            const state = track(recipientHandshake(b, { privateKey: keyB, clock }), clock)
            expect(clock.pending).toBe(1) // its deadline is on this clock
            const bad = Uint8Array.from(auth)
            bad[at]! ^= mask
            a.write(bad)
            await settleIo()
            // a corrupted size prefix may announce more bytes than arrive: the deadline ends it
            if (!state.settled) await advance(clock, HANDSHAKE_MS)
            expect(state.settled).toBe(true)
            expect(state.error).toBeInstanceOf(RlpxError)
            expect(state.at! - start).toBeLessThanOrEqual(HANDSHAKE_MS)
            expect(b.destroyed).toBe(true)
            expect(clock.pending).toBe(0)
            a.destroy()
          },
        ),
        { numRuns: 60 },
      )
    })
  }
})
