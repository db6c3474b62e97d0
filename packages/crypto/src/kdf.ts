import { hash } from 'node:crypto'
import { assertBytes } from './bytes.js'
import { MAX_KDF_BYTES, SHA256_BYTES } from './constants.js'

/**
 * NIST SP 800-56A concatenation KDF with SHA-256 and empty OtherInfo, as devp2p's ECIES
 * uses it (geth `crypto/ecies.concatKDF`): block i = SHA-256(counter ‖ secret) with a
 * 32-bit big-endian counter starting at 1; the blocks are concatenated and cut to
 * `length` bytes.
 *
 * @param secret the shared secret Z (for ECIES, the ECDH x coordinate).
 * @param length output size in bytes.
 * @returns `length` bytes owned by the caller.
 * @throws TypeError when `secret` is not a `Uint8Array`.
 * @throws RangeError when `length` is not an integer in 0…(2³²−1)·32.
 */
export function concatKdf(secret: Uint8Array, length: number): Uint8Array {
  assertBytes(secret, 'secret')
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_KDF_BYTES) {
    throw new RangeError(`length must be an integer in 0…${MAX_KDF_BYTES}, got ${length}`)
  }
  const out = new Uint8Array(length)
  const input = new Uint8Array(4 + secret.length)
  input.set(secret, 4)
  // the counter written byte by byte: a DataView needs `input.buffer`, which moves a
  // small array off V8's heap first (about 1 µs)
  for (let counter = 1, offset = 0; offset < length; counter++, offset += SHA256_BYTES) {
    input[0] = counter >>> 24
    input[1] = (counter >>> 16) & 0xff
    input[2] = (counter >>> 8) & 0xff
    input[3] = counter & 0xff
    const block = hash('sha256', input, 'buffer')
    out.set(length - offset >= SHA256_BYTES ? block : block.subarray(0, length - offset), offset)
    block.fill(0)
  }
  input.fill(0)
  return out
}
