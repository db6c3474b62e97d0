import fc from 'fast-check'
import { uncompressSync } from 'snappy'
import { describe, expect, it } from 'vitest'
import { SNAPPY_ENCODE_IN_JS_BYTES } from '../src/constants.js'
import { snappyCompress, snappyDecompress } from '../src/snappy-codec.js'
import { snappyEncodeSmall } from '../src/snappy-small-encode.js'

/**
 * The JavaScript snappy encoder of small payloads: whatever the input, libsnappy (an
 * independent decoder) and our decoder read its block back as the input, and the block
 * is never longer than the worst case the scratch buffer is sized for.
 */

/** Inputs with structure: runs, repeats at every distance, random stretches. */
const structured = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.record({ byte: fc.integer({ min: 0, max: 255 }), n: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ back: fc.integer({ min: 1, max: 1100 }), n: fc.integer({ min: 1, max: 200 }) }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => {
    const out: number[] = []
    for (const part of parts) {
      if (part instanceof Uint8Array) out.push(...part)
      else if ('byte' in part) for (let i = 0; i < part.n; i++) out.push(part.byte)
      else if (out.length > 0) {
        const from = Math.max(0, out.length - part.back)
        for (let i = 0; i < part.n; i++) out.push(out[from + i]!)
      }
    }
    return Uint8Array.from(out.slice(0, SNAPPY_ENCODE_IN_JS_BYTES))
  })

function roundTrips(input: Uint8Array): void {
  const block = snappyEncodeSmall(input).slice()
  const native = uncompressSync(Buffer.from(block)) as Buffer
  expect(native.equals(Buffer.from(input)), 'libsnappy reads it back').toBe(true)
  expect(Buffer.from(snappyDecompress(block, input.length)).equals(Buffer.from(input))).toBe(true)
  // snappy's MaxCompressedLength: 32 + n + n / 6
  expect(block.length).toBeLessThanOrEqual(32 + input.length + Math.ceil(input.length / 6))
}

describe('snappy encoder of small payloads', () => {
  it('random bytes of every length up to the limit round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: SNAPPY_ENCODE_IN_JS_BYTES }), roundTrips), {
      numRuns: 300,
    })
  })

  it('structured input (runs, repeats, random stretches) round-trips', () => {
    fc.assert(fc.property(structured, roundTrips), { numRuns: 500 })
  })

  it('edge lengths and patterns round-trip', () => {
    const cases = [0, 1, 3, 4, 7, 8, 9, 59, 60, 61, 64, 65, 255, 256, 257, 1023, 1024]
    for (const n of cases) {
      roundTrips(new Uint8Array(n))
      roundTrips(Uint8Array.from({ length: n }, (_, i) => i & 0xff))
      roundTrips(Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24))
    }
  })

  it('literals over 60 bytes between short copies (the most a block can grow) stay in bounds', () => {
    // 61–300 bytes that do not repeat, then 4 bytes seen before, over and over: each
    // literal takes 2–3 tag bytes, each 4-byte copy 3
    for (const literal of [61, 64, 100, 255, 256, 257, 300]) {
      let seed = literal
      const next = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        return seed >>> 24
      }
      const out: number[] = [1, 2, 3, 4]
      while (out.length < SNAPPY_ENCODE_IN_JS_BYTES) {
        for (let i = 0; i < literal; i++) out.push(next())
        out.push(1, 2, 3, 4)
      }
      roundTrips(Uint8Array.from(out.slice(0, SNAPPY_ENCODE_IN_JS_BYTES)))
    }
  })

  it('compresses what repeats: 1 KiB of zeros takes a few dozen bytes', () => {
    const block = snappyEncodeSmall(new Uint8Array(1024))
    // 1024 = 16 copies of 64 after a 1-byte literal: 2 + 2 + 16 × 3
    expect(block.length).toBe(52)
  })

  it('refuses input over the limit (the caller routes it to libsnappy)', () => {
    expect(() => snappyEncodeSmall(new Uint8Array(SNAPPY_ENCODE_IN_JS_BYTES + 1))).toThrow(
      RangeError,
    )
    const big = new Uint8Array(SNAPPY_ENCODE_IN_JS_BYTES + 1).fill(7)
    const viaCodec = snappyCompress(big)
    expect((uncompressSync(Buffer.from(viaCodec)) as Buffer).equals(Buffer.from(big))).toBe(true)
  })

  it('each call reuses the scratch buffer: a block is valid until the next call', () => {
    const first = snappyEncodeSmall(new Uint8Array(100).fill(1))
    const copy = first.slice()
    snappyEncodeSmall(new Uint8Array(100).fill(2))
    expect(first.buffer).toBe(snappyEncodeSmall(new Uint8Array(1)).buffer)
    expect(Buffer.from(first).equals(Buffer.from(copy))).toBe(false)
  })
})
