import { duplexPair } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RAW_MSG_MAX_BYTES, type RlpxConnection, RlpxError } from '../src/index.js'
import { handshakeOver } from './helpers/connect.js'
import { snappyjs } from './helpers/ethereumjs-peer.js'
import { rejection, utf8 } from './helpers/support.js'

function pair(): Promise<[RlpxConnection, RlpxConnection]> {
  const [sa, sb] = duplexPair()
  return handshakeOver(sa, sb)
}

describe('RlpxConnection', () => {
  it('coalesces the frames written in one tick: corked until the next tick, then all in order', async () => {
    const [sa, sb] = duplexPair()
    const [a, b] = await handshakeOver(sa, sb)
    const writes = Array.from({ length: 20 }, (_, i) => a.writeMsg(0x10 + i, Uint8Array.of(i)))
    // nothing has reached the stream's _write yet: all 20 frames wait in its buffer
    expect(sa.writableCorked).toBe(1)
    expect(sa.writableLength).toBe(20 * (32 + 16 + 16))
    await Promise.all(writes)
    await new Promise((resolve) => process.nextTick(resolve))
    expect(sa.writableCorked).toBe(0)
    for (let i = 0; i < 20; i++) {
      const msg = await b.readMsg()
      expect([msg.code, ...msg.payload]).toEqual([0x10 + i, i])
    }
    // a later write is not left corked either
    await a.writeMsg(0x01, Uint8Array.of(1))
    expect((await b.readMsg()).code).toBe(0x01)
    await Promise.all([a.close(), b.close()])
  })

  it('round-trips arbitrary codes and payloads (property)', async () => {
    const [a, b] = await pair()
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 ** 40 }),
        fc.uint8Array({ maxLength: 3000 }),
        async (code, payload) => {
          await a.writeMsg(code, payload)
          const msg = await b.readMsg()
          expect(msg.code).toBe(code)
          expect(Buffer.from(msg.payload).equals(Buffer.from(payload))).toBe(true)
          const codeBytes = code < 0x80 ? 1 : 1 + Math.ceil(code.toString(16).length / 2)
          expect(msg.wireSize).toBe(32 + Math.ceil((codeBytes + payload.length) / 16) * 16 + 16)
        },
      ),
      { numRuns: 200 },
    )
    await Promise.all([a.close(), b.close()])
  })

  it('snappy: compressed on the wire, identical after decoding, readable by snappyjs', async () => {
    const [a, b] = await pair()
    a.setSnappy(true)
    b.setSnappy(true)
    const text = utf8('abcdefgh'.repeat(1000))
    await a.writeMsg(0x10, text)
    const msg = await b.readMsg()
    expect(msg.size).toBe(8000)
    expect(msg.wireSize).toBeLessThan(1000)
    expect(Buffer.from(msg.payload).toString()).toBe('abcdefgh'.repeat(1000))
    // an independent compressor's output decodes too
    b.setSnappy(false)
    a.setSnappy(false)
    await a.writeMsg(0x11, snappyjs.compress(text))
    b.setSnappy(true)
    expect(Buffer.from((await b.readMsg()).payload).toString()).toBe('abcdefgh'.repeat(1000))
    await Promise.all([a.close(), b.close()])
  })

  it('snappy on: a message that does not decompress fails with SNAPPY_INVALID carrying its exact bytes', async () => {
    // @ethereumjs/devp2p sends Disconnect uncompressed after Hello (against EIP-706);
    // rlpx gives no code a meaning: the caller (p2p) reads the reason from rawMsg
    const [sa, sb] = duplexPair()
    const [a, b] = await handshakeOver(sa, sb)
    b.setSnappy(true)
    await a.writeMsg(0x01, Uint8Array.of(0xc1, 0x04)) // rlp([4]), raw
    const err = (await rejection(b.readMsg())) as RlpxError
    expect(err).toBeInstanceOf(RlpxError)
    expect(err.code).toBe('SNAPPY_INVALID')
    expect(err.rawMsg?.code).toBe(0x01)
    expect(err.rawMsg?.payload).toEqual(Uint8Array.of(0xc1, 0x04))
    // the connection failed as for any bad input, and the error (with rawMsg) sticks
    expect(sb.destroyed).toBe(true)
    expect(b.error).toBe(err)
    expect(await rejection(b.readMsg())).toBe(err)
    // the payload is the caller's: frames decrypted later (into memory this thread
    // reuses for snappy frames) do not write over it
    const [c, d] = await pair()
    c.setSnappy(true)
    d.setSnappy(true)
    await c.writeMsg(0x01, utf8('zz'))
    expect((await d.readMsg()).payload).toEqual(utf8('zz'))
    expect(err.rawMsg?.payload).toEqual(Uint8Array.of(0xc1, 0x04))
    await Promise.all([a.close(), b.close(), c.close(), d.close()])
  })

  it('snappy on: any message code gets rawMsg; other failures carry none', async () => {
    const [a, b] = await pair()
    b.setSnappy(true)
    await a.writeMsg(0x10, Uint8Array.of(0x04)) // declares 4 bytes, holds none
    const err = (await rejection(b.readMsg())) as RlpxError
    expect(err.code).toBe('SNAPPY_INVALID')
    expect(err.rawMsg).toEqual({ code: 0x10, payload: Uint8Array.of(0x04) })
    // a declared size over the limit is SNAPPY_TOO_LARGE, without rawMsg
    const [c, d] = await pair()
    d.setSnappy(true)
    await c.writeMsg(0x01, Uint8Array.of(0x80, 0x80, 0x80, 0x08, 0x00))
    const tooLarge = (await rejection(d.readMsg())) as RlpxError
    expect(tooLarge.code).toBe('SNAPPY_TOO_LARGE')
    expect(tooLarge.rawMsg).toBeUndefined()
    await Promise.all([a.close(), b.close(), c.close(), d.close()])
  })

  it('snappy on: a message over RAW_MSG_MAX_BYTES that does not decompress carries no rawMsg', async () => {
    // a peer must not pin a large payload in an error that outlives the connection
    const [a, b] = await pair()
    b.setSnappy(true)
    const large = new Uint8Array(100_000).fill(0xff)
    large[0] = 0x04 // declares 4 decoded bytes; the copy tags that follow reach past them
    // not awaited: the frame is larger than the stream buffers, so its write completes as
    // it is read
    const written = a.writeMsg(0x10, large).catch(() => {})
    const err = (await rejection(b.readMsg())) as RlpxError
    await written
    expect(err.code).toBe('SNAPPY_INVALID')
    expect(err.rawMsg).toBeUndefined()
    // the limit is inclusive: a payload of exactly RAW_MSG_MAX_BYTES still carries it
    const [c, d] = await pair()
    d.setSnappy(true)
    const atLimit = large.subarray(0, RAW_MSG_MAX_BYTES)
    await c.writeMsg(0x01, atLimit)
    const small = (await rejection(d.readMsg())) as RlpxError
    expect(small.code).toBe('SNAPPY_INVALID')
    expect(small.rawMsg).toEqual({ code: 0x01, payload: atLimit })
    await Promise.all([a.close(), b.close(), c.close(), d.close()])
  })

  it('async iteration yields messages in order and ends when the peer closes', async () => {
    const [a, b] = await pair()
    for (let i = 0; i < 5; i++) void a.writeMsg(i, Uint8Array.of(i))
    void a.close()
    const seen: number[] = []
    for await (const msg of b) seen.push(msg.code, msg.payload[0]!)
    expect(seen).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    expect(b.error?.code).toBe('CONNECTION_CLOSED')
  })

  it('reads called before anything arrives are served in call order; a failure fails them all', async () => {
    const [a, b] = await pair()
    const reads = [b.readMsg(), b.readMsg(), b.readMsg()]
    for (let i = 0; i < 3; i++) await a.writeMsg(0x10 + i, Uint8Array.of(i))
    const got = await Promise.all(reads)
    expect(got.map((m) => [m.code, m.payload[0]])).toEqual([
      [0x10, 0],
      [0x11, 1],
      [0x12, 2],
    ])
    // and again after they all settled: one more, then three pending when the peer goes
    await a.writeMsg(0x20, Uint8Array.of(9))
    expect((await b.readMsg()).code).toBe(0x20)
    const pending = [b.readMsg(), b.readMsg(), b.readMsg()]
    await a.close()
    const errors = await Promise.all(pending.map((p) => rejection(p)))
    for (const err of errors) expect(err).toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(await rejection(b.readMsg())).toBe(errors[0])
  })

  it('close() is idempotent and fails later calls with CONNECTION_CLOSED', async () => {
    const [a, b] = await pair()
    const pendingRead = a.readMsg()
    const first = a.close()
    expect(a.close()).toBe(first)
    await first
    expect((await rejection(pendingRead)) as RlpxError).toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(await rejection(a.readMsg())).toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(await rejection(a.writeMsg(1, new Uint8Array()))).toMatchObject({
      code: 'CONNECTION_CLOSED',
    })
    expect(await rejection(b.readMsg())).toMatchObject({ code: 'CONNECTION_CLOSED' })
    await b.close()
  })

  it('misuse throws TypeError / RangeError at once', async () => {
    const [a, b] = await pair()
    expect(() => a.writeMsg(-1, new Uint8Array())).toThrow(RangeError)
    expect(() => a.writeMsg(1.5, new Uint8Array())).toThrow(RangeError)
    expect(() => a.writeMsg(1, 'text' as never)).toThrow(TypeError)
    expect(() => a.writeMsg(1, new Uint8Array(2 ** 24))).toThrow(RangeError)
    await Promise.all([a.close(), b.close()])
  })

  it('a 16 MiB − 2 message (the largest frame) goes through', async () => {
    const [a, b] = await pair()
    const big = new Uint8Array(2 ** 24 - 2).fill(7)
    const [, msg] = await Promise.all([a.writeMsg(0x10, big), b.readMsg()])
    expect(msg.payload.length).toBe(big.length)
    expect(msg.payload[big.length - 1]).toBe(7)
    await Promise.all([a.close(), b.close()])
  })
})
