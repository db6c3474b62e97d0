import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { describe, expect, it } from 'vitest'
import {
  openSym,
  PADDING_BLOCK_BYTES,
  SYM_OVERHEAD_BYTES,
  sealSym,
} from '../../src/envelope/index.js'

const key = randomBytes(32)
const otherKey = randomBytes(32)
const alice = generatePrivateKey()
const alicePub = publicKeyFromPrivate(alice)
const topic = Uint8Array.of(1, 2, 3, 4)
const otherTopic = Uint8Array.of(1, 2, 3, 5)
const text = (s: string) => new TextEncoder().encode(s)

describe('symmetric envelope', () => {
  it('round-trips unsigned (no from) and signed (from is the signer)', () => {
    const plain = openSym(key, topic, sealSym({ time: 0, key, topic, payload: text('hello') }))
    expect(plain).toEqual({
      payload: text('hello'),
      stamp: { time: 0, id: expect.any(Uint8Array) },
    })
    expect(plain?.from).toBeUndefined()
    const signed = openSym(
      key,
      topic,
      sealSym({ time: 0, key, topic, payload: text('hi'), signer: alice }),
    )
    expect(signed?.payload).toEqual(text('hi'))
    expect(signed?.from).toEqual(alicePub)
  })

  it('uses a fresh nonce: the same message seals differently', () => {
    const a = sealSym({ time: 0, key, topic, payload: text('same') })
    const b = sealSym({ time: 0, key, topic, payload: text('same') })
    expect(a).not.toEqual(b)
  })

  it('is undefined under a wrong key or a wrong topic', () => {
    const sealed = sealSym({ time: 0, key, topic, payload: text('x'), signer: alice })
    expect(openSym(otherKey, topic, sealed)).toBeUndefined()
    expect(openSym(key, otherTopic, sealed)).toBeUndefined()
  })

  it('drops a tampered envelope: every byte flipped, truncated, extended', () => {
    for (const signer of [undefined, alice]) {
      const sealed = sealSym({ time: 0, key, topic, payload: text('do not touch'), signer })
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice()
        bad[i]! ^= 0x80
        expect(openSym(key, topic, bad), `byte ${i}`).toBeUndefined()
      }
      for (let n = 0; n < sealed.length; n++)
        expect(openSym(key, topic, sealed.subarray(0, n)), `first ${n}`).toBeUndefined()
      expect(openSym(key, topic, Uint8Array.of(...sealed, 0))).toBeUndefined()
    }
  })

  it('pads the inner plaintext to the block size and to padTo', () => {
    const one = sealSym({ time: 0, key, topic, payload: text('a') })
    expect(one.length).toBe(SYM_OVERHEAD_BYTES + PADDING_BLOCK_BYTES)
    // 22 header bytes + 234 payload fill one block exactly; one more byte needs a second
    expect(sealSym({ time: 0, key, topic, payload: new Uint8Array(234) }).length).toBe(
      SYM_OVERHEAD_BYTES + PADDING_BLOCK_BYTES,
    )
    expect(sealSym({ time: 0, key, topic, payload: new Uint8Array(235) }).length).toBe(
      SYM_OVERHEAD_BYTES + 2 * PADDING_BLOCK_BYTES,
    )
    const padded = sealSym({ time: 0, key, topic, payload: text('a'), padTo: 4096 })
    expect(padded.length).toBe(SYM_OVERHEAD_BYTES + 4096)
    expect(openSym(key, topic, padded)?.payload).toEqual(text('a'))
  })

  it('throws on misuse: key and topic sizes', () => {
    expect(() => sealSym({ time: 0, key: new Uint8Array(16), topic, payload: text('') })).toThrow(
      RangeError,
    )
    expect(() => openSym(key, new Uint8Array(5), new Uint8Array(100))).toThrow(RangeError)
    expect(() => openSym(key, topic, 'nope' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
