import { describe, expect, it } from 'vitest'
import { INNER_HEADER_BYTES, PADDING_BLOCK_BYTES } from '../../src/constants.js'
import { decodeInner, encodeInner } from '../../src/envelope/inner.js'
import { paddedLength } from '../../src/envelope/padding.js'

describe('inner plaintext and padding', () => {
  it('rounds up to whole 256-byte blocks, at least padTo', () => {
    expect(PADDING_BLOCK_BYTES).toBe(256)
    expect(paddedLength(0)).toBe(256)
    expect(paddedLength(1)).toBe(256)
    expect(paddedLength(256)).toBe(256)
    expect(paddedLength(257)).toBe(512)
    expect(paddedLength(10, 300)).toBe(512)
    expect(paddedLength(600, 300)).toBe(768)
    expect(() => paddedLength(1, -1)).toThrow(RangeError)
    expect(() => paddedLength(1, 1.5)).toThrow(RangeError)
  })

  it('writes version 1, the flags and a big-endian length, then random padding', () => {
    const payload = Uint8Array.of(0xaa, 0xbb, 0xcc)
    const a = encodeInner(payload, undefined, undefined)
    const b = encodeInner(payload, undefined, undefined)
    expect(a.length).toBe(256)
    expect([...a.subarray(0, INNER_HEADER_BYTES + 3)]).toEqual([1, 0, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc])
    // the padding is random, not zeros: two encodings differ only there
    expect(a.subarray(9)).not.toEqual(b.subarray(9))
    const signed = encodeInner(payload, new Uint8Array(97).fill(5), undefined)
    expect(signed[1]).toBe(1)
    expect(decodeInner(signed)?.signer).toEqual(new Uint8Array(97).fill(5))
    expect(decodeInner(signed)?.payload).toEqual(payload)
  })

  it('rejects an unknown version, reserved flags, and lengths that do not fit', () => {
    const ok = encodeInner(Uint8Array.of(1), undefined, undefined)
    expect(decodeInner(ok)?.payload).toEqual(Uint8Array.of(1))
    expect(decodeInner(Uint8Array.of(2, ...ok.subarray(1)))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(1, 2, ...ok.subarray(2)))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(1, 0, 0, 0, 1, 0))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(1, 1, 0, 0, 0, 0, ...new Uint8Array(96)))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(1, 0, 0, 0, 0))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(1, 0, 0, 0, 0, 0))?.payload).toEqual(new Uint8Array(0))
  })
})
