import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { xor, xorBackend } from '../src/xor.js'

/** The definition, byte by byte. */
function reference(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = a[ai + i]! ^ b[bi + i]!
  return out
}

describe('xor', () => {
  it('uses WebAssembly SIMD on Node 20', () => {
    expect(xorBackend).toBe('wasm')
  })

  for (const useWasm of [true, false]) {
    it(`${useWasm ? 'WebAssembly' : 'JavaScript'}: any lengths and offsets, aligned or not, into another array or in place`, () => {
      fc.assert(
        fc.property(
          // past 4 KiB the module takes the run one region at a time
          fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 4097, max: 20_000 })),
          fc.integer({ min: 0, max: 19 }),
          fc.integer({ min: 0, max: 19 }),
          fc.integer({ min: 0, max: 19 }),
          fc.boolean(),
          (n, ai, bi, o, inPlace) => {
            const a = new Uint8Array(randomBytes(n + ai))
            const b = new Uint8Array(randomBytes(n + bi))
            const expected = reference(a, ai, b, bi, n)
            const out = inPlace ? a : new Uint8Array(n + o).fill(0xaa)
            const at = inPlace ? ai : o
            xor(a, ai, b, bi, out, at, n, useWasm)
            expect(Buffer.from(out.subarray(at, at + n)).equals(Buffer.from(expected))).toBe(true)
            if (!inPlace) {
              // nothing outside the run is touched
              expect(out.subarray(0, o).every((x) => x === 0xaa)).toBe(true)
            }
          },
        ),
        { numRuns: 300 },
      )
    })
  }
})
