import { randomFillSync } from 'node:crypto'
import { MAX_PAD_TO_BYTES, PADDING_BLOCK_BYTES } from '../constants.js'

/**
 * The size an inner plaintext of `unpaddedBytes` is padded to: at least `padTo`, rounded
 * up to a multiple of {@link PADDING_BLOCK_BYTES}, so an observer learns the size bucket
 * of a message, not its length.
 *
 * @throws RangeError when `padTo` is not an integer in 0…{@link MAX_PAD_TO_BYTES}.
 */
export function paddedLength(unpaddedBytes: number, padTo = 0): number {
  if (!Number.isSafeInteger(padTo) || padTo < 0 || padTo > MAX_PAD_TO_BYTES)
    throw new RangeError(`padTo must be an integer in 0…${MAX_PAD_TO_BYTES}, got ${padTo}`)
  const target = Math.max(unpaddedBytes, padTo, 1)
  return Math.ceil(target / PADDING_BLOCK_BYTES) * PADDING_BLOCK_BYTES
}

/** Fills `out` from `start` to its end with random bytes (padding that compresses to nothing useful). */
export function fillPadding(out: Uint8Array, start: number): void {
  if (start < out.length) randomFillSync(out, start, out.length - start)
}
