import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { equalBytes, randomBytes } from '../src/index.js'

describe('equalBytes', () => {
  it('is true for equal contents (including views at different offsets) and false otherwise', () => {
    const buf = Uint8Array.of(9, 1, 2, 3, 9, 1, 2, 3)
    expect(equalBytes(buf.subarray(1, 4), buf.subarray(5, 8))).toBe(true)
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true)
    expect(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false)
    expect(equalBytes(Uint8Array.of(0, 2, 3), Uint8Array.of(1, 2, 3))).toBe(false)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false)
    expect(equalBytes(Buffer.from([1, 2]), Uint8Array.of(1, 2))).toBe(true)
  })

  it('agrees with Buffer.equals on random pairs and on single-byte changes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(equalBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)))
      }),
    )
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (a, at, delta) => {
          const b = a.slice()
          const i = at % a.length
          b[i] = (b[i]! + delta) & 0xff
          expect(equalBytes(a, b)).toBe(false)
        },
      ),
    )
  })

  it('throws TypeError for non-bytes', () => {
    expect(() => equalBytes('ab' as unknown as Uint8Array, Uint8Array.of(1))).toThrow(TypeError)
  })
})

describe('randomBytes', () => {
  it('returns the requested length, differs between calls, and rejects bad lengths', () => {
    expect(randomBytes(0).length).toBe(0)
    expect(randomBytes(32).length).toBe(32)
    expect(equalBytes(randomBytes(32), randomBytes(32))).toBe(false)
    expect(() => randomBytes(-1)).toThrow(RangeError)
    expect(() => randomBytes(1.5)).toThrow(RangeError)
  })
})

describe('randomBytes from the pool', () => {
  it('never hands out the same bytes twice or zeroed bytes, across many refills', () => {
    const seen = new Set<string>()
    const counts = new Array<number>(256).fill(0)
    // 3,000 draws of 32 bytes: about 24 refills of the 4 KiB pool
    for (let i = 0; i < 3000; i++) {
      const r = randomBytes(32)
      const key = Buffer.from(r).toString('hex')
      expect(seen.has(key)).toBe(false)
      seen.add(key)
      for (const b of r) counts[b]!++
    }
    // 96,000 bytes: each value is expected 375 times; a stuck or zeroed region is far off
    expect(Math.min(...counts)).toBeGreaterThan(250)
    expect(Math.max(...counts)).toBeLessThan(500)
  })

  it('returns arrays that own their memory, so wiping one touches nothing else', () => {
    const a = randomBytes(32)
    const b = randomBytes(16)
    expect(a.byteOffset).toBe(0)
    expect(a.buffer.byteLength).toBe(32)
    expect(b.buffer.byteLength).toBe(16)
    const copy = b.slice()
    a.fill(0)
    expect(b).toEqual(copy)
  })

  it('serves requests larger than the pooled size straight from the OS', () => {
    const big = randomBytes(4097)
    expect(big.length).toBe(4097)
    expect(big.some((x) => x !== 0)).toBe(true)
  })
})
