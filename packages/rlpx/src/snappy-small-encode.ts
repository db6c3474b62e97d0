/**
 * A raw snappy block encoder for small messages: below a few KiB the native addon's
 * fixed cost per call (~3 µs here, N-API argument handling and the output copy) is more
 * than the compression itself. Any valid block is a correct encoding; this one finds
 * matches the way snappy does (a hash of the next four bytes, looked up in a table of
 * where they were last seen, skipping faster over input that does not compress) and
 * emits literals and copies with 2-byte offsets (the format is described in
 * snappy-small.ts).
 *
 * It writes into one scratch buffer reused by every call: the caller copies the block
 * out (into its frame) before the next call.
 */
import { SNAPPY_ENCODE_IN_JS_BYTES } from './constants.js'

/** Table size: 2^8 entries for short inputs up to 2^12, as snappy sizes its table. */
const MIN_HASH_BITS = 8
const MAX_HASH_BITS = 12
/**
 * Positions + 1 where a 4-byte sequence was last seen (0: not seen); the part a call
 * uses is cleared at its start.
 */
const table = new Uint16Array(1 << MAX_HASH_BITS)
/**
 * The longest block any input of the limit can give: snappy's own bound,
 * `MaxCompressedLength(n) = 32 + n + n / 6`. (A literal of more than 60 bytes takes 2
 * tag bytes and one of more than 256 takes 3, so a literal followed by a 4-byte copy can
 * take a byte more than the input it covers.)
 */
export const SNAPPY_SMALL_MAX_BLOCK_BYTES =
  32 + SNAPPY_ENCODE_IN_JS_BYTES + Math.ceil(SNAPPY_ENCODE_IN_JS_BYTES / 6)
const scratch = new Uint8Array(SNAPPY_SMALL_MAX_BLOCK_BYTES)

const load32 = (b: Uint8Array, i: number): number =>
  b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)

const hashBits = (n: number): number => {
  let bits = MIN_HASH_BITS
  while (bits < MAX_HASH_BITS && 1 << bits < n) bits++
  return bits
}

/**
 * `src` (at most {@link SNAPPY_ENCODE_IN_JS_BYTES}) as one raw snappy block: a view of
 * the scratch buffer, valid until the next call.
 *
 * @throws RangeError for a longer input (a bug: the caller checks the size).
 */
export function snappyEncodeSmall(src: Uint8Array): Uint8Array {
  const n = src.length
  if (n > SNAPPY_ENCODE_IN_JS_BYTES) throw new RangeError(`${n} bytes is too long to encode here`)
  const out = scratch
  let o = 0
  for (let v = n; ; v >>>= 7) {
    if (v < 0x80) {
      out[o++] = v
      break
    }
    out[o++] = (v & 0x7f) | 0x80
  }
  let literalFrom = 0
  if (n >= 8) {
    const shift = 32 - hashBits(n)
    table.fill(0, 0, 1 << (32 - shift))
    // the last match may start 4 bytes before the end; it is extended byte by byte
    const lastStart = n - 4
    let i = 0
    let skip = 32
    while (i <= lastStart) {
      const word = load32(src, i)
      const h = Math.imul(word, 0x1e35a7bd) >>> shift
      const candidate = table[h]! - 1
      table[h] = i + 1
      if (candidate < 0 || load32(src, candidate) !== word) {
        i += skip++ >>> 5
        continue
      }
      o = emitLiteral(src, literalFrom, i, out, o)
      let length = 4
      while (i + length + 4 <= n && load32(src, candidate + length) === load32(src, i + length)) {
        length += 4
      }
      while (i + length < n && src[candidate + length] === src[i + length]) length++
      o = emitCopy(i - candidate, length, out, o)
      i += length
      literalFrom = i
      skip = 32
    }
  }
  o = emitLiteral(src, literalFrom, n, out, o)
  return out.subarray(0, o)
}

/** `src[from…to]` as a literal element at `out[o]`; returns the new end. */
function emitLiteral(
  src: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  o: number,
): number {
  const length = to - from
  if (length === 0) return o
  const l = length - 1
  if (l < 60) {
    out[o++] = l << 2
  } else if (l < 0x100) {
    out[o++] = 60 << 2
    out[o++] = l
  } else {
    // inputs are below 64 KiB: two length bytes are enough
    out[o++] = 61 << 2
    out[o++] = l & 0xff
    out[o++] = l >>> 8
  }
  if (length < 16) {
    for (let k = from; k < to; k++) out[o++] = src[k]!
    return o
  }
  out.set(src.subarray(from, to), o)
  return o + length
}

/** A copy of `length` bytes from `offset` back (1…65535), as 2-byte-offset copies of ≤ 64. */
function emitCopy(offset: number, length: number, out: Uint8Array, o: number): number {
  let left = length
  while (left > 0) {
    const take = Math.min(left, 64)
    out[o++] = ((take - 1) << 2) | 2
    out[o++] = offset & 0xff
    out[o++] = offset >>> 8
    left -= take
  }
  return o
}
