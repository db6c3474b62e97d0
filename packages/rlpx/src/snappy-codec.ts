import { compressSync, uncompressSync } from 'snappy'
import { SNAPPY_DECODE_IN_JS_BYTES, SNAPPY_ENCODE_IN_JS_BYTES } from './constants.js'
import { RlpxError } from './errors.js'
import { receiveMemory } from './frame-memory.js'
import { snappyDecodeInto } from './snappy-small.js'
import { snappyEncodeSmall } from './snappy-small-encode.js'

/** Copy the output into a V8 buffer: see {@link snappyCompress}. */
const UNCOMPRESS_OPTIONS = { asBuffer: true, copyOutputData: true } as const
const COMPRESS_OPTIONS = { copyOutputData: true } as const

/**
 * The decoded length a raw snappy block declares in its leading uvarint, or -1 when the
 * varint is malformed. Read before decompressing, so a length bomb costs nothing.
 */
export function snappyDeclaredLength(data: Uint8Array): number {
  let result = 0
  // a running factor, not 2 ** (7 * i): a variable exponent is a call to pow()
  for (let i = 0, factor = 1; i < 5; i++, factor *= 128) {
    const b = data[i]
    if (b === undefined) return -1
    result += (b & 0x7f) * factor
    if (b < 0x80) return result
  }
  return -1
}

/** Bytes of the leading uvarint (valid: {@link snappyDeclaredLength} said so). */
export function uvarintLength(data: Uint8Array): number {
  let n = 1
  while (data[n - 1]! >= 0x80) n++
  return n
}

/**
 * Decompresses a message payload after checking its declared size against `maxBytes`:
 * up to 2 KiB in JavaScript (snappy-small.ts, 2–5× faster there), beyond with libsnappy.
 *
 * @throws RlpxError `SNAPPY_TOO_LARGE` or `SNAPPY_INVALID`.
 */
export function snappyDecompress(data: Uint8Array, maxBytes: number): Uint8Array {
  const declared = snappyDeclaredLength(data)
  if (declared < 0) throw new RlpxError('SNAPPY_INVALID', 'snappy length prefix is malformed')
  if (declared > maxBytes) {
    throw new RlpxError(
      'SNAPPY_TOO_LARGE',
      `snappy payload declares ${declared} bytes > ${maxBytes}`,
    )
  }
  if (declared <= SNAPPY_DECODE_IN_JS_BYTES) {
    const at = receiveMemory.reserve(declared)
    const out = new Uint8Array(receiveMemory.buffer, at, declared)
    if (!snappyDecodeInto(data, uvarintLength(data), declared, out)) {
      throw new RlpxError('SNAPPY_INVALID', 'snappy payload does not decompress')
    }
    return out
  }
  let out: Buffer
  try {
    out = uncompressSync(data, UNCOMPRESS_OPTIONS) as Buffer
  } catch (err) {
    throw new RlpxError('SNAPPY_INVALID', 'snappy payload does not decompress', { cause: err })
  }
  if (out.length !== declared) {
    throw new RlpxError('SNAPPY_INVALID', 'snappy payload length differs from its header')
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/**
 * Compresses a payload as one raw snappy block (what devp2p v5 uses): up to 1 KiB in
 * JavaScript (snappy-small-encode.ts, 1–2 µs faster there), beyond with libsnappy.
 *
 * The result is valid only until the next call (a small one is a view of a scratch
 * buffer): the frame encoder copies it into its frame at once. libsnappy's output is
 * copied into a V8 buffer: its default, an external buffer with a finalizer, is 3×
 * slower at 1 KiB and 10× at 1 MiB here, as the finalizers pile up for the GC.
 */
export function snappyCompress(data: Uint8Array): Uint8Array {
  if (data.length <= SNAPPY_ENCODE_IN_JS_BYTES) return snappyEncodeSmall(data)
  // a Buffer, but it only goes to the frame encoder, never to a caller
  return compressSync(data, COMPRESS_OPTIONS)
}
