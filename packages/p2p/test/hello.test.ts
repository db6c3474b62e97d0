/**
 * The Hello exchange over an in-memory connection and a fake clock: its deadline, the
 * frame limit while it runs, and the identity checks.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { decodeHello } from '../src/base-protocol.js'
import { MAX_HELLO_FRAME_BYTES } from '../src/constants.js'
import { DisconnectReason, P2pError } from '../src/errors.js'
import { checkHelloIdentity, exchangeHello, type HelloConn, ourHello } from '../src/hello.js'
import { helloPayload } from './helpers/raw-peer.ts'

/** A HelloConn whose reads the test answers by hand. */
class FakeConn implements HelloConn {
  maxFrameBytes = 16 * 1024 * 1024
  readonly frameLimits: number[] = []
  readonly written: { code: number; payload: Uint8Array }[] = []
  #answer: ((msg: { code: number; payload: Uint8Array }) => void) | undefined

  setMaxFrameBytes(bytes: number): void {
    this.frameLimits.push(bytes)
    this.maxFrameBytes = bytes
  }
  readMsg(): Promise<{ code: number; payload: Uint8Array }> {
    return new Promise((resolve) => {
      this.#answer = resolve
    })
  }
  async writeMsg(code: number, payload: Uint8Array): Promise<void> {
    this.written.push({ code, payload })
  }
  answer(code: number, payload: Uint8Array): void {
    this.#answer?.({ code, payload })
  }
}

const publicKey = publicKeyFromPrivate(generatePrivateKey())
const ours = ourHello({ name: 'us', protocols: [], listenPort: 30303, publicKey })

async function failure(task: Promise<unknown>): Promise<P2pError> {
  const err = await task.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(P2pError)
  return err as P2pError
}

describe('exchangeHello', () => {
  it('sends ours, returns theirs, and limits frames to a Hello only while it runs', async () => {
    const conn = new FakeConn()
    const clock = new ManualClock()
    const exchange = exchangeHello(conn, { hello: ours, clock, timeoutMs: 5_000 })
    expect(conn.written.map((m) => m.code)).toEqual([0x00])
    expect(decodeHello(conn.written[0]!.payload).id).toEqual(publicKey)
    expect(conn.maxFrameBytes).toBe(MAX_HELLO_FRAME_BYTES)
    conn.answer(0x00, helloPayload({ id: publicKey, name: 'them' }))
    const hello = await exchange
    expect(hello.name).toBe('them')
    expect(conn.maxFrameBytes).toBe(16 * 1024 * 1024)
    expect(clock.pending).toBe(0) // the deadline is cancelled
  })

  it('fails with "read timeout" when the fake clock passes the deadline, not before', async () => {
    const conn = new FakeConn()
    const clock = new ManualClock()
    const exchange = exchangeHello(conn, { hello: ours, clock, timeoutMs: 5_000 })
    let settled = false
    const done = (): void => {
      settled = true
    }
    exchange.then(done, done)
    clock.advance(4_999)
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    clock.advance(1)
    const err = await failure(exchange)
    expect(err.code).toBe('LOCAL_DISCONNECT')
    expect(err.reason).toBe(DisconnectReason.ReadTimeout)
  })

  it('a Disconnect instead of Hello is REMOTE_DISCONNECT with their reason', async () => {
    const conn = new FakeConn()
    const exchange = exchangeHello(conn, { hello: ours, clock: new ManualClock(), timeoutMs: 1 })
    conn.answer(0x01, encode([DisconnectReason.TooManyPeers]))
    const err = await failure(exchange)
    expect(err.code).toBe('REMOTE_DISCONNECT')
    expect(err.reason).toBe(DisconnectReason.TooManyPeers)
  })

  it('another message first is a breach of protocol', async () => {
    const conn = new FakeConn()
    const exchange = exchangeHello(conn, { hello: ours, clock: new ManualClock(), timeoutMs: 1 })
    conn.answer(0x10, encode('hi'))
    expect((await failure(exchange)).code).toBe('PROTOCOL_BREACH')
  })
})

describe('checkHelloIdentity', () => {
  const hello = (id: Uint8Array) => decodeHello(helloPayload({ id }))

  it('accepts the key the RLPx handshake authenticated', () => {
    expect(() => checkHelloIdentity(hello(publicKey), publicKey)).not.toThrow()
  })

  it('a zero or short id is an invalid identity; another key an unexpected one', () => {
    const reasonOf = (f: () => void): number | undefined => {
      try {
        f()
      } catch (err) {
        return (err as P2pError).reason
      }
      return undefined
    }
    expect(reasonOf(() => checkHelloIdentity(hello(new Uint8Array(64)), publicKey))).toBe(
      DisconnectReason.InvalidIdentity,
    )
    expect(reasonOf(() => checkHelloIdentity(hello(publicKey.subarray(1)), publicKey))).toBe(
      DisconnectReason.InvalidIdentity,
    )
    const other = publicKeyFromPrivate(generatePrivateKey())
    expect(reasonOf(() => checkHelloIdentity(hello(other), publicKey))).toBe(
      DisconnectReason.UnexpectedIdentity,
    )
  })
})
