/**
 * Messages and the in-memory pipe: Msg, send / sendItems payloads (hand-written RLP),
 * msgPipe's rendezvous semantics and close, and expectMsg including its timeout on a
 * fake clock (geth's p2p.Msg, p2p.Send, p2p.MsgPipe, p2p.ExpectMsg).
 */

import { timeoutSignal } from '@devp2p/common'
import { RlpError, t } from '@devp2p/rlp'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { P2pError } from '../src/errors.js'
import { expectMsg, Msg, type MsgPipeEnd, msgPipe, send, sendItems } from '../src/msg.js'

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Lets every queued microtask (and the ones they queue) run; no timers involved. */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

/** The rejection of `promise`, or fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`)
    },
    (err: unknown) => err,
  )
}

function expectP2pError(err: unknown, code: P2pError['code']): void {
  expect(err).toBeInstanceOf(P2pError)
  expect((err as P2pError).code).toBe(code)
}

describe('Msg', () => {
  it('reports its size as the payload length', () => {
    expect(new Msg(0, new Uint8Array(0), 0).size).toBe(0)
    expect(new Msg(3, hex('c50183666f6f'), 42).size).toBe(6)
  })

  it('keeps code, payload and receivedAt', () => {
    const payload = hex('c0')
    const msg = new Msg(7, payload, 1234)
    expect(msg.code).toBe(7)
    expect(msg.payload).toBe(payload)
    expect(msg.receivedAt).toBe(1234)
  })

  it('decodes its payload with a schema', () => {
    // [1, "foo"]
    const msg = new Msg(0, hex('c5 01 83666f6f'), 0)
    expect(msg.decode(t.tuple(t.uint, t.string))).toEqual([1, 'foo'])
    expect(new Msg(0, hex('820400'), 0).decode(t.uint)).toBe(1024)
  })

  it('throws RlpError when the payload does not match the schema', () => {
    const msg = new Msg(0, hex('c5 01 83666f6f'), 0)
    expect(() => msg.decode(t.string)).toThrow(RlpError)
    expect(() => msg.decode(t.tuple(t.uint, t.list(t.uint)))).toThrow(RlpError)
    // not RLP at all: a truncated string
    expect(() => new Msg(0, hex('83666f'), 0).decode(t.string)).toThrow(RlpError)
    // trailing bytes
    expect(() => new Msg(0, hex('0101'), 0).decode(t.uint)).toThrow(RlpError)
  })
})

describe('send / sendItems', () => {
  it.each([
    ['a string', 'foo', '83666f6f'],
    ['an integer', 1024, '820400'],
    ['zero', 0, '80'],
    ['a bigint', 0x0100_0000_0000n, '86010000000000'],
    ['empty bytes', new Uint8Array(0), '80'],
    ['a list', [1, 'foo', [0x10]], 'c7 01 83666f6f c110'],
    ['an empty list', [], 'c0'],
  ] as const)('send(%s) writes its RLP encoding', async (_, value, expected) => {
    const [a, b] = msgPipe()
    const write = send(a, 3, value as Parameters<typeof send>[2])
    const msg = await b.readMsg()
    await write
    expect(msg.code).toBe(3)
    expect(toHex(msg.payload)).toBe(toHex(hex(expected)))
  })

  it('sendItems writes the items as one list', async () => {
    const [a, b] = msgPipe()
    const writes = [sendItems(a, 2, 1, 'foo', [0x10]), sendItems(a, 5), sendItems(a, 0, 'x')]
    const msgs = [await b.readMsg(), await b.readMsg(), await b.readMsg()]
    await Promise.all(writes)
    expect(msgs.map((m) => [m.code, toHex(m.payload)])).toEqual([
      [2, 'c70183666f6fc110'],
      [5, 'c0'],
      [0, 'c178'],
    ])
  })
})

describe('msgPipe', () => {
  it('resolves a write only after the other end read it', async () => {
    const [a, b] = msgPipe()
    const events: string[] = []
    const write = a.writeMsg({ code: 1, payload: hex('c0') }).then(() => events.push('written'))
    await drainMicrotasks()
    expect(events).toEqual([]) // nobody read yet: the writer waits

    events.push('readMsg called')
    const msg = await b.readMsg()
    events.push('read')
    await write
    expect(events).toEqual(['readMsg called', 'written', 'read'])
    expect(msg.code).toBe(1)
  })

  it('hands a message straight to a waiting reader', async () => {
    const [a, b] = msgPipe()
    const events: string[] = []
    const read = b.readMsg().then((m) => {
      events.push(`read ${m.code}`)
      return m
    })
    await drainMicrotasks()
    expect(events).toEqual([])
    await a.writeMsg({ code: 9, payload: hex('01') })
    events.push('written')
    await read
    expect(events).toContain('read 9')
    expect(events).toContain('written')
  })

  it('keeps order, in both directions independently', async () => {
    const [a, b] = msgPipe()
    const aWrites = [0, 1, 2, 3, 4].map((code) =>
      a.writeMsg({ code, payload: Uint8Array.of(code) }),
    )
    const bWrites = [10, 11, 12].map((code) => b.writeMsg({ code, payload: Uint8Array.of(code) }))
    const atB: number[] = []
    const atA: number[] = []
    for (let i = 0; i < 5; i++) atB.push((await b.readMsg()).code)
    for (let i = 0; i < 3; i++) atA.push((await a.readMsg()).code)
    await Promise.all([...aWrites, ...bWrites])
    expect(atB).toEqual([0, 1, 2, 3, 4])
    expect(atA).toEqual([10, 11, 12])
  })

  it('resolves the k-th write only once the k-th message was read', async () => {
    const [a, b] = msgPipe()
    const done: number[] = []
    const writes = [0, 1, 2].map((code) =>
      a.writeMsg({ code, payload: hex('80') }).then(() => done.push(code)),
    )
    await b.readMsg()
    await drainMicrotasks()
    expect(done).toEqual([0])
    await b.readMsg()
    await drainMicrotasks()
    expect(done).toEqual([0, 1])
    await b.readMsg()
    await Promise.all(writes)
    expect(done).toEqual([0, 1, 2])
  })

  it('gives the reader its own copy of the payload and stamps receivedAt from the clock', async () => {
    const [a, b] = msgPipe({ clock: { now: () => 777 } })
    const payload = hex('83666f6f')
    const write = a.writeMsg({ code: 0, payload })
    payload[1] = 0x00
    const msg = await b.readMsg()
    await write
    expect(toHex(msg.payload)).toBe('83666f6f')
    expect(msg.receivedAt).toBe(777)
  })

  it('copies a Buffer payload too (Buffer#slice() is a view, not a copy)', async () => {
    const [a, b] = msgPipe()
    const payload = Buffer.from(hex('83666f6f'))
    const write = a.writeMsg({ code: 0, payload })
    payload[1] = 0x00
    const msg = await b.readMsg()
    await write
    expect(toHex(msg.payload)).toBe('83666f6f')
  })

  it('close() ends `for await` on both ends without error', async () => {
    const [a, b] = msgPipe()
    const seenByA: number[] = []
    const seenByB: number[] = []
    const loopA = (async () => {
      for await (const msg of a) seenByA.push(msg.code)
      return 'a done'
    })()
    const loopB = (async () => {
      for await (const msg of b) seenByB.push(msg.code)
      return 'b done'
    })()
    await a.writeMsg({ code: 1, payload: hex('c0') })
    await b.writeMsg({ code: 2, payload: hex('c0') })
    await a.writeMsg({ code: 3, payload: hex('c0') })
    a.close()
    await expect(loopA).resolves.toBe('a done')
    await expect(loopB).resolves.toBe('b done')
    expect(seenByB).toEqual([1, 3])
    expect(seenByA).toEqual([2])
  })

  it('after close(), reads and writes on both ends reject with PEER_CLOSED', async () => {
    const [a, b] = msgPipe()
    b.close()
    for (const end of [a, b] as MsgPipeEnd[]) {
      expectP2pError(await rejectionOf(end.readMsg()), 'PEER_CLOSED')
      expectP2pError(
        await rejectionOf(end.writeMsg({ code: 0, payload: hex('c0') })),
        'PEER_CLOSED',
      )
    }
    a.close() // a second close is harmless
    expectP2pError(await rejectionOf(a.readMsg()), 'PEER_CLOSED')
  })

  it('close() fails a waiting reader and a waiting writer with PEER_CLOSED', async () => {
    const [a, b] = msgPipe()
    const read = rejectionOf(a.readMsg())
    const write = rejectionOf(a.writeMsg({ code: 4, payload: hex('c0') }))
    await drainMicrotasks()
    b.close()
    expectP2pError(await read, 'PEER_CLOSED')
    expectP2pError(await write, 'PEER_CLOSED')
  })

  it('writeMsg throws RangeError synchronously for a code that is not a non-negative integer', () => {
    const [a] = msgPipe()
    for (const code of [-1, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => a.writeMsg({ code, payload: hex('c0') })).toThrow(RangeError)
    }
  })

  it('writeMsg throws TypeError for a payload that is not a Uint8Array', () => {
    const [a] = msgPipe()
    expect(() => a.writeMsg({ code: 0, payload: 'c0' as unknown as Uint8Array })).toThrow(TypeError)
  })
})

describe('expectMsg', () => {
  it('passes for the expected code and content and returns the message', async () => {
    const [a, b] = msgPipe()
    const write = send(a, 2, [1, 'foo'])
    const msg = await expectMsg(b, 2, [1, 'foo'])
    await write
    expect(msg.code).toBe(2)
    expect(toHex(msg.payload)).toBe('c50183666f6f')
  })

  it('checks only the code when no content is given', async () => {
    const [a, b] = msgPipe()
    const write = a.writeMsg({ code: 6, payload: hex('c3010203') })
    const msg = await expectMsg(b, 6)
    await write
    expect(toHex(msg.payload)).toBe('c3010203')
  })

  it('fails with UNEXPECTED_MESSAGE for another code', async () => {
    const [a, b] = msgPipe()
    const write = send(a, 3, 'foo')
    expectP2pError(await rejectionOf(expectMsg(b, 2, 'foo')), 'UNEXPECTED_MESSAGE')
    await write
  })

  it.each([
    ['another value', 'bar'],
    ['the same bytes in a list', ['foo']],
    ['a prefix', 'fo'],
  ])('fails with UNEXPECTED_MESSAGE for other content: %s', async (_, content) => {
    const [a, b] = msgPipe()
    const write = send(a, 2, 'foo')
    expectP2pError(await rejectionOf(expectMsg(b, 2, content)), 'UNEXPECTED_MESSAGE')
    await write
  })

  it('fails with PEER_CLOSED when the pipe closes first', async () => {
    const [a, b] = msgPipe()
    const result = rejectionOf(expectMsg(b, 0))
    a.close()
    expectP2pError(await result, 'PEER_CLOSED')
  })

  it('fails with TIMEOUT when a timeoutSignal fires, not before', async () => {
    const clock = new ManualClock()
    const [, b] = msgPipe()
    let settled = false
    const signal = timeoutSignal(clock, 5_000)
    const result = rejectionOf(expectMsg(b, 0, undefined, { signal })).finally(() => {
      settled = true
    })
    clock.advance(4_999)
    await drainMicrotasks()
    expect(settled).toBe(false)
    clock.advance(1)
    const err = await result
    expectP2pError(err, 'TIMEOUT')
    expect((err as P2pError).cause).toBe(signal.reason)
    expect(clock.pending).toBe(0)
  })

  it('a timed-out expectMsg leaves no read behind: the next message goes to the next reader', async () => {
    const clock = new ManualClock()
    const [a, b] = msgPipe()
    const result = rejectionOf(expectMsg(b, 0, undefined, { signal: timeoutSignal(clock, 100) }))
    clock.advance(100)
    expectP2pError(await result, 'TIMEOUT')
    const written = send(a, 0, 'late')
    const msg = await b.readMsg()
    await written
    expect(msg.payload).toEqual(Uint8Array.of(0x84, 0x6c, 0x61, 0x74, 0x65)) // rlp("late")
  })

  it('an already timed-out signal fails at once with TIMEOUT', async () => {
    const [, b] = msgPipe()
    const signal = AbortSignal.abort(new DOMException('too late', 'TimeoutError'))
    expectP2pError(await rejectionOf(expectMsg(b, 0, undefined, { signal })), 'TIMEOUT')
  })

  it('another abort rejects with the signal’s own reason, not TIMEOUT', async () => {
    const [, b] = msgPipe()
    const controller = new AbortController()
    const result = rejectionOf(expectMsg(b, 0, undefined, { signal: controller.signal }))
    const reason = new Error('shutting down')
    controller.abort(reason)
    expect(await result).toBe(reason)
  })

  it('a message in time cancels nothing it should not: no late TIMEOUT surfaces', async () => {
    const clock = new ManualClock()
    const [a, b] = msgPipe()
    const signal = timeoutSignal(clock, 5_000)
    const expected = expectMsg(b, 1, 'ok', { signal })
    clock.advance(4_000)
    await send(a, 1, 'ok')
    const msg = await expected
    expect(msg.code).toBe(1)
    clock.advance(10_000) // the signal aborts now, with nobody reading
    expect(signal.aborted).toBe(true)
    await drainMicrotasks()
  })
})
