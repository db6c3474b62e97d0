import { generatePrivateKey } from '@devp2p/crypto'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { openAsym, sealSym } from '../../src/envelope/index.js'
import { PssError } from '../../src/errors.js'
import {
  HANDSHAKE_TIMEOUT_MS,
  HANDSHAKE_TOPIC,
  KeyExchange,
  MAX_PENDING_HANDSHAKES_PER_PEER,
} from '../../src/handshake/index.js'
import { decodeHandshake, encodeHandshake } from '../../src/handshake/message.js'
import { KeyStore } from '../../src/keys/index.js'
import { wire } from './wire.js'

const topic = Uint8Array.of(0xc4, 0xa7, 0x00, 0x01)
const text = (s: string) => new TextEncoder().encode(s)
const acceptAll = { accept: () => true }

/** Lets promise callbacks run (a macrotask turn; no timer, no sleep). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Settles a promise into a value the test can inspect synchronously after a flush. */
function track<T>(p: Promise<T>): { value?: T; error?: unknown; settled: () => boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false }
  p.then(
    (v) => Object.assign(state, { value: v, done: true }),
    (e) => Object.assign(state, { error: e, done: true }),
  )
  return Object.assign(state, { settled: () => state.done })
}

describe('KeyExchange: two state machines back to back', () => {
  it('agrees a key per direction; each side can send to the other', async () => {
    const clock = new ManualClock()
    const { a, b, net } = wire(clock, {}, acceptAll)
    const pending = a.exchange.handshake(b.publicKey, topic)
    expect(a.exchange.pendingCount).toBe(1)
    expect(net.flush()).toBe(2) // request, answer
    const keys = await pending
    expect(a.exchange.pendingCount).toBe(0)
    expect(keys.expiresAt).toBe(clock.now() + 3_600_000)

    const [accepted] = b.accepted
    expect(accepted?.peer).toEqual(a.publicKey)
    expect(accepted?.topic).toEqual(topic)

    // A → B with A's send key opens at B with B's receive key
    const toB = sealSym({
      time: 0,
      key: a.keys.symKey(keys.sendKeyId)!,
      topic,
      payload: text('hi B'),
      signer: a.privateKey,
    })
    const atB = b.keys.trySym(topic, toB)
    expect(atB?.keyId).toBe(accepted?.receiveKeyId)
    expect(atB?.opened.payload).toEqual(text('hi B'))
    expect(atB?.opened.from).toEqual(a.publicKey)
    // B → A with B's send key opens at A with A's receive key
    const toA = sealSym({
      time: 0,
      key: b.keys.symKey(accepted!.sendKeyId)!,
      topic,
      payload: text('hi A'),
    })
    expect(a.keys.trySym(topic, toA)?.keyId).toBe(keys.receiveKeyId)
    // the two directions use different keys
    expect(a.keys.symKey(keys.sendKeyId)).not.toEqual(a.keys.symKey(keys.receiveKeyId))
  })

  it('the agreed keys expire on the injected clock', async () => {
    const clock = new ManualClock()
    const { a, b, net } = wire(
      clock,
      { keyLifetimeMs: 60_000 },
      { ...acceptAll, keyLifetimeMs: 120_000 },
    )
    const pending = a.exchange.handshake(b.publicKey, topic)
    net.flush()
    const keys = await pending
    // the shorter lifetime wins on both sides (whole seconds on the wire)
    expect(keys.expiresAt).toBe(clock.now() + 60_000)
    expect(b.accepted[0]?.expiresAt).toBe(clock.now() + 60_000)
    clock.advance(60_000)
    expect(a.keys.symKey(keys.sendKeyId)).toBeUndefined()
    expect(a.keys.symKey(keys.receiveKeyId)).toBeUndefined()
    expect(b.keys.symKey(b.accepted[0]!.receiveKeyId)).toBeUndefined()
  })

  it('times out on the injected clock when nobody answers; the waiting key is removed', async () => {
    const clock = new ManualClock()
    const { a, b, net } = wire(clock) // B accepts nothing by default
    const result = track(a.exchange.handshake(b.publicKey, topic))
    expect(a.keys.symKeyCount).toBe(1)
    net.flush()
    expect(b.sent).toHaveLength(0)
    clock.advance(HANDSHAKE_TIMEOUT_MS - 1)
    await settle()
    expect(result.settled()).toBe(false)
    clock.advance(1)
    await settle()
    expect(result.settled()).toBe(true)
    expect(result.error).toBeInstanceOf(PssError)
    expect((result.error as PssError).code).toBe('HANDSHAKE_TIMEOUT')
    expect(a.exchange.pendingCount).toBe(0)
    expect(a.keys.symKeyCount).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('a hostile answer does not end the handshake: wrong sender, wrong topic, garbage', async () => {
    const clock = new ManualClock()
    const { a, b, net } = wire(clock, {}, acceptAll)
    const result = track(a.exchange.handshake(b.publicKey, topic))
    // read A's request as only B could, to forge answers with the right id
    const sent = a.sent[0]!
    const request = decodeHandshake(sent.payload)!
    const mallory = generatePrivateKey()
    const forged = (over: Partial<Parameters<typeof encodeHandshake>[0]>) =>
      encodeHandshake({ ...request, kind: 2, key: new Uint8Array(32).fill(0x66), ...over })
    net.inject(mallory, a, forged({})) // right id, wrong sender
    net.inject(b.privateKey, a, forged({ topic: Uint8Array.of(0, 0, 0, 0) })) // B, wrong topic
    net.inject(b.privateKey, a, forged({ id: new Uint8Array(16) })) // B, unknown id
    net.inject(b.privateKey, a, forged({ keyExpiry: Math.floor(clock.now() / 1000) })) // expired key
    net.inject(b.privateKey, a, Uint8Array.of(0xc0)) // not a handshake message
    net.inject(b.privateKey, a, forged({ kind: 7 as 2 })) // unknown kind
    // the queue holds A's real request first, then the forgeries; B's real answer is
    // queued behind them, so every forgery reaches A before the real answer does
    net.flush()
    await settle()
    expect(result.settled()).toBe(true)
    // the one answer A took is B's real one: it opens B's receiving key
    const keys = result.value!
    const realReceive = b.keys.symKey(b.accepted[0]!.receiveKeyId)
    expect(a.keys.symKey(keys.sendKeyId)).toEqual(realReceive)
    expect(a.keys.symKey(keys.sendKeyId)).not.toEqual(new Uint8Array(32).fill(0x66))
  })

  it('forged answers alone leave the handshake waiting until the timeout', async () => {
    const clock = new ManualClock()
    const aKeys = new KeyStore({ clock })
    const requests: Uint8Array[] = []
    const exchange = new KeyExchange({
      keyStore: aKeys,
      clock,
      sendAsym: (_to, _topic, payload) => {
        requests.push(payload)
      },
    })
    const bob = generatePrivateKey()
    const { publicKeyFromPrivate } = await import('@devp2p/crypto')
    const bobPub = publicKeyFromPrivate(bob)
    const mallory = publicKeyFromPrivate(generatePrivateKey())
    const result = track(exchange.handshake(bobPub, topic))
    const request = decodeHandshake(requests[0]!)!
    const answer = encodeHandshake({ ...request, kind: 2, key: new Uint8Array(32).fill(1) })
    exchange.receive(mallory, answer) // right id, but not from Bob
    exchange.receive(bobPub, encodeHandshake({ ...request, kind: 1 })) // a request, not an answer
    exchange.receive(bobPub, new Uint8Array(300)) // oversized garbage
    await settle()
    expect(result.settled()).toBe(false)
    clock.advance(HANDSHAKE_TIMEOUT_MS)
    await settle()
    expect((result.error as PssError).code).toBe('HANDSHAKE_TIMEOUT')
    // the same answer from Bob, after the timeout, is ignored too (nothing pending)
    exchange.receive(bobPub, answer)
    expect(aKeys.symKeyCount).toBe(0)
  })

  it('answers a request once: a replay within its validity and a stale request are ignored', async () => {
    const clock = new ManualClock()
    const { a, b } = wire(clock, {}, acceptAll)
    track(a.exchange.handshake(b.publicKey, topic))
    const request = a.sent[0]!.payload
    b.exchange.receive(a.publicKey, request)
    b.exchange.receive(a.publicKey, request)
    expect(b.sent).toHaveLength(1)
    expect(b.keys.symKeyCount).toBe(2)
    // a request whose validUntil has passed is not answered
    const stale = encodeHandshake({ ...decodeHandshake(request)!, id: new Uint8Array(16).fill(9) })
    clock.advance(HANDSHAKE_TIMEOUT_MS + 1001)
    b.exchange.receive(a.publicKey, stale)
    expect(b.sent).toHaveLength(1)
    // one claiming validity far in the future is not answered either
    const far = encodeHandshake({
      ...decodeHandshake(request)!,
      id: new Uint8Array(16).fill(8),
      validUntil: Math.floor(clock.now() / 1000) + 3600,
    })
    b.exchange.receive(a.publicKey, far)
    expect(b.sent).toHaveLength(1)
  })

  it('a new handshake from the same peer on the same topic replaces the previous keys', async () => {
    const clock = new ManualClock()
    const { a, b, net } = wire(clock, {}, acceptAll)
    for (let i = 0; i < 3; i++) {
      const p = a.exchange.handshake(b.publicKey, topic)
      net.flush()
      await p
    }
    expect(b.accepted).toHaveLength(3)
    expect(b.keys.symKeyCount).toBe(2)
    expect(b.keys.symKey(b.accepted[0]!.receiveKeyId)).toBeUndefined()
    expect(b.keys.symKey(b.accepted[2]!.receiveKeyId)).toBeDefined()
  })

  it(`at most MAX_PENDING_HANDSHAKES_PER_PEER (${MAX_PENDING_HANDSHAKES_PER_PEER}) wait per peer`, async () => {
    const clock = new ManualClock()
    const { a, b } = wire(clock)
    const waiting = []
    for (let i = 0; i < MAX_PENDING_HANDSHAKES_PER_PEER; i++)
      waiting.push(track(a.exchange.handshake(b.publicKey, topic)))
    await expect(a.exchange.handshake(b.publicKey, topic)).rejects.toMatchObject({
      code: 'HANDSHAKE_BUSY',
    })
    expect(a.exchange.pendingCount).toBe(4)
    a.exchange.stop()
    await settle()
    for (const w of waiting) expect((w.error as PssError).code).toBe('STOPPED')
    expect(a.keys.symKeyCount).toBe(0)
    expect(clock.pending).toBe(0)
    await expect(a.exchange.handshake(b.publicKey, topic)).rejects.toThrow(/stopped/)
  })

  it('the signal aborts a waiting handshake with its reason', async () => {
    const clock = new ManualClock()
    const { a, b } = wire(clock)
    const controller = new AbortController()
    const result = track(a.exchange.handshake(b.publicKey, topic, { signal: controller.signal }))
    controller.abort(new Error('user gave up'))
    await settle()
    expect((result.error as Error).message).toBe('user gave up')
    expect(a.exchange.pendingCount).toBe(0)
    expect(clock.pending).toBe(0)
    await expect(
      a.exchange.handshake(b.publicKey, topic, { signal: controller.signal }),
    ).rejects.toThrow('user gave up')
  })

  it('a failing sendAsym rejects the handshake with its error', async () => {
    const clock = new ManualClock()
    const keys = new KeyStore({ clock })
    const exchange = new KeyExchange({
      keyStore: keys,
      clock,
      sendAsym: async () => {
        throw new Error('no route')
      },
    })
    const { publicKeyFromPrivate } = await import('@devp2p/crypto')
    await expect(
      exchange.handshake(publicKeyFromPrivate(generatePrivateKey()), topic),
    ).rejects.toThrow('no route')
    expect(keys.symKeyCount).toBe(0)
    expect(exchange.pendingCount).toBe(0)
  })

  it('handshake messages travel on HANDSHAKE_TOPIC, sealed to the peer', async () => {
    const clock = new ManualClock()
    const { a, b } = wire(clock)
    track(a.exchange.handshake(b.publicKey, topic))
    expect(a.sent[0]?.topic).toEqual(HANDSHAKE_TOPIC)
    expect(a.sent[0]?.to).toEqual(b.publicKey)
    expect(openAsym(b.privateKey, HANDSHAKE_TOPIC, new Uint8Array(10))).toBeUndefined()
    a.exchange.stop()
  })
})
