import { ECIES_OVERHEAD_BYTES, generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { describe, expect, it } from 'vitest'
import { openAsym, PADDING_BLOCK_BYTES, sealAsym } from '../../src/envelope/index.js'

const alice = generatePrivateKey()
const bob = generatePrivateKey()
const carol = generatePrivateKey()
const alicePub = publicKeyFromPrivate(alice)
const bobPub = publicKeyFromPrivate(bob)
const topic = Uint8Array.of(0xde, 0xad, 0xbe, 0xef)
const otherTopic = Uint8Array.of(0xde, 0xad, 0xbe, 0xee)
const text = (s: string) => new TextEncoder().encode(s)

describe('asymmetric envelope', () => {
  it('round-trips both ways and tells the recipient who wrote it', () => {
    const toBob = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload: text('hi bob') })
    const opened = openAsym(bob, topic, toBob)
    expect(opened?.payload).toEqual(text('hi bob'))
    expect(opened?.from).toEqual(alicePub)

    const toAlice = sealAsym({
      time: 0,
      to: alicePub,
      signer: bob,
      topic,
      payload: text('hi alice'),
    })
    const back = openAsym(alice, topic, toAlice)
    expect(back?.payload).toEqual(text('hi alice'))
    expect(back?.from).toEqual(bobPub)
  })

  it('carries an empty payload and a large one', () => {
    for (const payload of [new Uint8Array(0), new Uint8Array(70_000).fill(7)]) {
      const sealed = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload })
      expect(openAsym(bob, topic, sealed)?.payload).toEqual(payload)
    }
  })

  it('accepts the recipient key in 65-byte form too', () => {
    const full = Uint8Array.of(4, ...bobPub)
    const sealed = sealAsym({ time: 0, to: full, signer: alice, topic, payload: text('x') })
    expect(openAsym(bob, topic, sealed)?.from).toEqual(alicePub)
  })

  it('is undefined for another recipient and for another topic', () => {
    const sealed = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload: text('secret') })
    expect(openAsym(carol, topic, sealed)).toBeUndefined()
    expect(openAsym(bob, otherTopic, sealed)).toBeUndefined()
    expect(openAsym(bob, topic, sealed)).toBeDefined()
  })

  it('drops a tampered envelope: every byte flipped, truncated, extended', () => {
    const sealed = sealAsym({
      time: 0,
      to: bobPub,
      signer: alice,
      topic,
      payload: text('do not touch'),
    })
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice()
      bad[i]! ^= 0x01
      expect(openAsym(bob, topic, bad), `byte ${i}`).toBeUndefined()
    }
    for (let n = 0; n < sealed.length; n += 7) {
      expect(openAsym(bob, topic, sealed.subarray(0, n)), `first ${n}`).toBeUndefined()
    }
    expect(openAsym(bob, topic, sealed.subarray(0, sealed.length - 1))).toBeUndefined()
    expect(openAsym(bob, topic, Uint8Array.of(...sealed, 0))).toBeUndefined()
    expect(openAsym(bob, topic, Uint8Array.of(0, ...sealed))).toBeUndefined()
  })

  it('pads to the block size and to padTo', () => {
    const small = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload: text('a') })
    const bigger = sealAsym({
      time: 0,
      to: bobPub,
      signer: alice,
      topic,
      payload: new Uint8Array(137),
    })
    // 22 header + 97 signer block + payload, rounded up: 137 payload bytes fill one block
    expect(small.length).toBe(ECIES_OVERHEAD_BYTES + PADDING_BLOCK_BYTES)
    expect(bigger.length).toBe(small.length)
    const over = sealAsym({
      time: 0,
      to: bobPub,
      signer: alice,
      topic,
      payload: new Uint8Array(138),
    })
    expect(over.length).toBe(ECIES_OVERHEAD_BYTES + 2 * PADDING_BLOCK_BYTES)
    const padded = sealAsym({
      time: 0,
      to: bobPub,
      signer: alice,
      topic,
      payload: text('a'),
      padTo: 1000,
    })
    expect(padded.length).toBe(ECIES_OVERHEAD_BYTES + 1024)
    expect(openAsym(bob, topic, padded)?.payload).toEqual(text('a'))
  })

  it('throws on misuse: a bad recipient key, topic or signer', () => {
    expect(() =>
      sealAsym({ time: 0, to: new Uint8Array(64), signer: alice, topic, payload: text('') }),
    ).toThrow(/public key/i)
    expect(() =>
      sealAsym({ time: 0, to: bobPub, signer: alice, topic: new Uint8Array(3), payload: text('') }),
    ).toThrow(RangeError)
    expect(() =>
      sealAsym({ time: 0, to: bobPub, signer: new Uint8Array(32), topic, payload: text('') }),
    ).toThrow(RangeError)
    expect(() => openAsym(new Uint8Array(32), topic, new Uint8Array(200))).toThrow(RangeError)
    expect(() =>
      sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload: text(''), padTo: 2 ** 21 }),
    ).toThrow(RangeError)
  })
})
