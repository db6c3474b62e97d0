import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { nodeIdFromPublicKey } from '@devp2p/enode'
import { type Msg, msgPipe, type Peer } from '@devp2p/p2p'
import { hex, ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DIGEST_TTL_MS,
  MAX_CLOCK_SKEW_MS,
  MAX_ENVELOPE_AGE_MS,
  MAX_OUTBOX_MESSAGES,
  MAX_SUBSCRIPTION_BUFFER,
} from '../src/constants.js'
import { sealAsym, sealSym } from '../src/envelope/index.js'
import { encodeMessage } from '../src/message.js'
import { Pss } from '../src/pss.js'
import { stringToTopic } from '../src/topic.js'

const TOPIC = stringToTopic('test')

function fakePeer(): Peer {
  const id = nodeIdFromPublicKey(publicKeyFromPrivate(generatePrivateKey()))
  return { id, idHex: hex(id) } as unknown as Peer
}

/** A Pss and a way to connect fake peers to its protocol over message pipes. */
function setup(options: Partial<ConstructorParameters<typeof Pss>[0]> = {}) {
  const clock = new ManualClock()
  const pss = new Pss({ privateKey: generatePrivateKey(), clock, ...options })
  const connect = (peer = fakePeer()) => {
    const [ours, theirs] = msgPipe({ clock })
    let ended = false
    const run = pss.protocol.run(peer, ours).finally(() => {
      ended = true
    })
    return { peer, theirs, run, isEnded: () => ended, close: () => ours.close() }
  }
  const message = (to: Uint8Array, payload: Uint8Array, flags = 0, topic = TOPIC) =>
    encodeMessage({ to, expiry: Math.floor(clock.now() / 1000) + 60, topic, flags, payload })
  return { clock, pss, connect, message }
}

/** Lets the protocol's loops run. */
const turn = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r))
}

