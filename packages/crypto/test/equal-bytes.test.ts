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
