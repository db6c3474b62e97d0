import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { sealSym } from '../../src/envelope/index.js'
import { KeyStore, MAX_SYM_KEYS, MAX_SYM_TRIES_PER_MESSAGE } from '../../src/keys/index.js'

const topic = Uint8Array.of(1, 1, 1, 1)
const otherTopic = Uint8Array.of(2, 2, 2, 2)
const alice = generatePrivateKey()
const alicePub = publicKeyFromPrivate(alice)
const payload = new TextEncoder().encode('hello')

describe('KeyStore', () => {
  it('adds, returns copies of, and removes symmetric keys', () => {
    const store = new KeyStore()
    const key = randomBytes(32)
    const id = store.addSymKey(key, { topic, peer: alicePub })
    expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    expect(store.symKey(id)).toEqual(key)
    store.symKey(id)!.fill(0) // a copy: the stored key is unchanged
    key.fill(1) // the input was copied too
    expect(store.symKey(id)).not.toEqual(key)
    expect(store.symKeyInfo(id)?.peer).toEqual(alicePub)
    expect(store.symKeyInfo(id)?.topic).toEqual(topic)
    expect(store.removeSymKey(id)).toBe(true)
    expect(store.removeSymKey(id)).toBe(false)
    expect(store.symKey(id)).toBeUndefined()
    const generated = store.generateSymKey()
    expect(store.symKey(generated)).toHaveLength(32)
    expect(() => store.addSymKey(new Uint8Array(31))).toThrow(RangeError)
    expect(() => store.addSymKey(key, { topic: new Uint8Array(2) })).toThrow(RangeError)
  })

  it('copies a Buffer key (whose slice() would be a view): zeroing the input changes nothing', () => {
    const store = new KeyStore()
    const input = Buffer.from(randomBytes(32))
    const copy = new Uint8Array(input)
    const id = store.addSymKey(input, { topic })
    input.fill(0)
    expect(store.symKey(id)).toEqual(copy)
    const bufferTopic = Buffer.from(otherTopic)
    const id2 = store.addSymKey(copy, { topic: bufferTopic })
    bufferTopic.fill(0)
    expect(store.symKeyInfo(id2)?.topic).toEqual(otherTopic)
  })

  it(`holds at most MAX_SYM_KEYS (${MAX_SYM_KEYS}) keys, dropping the oldest`, () => {
    const store = new KeyStore()
    const first = store.addSymKey(randomBytes(32), { topic })
    const second = store.addSymKey(randomBytes(32), { topic })
    for (let i = 0; i < MAX_SYM_KEYS - 2; i++) store.generateSymKey()
    expect(store.symKeyCount).toBe(512)
    const newest = store.generateSymKey()
    expect(store.symKeyCount).toBe(512)
    expect(store.symKey(first)).toBeUndefined()
    expect(store.symKey(second)).toBeDefined()
    expect(store.symKey(newest)).toBeDefined()
  })

  it('trySym opens with the key registered for the topic, and only for that topic', () => {
    const store = new KeyStore()
    const key = randomBytes(32)
    store.generateSymKey({ topic })
    const id = store.addSymKey(key, { topic })
    store.generateSymKey({ topic })
    const sealed = sealSym({ time: 0, key, topic, payload, signer: alice })
    const match = store.trySym(topic, sealed)
    expect(match?.keyId).toBe(id)
    expect(match?.opened.payload).toEqual(payload)
    expect(match?.opened.from).toEqual(alicePub)
    expect(
      store.trySym(otherTopic, sealSym({ time: 0, key, topic: otherTopic, payload })),
    ).toBeUndefined()
    // a key without a topic is never tried
    const quiet = randomBytes(32)
    store.addSymKey(quiet)
    expect(store.trySym(topic, sealSym({ time: 0, key: quiet, topic, payload }))).toBeUndefined()
  })

  it(`trySym tries at most MAX_SYM_TRIES_PER_MESSAGE (${MAX_SYM_TRIES_PER_MESSAGE}) keys, newest first`, () => {
    const store = new KeyStore()
    const key = randomBytes(32)
    store.addSymKey(key, { topic })
    for (let i = 0; i < MAX_SYM_TRIES_PER_MESSAGE - 1; i++) store.generateSymKey({ topic })
    const sealed = sealSym({ time: 0, key, topic, payload })
    expect(store.trySym(topic, sealed)).toBeDefined() // the oldest is the 64th tried
    store.generateSymKey({ topic })
    expect(store.trySym(topic, sealed)).toBeUndefined() // now the 65th
  })

  it('expired keys are neither returned nor tried (on the injected clock)', () => {
    const clock = new ManualClock()
    const store = new KeyStore({ clock })
    const key = randomBytes(32)
    const id = store.addSymKey(key, { topic, expiresAt: clock.now() + 1000 })
    const sealed = sealSym({ time: 0, key, topic, payload })
    clock.advance(999)
    expect(store.trySym(topic, sealed)?.keyId).toBe(id)
    clock.advance(1)
    expect(store.trySym(topic, sealed)).toBeUndefined()
    expect(store.symKey(id)).toBeUndefined()
    expect(store.symKeyCount).toBe(0)
  })

  it('eviction also forgets the topic index (evicted keys are not tried)', () => {
    const store = new KeyStore({ maxSymKeys: 2 })
    const key = randomBytes(32)
    store.addSymKey(key, { topic })
    store.generateSymKey({ topic: otherTopic })
    store.generateSymKey({ topic: otherTopic })
    expect(store.trySym(topic, sealSym({ time: 0, key, topic, payload }))).toBeUndefined()
  })

  it('peer public keys: address per (key, topic), bounded, oldest dropped', () => {
    const store = new KeyStore({ maxPeerPublicKeys: 2 })
    const bobPub = publicKeyFromPrivate(generatePrivateKey())
    store.setPeerPublicKey(alicePub, topic, Uint8Array.of(0xab))
    store.setPeerPublicKey(Uint8Array.of(4, ...alicePub), otherTopic, new Uint8Array(0))
    expect(store.peerPublicKey(alicePub, topic)).toEqual(Uint8Array.of(0xab))
    expect(store.peerPublicKey(alicePub, otherTopic)).toEqual(new Uint8Array(0))
    expect(store.peerTopics(alicePub)).toEqual([topic, otherTopic])
    store.setPeerPublicKey(bobPub, topic, new Uint8Array(32))
    expect(store.peerPublicKey(alicePub, topic)).toBeUndefined()
    expect(store.peerTopics(alicePub)).toEqual([otherTopic])
    expect(store.peerPublicKey(new Uint8Array(64), topic)).toBeUndefined()
    expect(() => store.setPeerPublicKey(alicePub, topic, new Uint8Array(33))).toThrow(RangeError)
  })
})