describe('pss protocol', () => {
  it('is pss/2 with one message code', () => {
    const { pss } = setup()
    expect([pss.protocol.name, pss.protocol.version, pss.protocol.length]).toEqual(['pss', 2, 1])
  })

  it('fuzzed messages are dropped one by one as invalid, the peer stays and nothing throws', async () => {
    const { pss, connect } = setup({ peerBurstMsgs: 10_000, peerRateMsgsPerS: 10_000 })
    const a = connect()
    const samples = fc.sample(fc.uint8Array({ maxLength: 120 }), { numRuns: 300, seed: 19 })
    for (const payload of samples) await a.theirs.writeMsg({ code: 0, payload })
    await turn()
    const stats = pss.stats()
    expect(stats.received).toBe(samples.length)
    expect(stats.dropped.invalid).toBeGreaterThan(samples.length - 5)
    expect(a.isEnded()).toBe(false)
    a.close()
    await a.run
    expect(pss.peerCount).toBe(0)
  })

  it('a peer that does not read gets at most MAX_OUTBOX_MESSAGES queued; the rest is dropped and counted', async () => {
    const { pss, connect, message } = setup()
    const sender = connect()
    const stuck = connect() // never reads: its first write waits forever
    await turn()
    expect(pss.peerCount).toBe(2)
    const n = MAX_OUTBOX_MESSAGES + 50
    for (let i = 0; i < n; i++) {
      await sender.theirs.writeMsg({
        code: 0,
        payload: message(new Uint8Array(), new Uint8Array([i])),
      })
    }
    await turn()
    const stats = pss.stats()
    // one in the blocked write, MAX_OUTBOX_MESSAGES waiting behind it
    expect(stats.forwarded).toBe(MAX_OUTBOX_MESSAGES + 1)
    expect(stats.dropped['outbox-full']).toBe(n - MAX_OUTBOX_MESSAGES - 1)
    // the stuck peer reads: it gets the queued messages in order
    const got: Msg[] = []
    for (let i = 0; i < MAX_OUTBOX_MESSAGES + 1; i++) got.push(await stuck.theirs.readMsg())
    expect(got.map((m) => m.payload.at(-1))).toEqual([...Array(MAX_OUTBOX_MESSAGES + 1).keys()])
    sender.close()
    stuck.close()
    await Promise.all([sender.run, stuck.run])
  })

  it('delivers raw messages for us to the subscribers of their topic only', async () => {
    const { pss, connect, message } = setup()
    const a = connect()
    const sub = pss.subscribe(TOPIC)
    const other = pss.subscribe(stringToTopic('other'))
    await a.theirs.writeMsg({ code: 0, payload: message(pss.baseAddr(), new Uint8Array([7])) })
    // not for us: an address that is not a prefix of ours
    const notUs = pss.baseAddr()
    notUs[0]! ^= 0xff
    await a.theirs.writeMsg({ code: 0, payload: message(notUs, new Uint8Array([8])) })
    await a.theirs.writeMsg({ code: 0, payload: message(new Uint8Array(), new Uint8Array([9])) })
    const first = await sub.next()
    expect(first.value).toEqual({ topic: TOPIC, payload: new Uint8Array([7]), raw: true })
    expect((await sub.next()).value?.payload).toEqual(new Uint8Array([9]))
    await other.return()
    expect(await other.next()).toEqual({ value: undefined, done: true })
    a.close()
    await a.run
  })

  it('opens envelopes for us (asymmetric to our key, symmetric under a stored key), drops foreign and tampered ones, and the peer stays', async () => {
    const privateKey = generatePrivateKey()
    const { pss, connect, message, clock } = setup({ privateKey })
    const writer = generatePrivateKey()
    const writerPublic = publicKeyFromPrivate(writer)
    const key = new Uint8Array(32).fill(7)
    pss.addSymKey(key, { topic: TOPIC })
    const a = connect()
    const sub = pss.subscribe(TOPIC)
    const asym = sealAsym({
      time: clock.now(),
      to: pss.publicKey(),
      signer: writer,
      topic: TOPIC,
      payload: Uint8Array.of(1),
    })
    const tampered = asym.slice()
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    const foreign = sealAsym({
      time: clock.now(),
      to: publicKeyFromPrivate(generatePrivateKey()),
      signer: writer,
      topic: TOPIC,
      payload: Uint8Array.of(2),
    })
    const sym = sealSym({ time: clock.now(), key, topic: TOPIC, payload: Uint8Array.of(3) })
    const wrongKey = sealSym({
      time: clock.now(),
      key: new Uint8Array(32).fill(8),
      topic: TOPIC,
      payload: Uint8Array.of(4),
    })
    for (const [payload, flags] of [
      [tampered, 1],
      [foreign, 1],
      [asym, 1],
      [wrongKey, 2],
      [sym, 2],
    ] as const) {
      await a.theirs.writeMsg({ code: 0, payload: message(new Uint8Array(), payload, flags) })
    }
    expect((await sub.next()).value).toEqual({
      from: writerPublic,
      topic: TOPIC,
      payload: Uint8Array.of(1),
      raw: false,
    })
    expect((await sub.next()).value).toEqual({
      topic: TOPIC,
      payload: Uint8Array.of(3),
      raw: false,
    })
    expect(pss.stats().received).toBe(5)
    expect(a.isEnded()).toBe(false)
    a.close()
    await a.run
  })

  it('an envelope replayed after the router forgot its digest is dropped and counted, as are stale and future ones', async () => {
    const { pss, connect, message, clock } = setup()
    const writer = generatePrivateKey()
    const a = connect()
    const sub = pss.subscribe(TOPIC)
    const seal = (time: number, byte: number) =>
      sealAsym({
        time,
        to: pss.publicKey(),
        signer: writer,
        topic: TOPIC,
        payload: Uint8Array.of(byte),
      })
    const envelope = seal(clock.now(), 1)
    await a.theirs.writeMsg({ code: 0, payload: message(new Uint8Array(), envelope, 1) })
    expect((await sub.next()).value?.payload).toEqual(Uint8Array.of(1))
    // a relay sends the same envelope again in a new message, once the digest has expired
    clock.advance(DIGEST_TTL_MS + 1)
    await a.theirs.writeMsg({ code: 0, payload: message(new Uint8Array(), envelope, 1) })
    const stale = seal(clock.now() - MAX_ENVELOPE_AGE_MS - 1, 2)
    const future = seal(clock.now() + MAX_CLOCK_SKEW_MS + 1, 3)
    for (const sealed of [stale, future, seal(clock.now(), 4)])
      await a.theirs.writeMsg({ code: 0, payload: message(new Uint8Array(), sealed, 1) })
    expect((await sub.next()).value?.payload).toEqual(Uint8Array.of(4))
    expect(pss.stats()).toMatchObject({ envelopeReplays: 1, envelopeStale: 2, received: 5 })
    a.close()
    await a.run
  })

  it('a subscription holds MAX_SUBSCRIPTION_BUFFER messages for a slow consumer, dropping the oldest', async () => {
    const { pss, connect, message } = setup()
    const a = connect()
    const sub = pss.subscribe(TOPIC)
    const n = MAX_SUBSCRIPTION_BUFFER + 10
    for (let i = 0; i < n; i++) {
      await a.theirs.writeMsg({
        code: 0,
        payload: message(new Uint8Array(), new Uint8Array([i & 0xff, i >> 8])),
      })
    }
    await turn()
    expect(pss.stats().subscriptionDropped).toBe(10)
    const { value } = await sub.next()
    expect(value?.payload).toEqual(new Uint8Array([10, 0]))
    a.close()
    await a.run
  })

  it('a subscription ends when its signal aborts, and stop() ends the rest', async () => {
    const { pss } = setup()
    const controller = new AbortController()
    const sub = pss.subscribe(TOPIC, { signal: controller.signal })
    const waiting = sub.next()
    controller.abort()
    expect(await waiting).toEqual({ value: undefined, done: true })
    const other = pss.subscribe(TOPIC)
    const seen: unknown[] = []
    const loop = (async () => {
      for await (const m of other) seen.push(m)
    })()
    pss.stop()
    await loop
    expect(seen).toEqual([])
    const aborted = new AbortController()
    aborted.abort()
    expect(await pss.subscribe(TOPIC, { signal: aborted.signal }).next()).toEqual({
      value: undefined,
      done: true,
    })
  })

  it('sendRaw checks its arguments', () => {
    const { pss } = setup()
    expect(() => pss.sendRaw(new Uint8Array(33), TOPIC, new Uint8Array())).toThrow(RangeError)
    expect(() => pss.sendRaw(new Uint8Array(), new Uint8Array(3), new Uint8Array())).toThrow(
      RangeError,
    )
    expect(() => pss.sendRaw(new Uint8Array(), TOPIC, 'x' as unknown as Uint8Array)).toThrow(
      TypeError,
    )
    expect(pss.sendRaw(new Uint8Array(), TOPIC, new Uint8Array([1]))).toBe(0) // no peers
  })

  it('a second connection of the same peer replacing the first keeps the peer when the first ends', async () => {
    // p2p keeps one connection per pair: of two crossed dials the newer may win, and the
    // older connection's run ends after the newer one's began
    const { pss, connect } = setup()
    const first = connect()
    await turn()
    const second = connect(first.peer)
    await turn()
    first.close()
    await first.run
    expect(pss.peerCount).toBe(1)
    // and messages still go to it, over the second connection
    expect(pss.sendRaw(first.peer.id, TOPIC, new Uint8Array([1]))).toBe(1)
    const got = await second.theirs.readMsg()
    expect(got.code).toBe(0)
    second.close()
    await second.run
    expect(pss.peerCount).toBe(0)
  })
})
