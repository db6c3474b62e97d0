import { describe, expect, it } from 'vitest'
import { INNER_HEADER_BYTES, PADDING_BLOCK_BYTES } from '../../src/constants.js'
import { decodeInner, encodeInner, newStamp } from '../../src/envelope/inner.js'
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

  const STAMP = {
    time: 0x0102_0304_0506,
    id: Uint8Array.of(0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18),
  }

  it('writes version 2, the flags, the stamp and a big-endian length, then random padding', () => {
    const payload = Uint8Array.of(0xaa, 0xbb, 0xcc)
    const a = encodeInner(STAMP, payload, undefined, undefined)
    const b = encodeInner(STAMP, payload, undefined, undefined)
    expect(a.length).toBe(256)
    expect(INNER_HEADER_BYTES).toBe(22)
    // biome-ignore format: one field per line
    expect([...a.subarray(0, INNER_HEADER_BYTES + 3)]).toEqual([
      2, 0,
      0, 0, 1, 2, 3, 4, 5, 6,
      0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
      0, 0, 0, 3,
      0xaa, 0xbb, 0xcc,
    ])
    // the padding is random, not zeros: two encodings differ only there
    expect(a.subarray(25)).not.toEqual(b.subarray(25))
    const signed = encodeInner(STAMP, payload, new Uint8Array(97).fill(5), undefined)
    expect(signed[1]).toBe(1)
    expect(decodeInner(signed)?.signer).toEqual(new Uint8Array(97).fill(5))
    expect(decodeInner(signed)?.payload).toEqual(payload)
    expect(decodeInner(signed)?.stamp.time).toBe(0x0102_0304_0506)
    expect(decodeInner(signed)?.stamp.id).toEqual(STAMP.id)
  })

  it('rejects an unknown version, reserved flags, an unsafe time, and lengths that do not fit', () => {
    const ok = encodeInner(STAMP, Uint8Array.of(1), undefined, undefined)
    expect(decodeInner(ok)?.payload).toEqual(Uint8Array.of(1))
    const header = (version: number, flags: number, time: number[], length: number[]) =>
      Uint8Array.of(version, flags, ...time, ...new Uint8Array(8), ...length)
    const time = [0, 0, 0, 0, 0, 0, 0, 1]
    // version 1 (before stamps) is refused
    expect(decodeInner(Uint8Array.of(1, ...ok.subarray(1)))).toBeUndefined()
    expect(decodeInner(Uint8Array.of(2, 2, ...ok.subarray(2)))).toBeUndefined()
    expect(decodeInner(header(2, 0, time, [0, 0, 0, 1]))).toBeUndefined()
    expect(
      decodeInner(Uint8Array.of(...header(2, 1, time, [0, 0, 0, 0]), ...new Uint8Array(96))),
    ).toBeUndefined()
    expect(decodeInner(header(2, 0, time, [0, 0, 0]))).toBeUndefined()
    expect(decodeInner(header(2, 0, time, [0, 0, 0, 0]))?.payload).toEqual(new Uint8Array(0))
    // 2^53 ms does not fit a safe integer
    expect(decodeInner(header(2, 0, [0, 0x20, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0]))).toBeUndefined()
    expect(
      decodeInner(header(2, 0, [0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0]))?.stamp
        .time,
    ).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('refuses to stamp a time that is not a non-negative integer', () => {
    expect(newStamp(5).id.length).toBe(8)
    expect(newStamp(5).id).not.toEqual(newStamp(5).id)
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53])
      expect(() => newStamp(bad)).toThrow(RangeError)
  })
})
