/**
 * A strict decoder of raw snappy blocks, for small messages only: below a few KiB the
 * native addon's fixed cost per call (~1.5 µs in a running pipeline, most of it N-API
 * argument handling and the output copy) is more than the decoding itself.
 *
 * The format (google/snappy format_description.txt): a uvarint with the decoded length,
 * then elements, each a tag byte whose low two bits say
 * - 00: literal, length − 1 in the tag's upper six bits, or in the next 1–4 bytes
 *   (little endian) when those bits are 60–63;
 * - 01: copy, length 4–11 from bits 2–4, offset 0–2047 from bits 5–7 and one byte;
 * - 10: copy, length 1–64 from the upper six bits, 2-byte offset;
 * - 11: copy, length 1–64, 4-byte offset.
 * A copy's offset counts back from the end of the output so far; it may be shorter than
 * the length (the copy then repeats itself).
 *
 * Anything else (a truncated element, an offset of 0 or beyond the output, more or
 * fewer bytes than declared) is refused: the result is `false`.
 */

/**
 * Decodes `data`, whose uvarint (already read by the caller) takes `headerBytes` and
 * declares `declared` bytes, into `out` (at least `declared` bytes long).
 *
 * @returns whether `data` is a valid block that decodes to exactly `declared` bytes;
 *   then `out[0…declared]` holds them, every byte written by the block itself.
 */
export function snappyDecodeInto(
  data: Uint8Array,
  headerBytes: number,
  declared: number,
  out: Uint8Array,
): boolean {
  let i = headerBytes
  let o = 0
  const end = data.length
  while (i < end) {
    const tag = data[i++]!
    const kind = tag & 3
    if (kind === 0) {
      let length = (tag >>> 2) + 1
      if (length > 60) {
        const bytes = length - 60
        if (i + bytes > end) return false
        length = 0
        // a running factor, not 2 ** (8 * k): a variable exponent is a call to pow()
        for (let k = 0, factor = 1; k < bytes; k++, factor *= 256) length += data[i + k]! * factor
        length += 1
        i += bytes
      }
      if (length > end - i || length > declared - o) return false
      out.set(data.subarray(i, i + length), o)
      i += length
      o += length
      continue
    }
    let length: number
    let offset: number
    if (kind === 1) {
      if (i >= end) return false
      length = 4 + ((tag >>> 2) & 7)
      offset = ((tag >>> 5) << 8) | data[i++]!
    } else if (kind === 2) {
      if (i + 2 > end) return false
      length = 1 + (tag >>> 2)
      offset = data[i]! | (data[i + 1]! << 8)
      i += 2
    } else {
      if (i + 4 > end) return false
      length = 1 + (tag >>> 2)
      offset = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)) + data[i + 3]! * 2 ** 24
      i += 4
    }
    if (offset === 0 || offset > o || length > declared - o) return false
    const from = o - offset
    if (length <= 16) {
      // short copies (most of them) byte by byte; also right when they overlap
      for (let k = 0; k < length; k++) out[o + k] = out[from + k]!
      o += length
    } else {
      // when the source overlaps what is being written, the pattern repeats: copy the
      // part already there, which doubles each round
      for (let left = length; left > 0; ) {
        const n = Math.min(left, o - from)
        out.copyWithin(o, from, from + n)
        o += n
        left -= n
      }
    }
  }
  return o === declared
}
