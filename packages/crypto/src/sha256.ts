import { hash, hkdfSync } from 'node:crypto'
import { assertBytes, asUint8Array } from './bytes.js'
import { MAX_HKDF_SHA256_BYTES } from './constants.js'

/**
 * SHA-256 (node:crypto), e.g. discv5's identity-proof digest.
 *
 * @returns 32 bytes, a new array.
 * @throws TypeError when `data` is not a `Uint8Array`.
 */
export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data')
  return asUint8Array(hash('sha256', data, 'buffer'))
}

/**
 * HKDF with HMAC-SHA256 (RFC 5869, node:crypto): extract with `salt`, then expand with
 * `info` to `length` bytes. discv5 derives its session keys this way (salt = the
 * WHOAREYOU challenge data).
 *
 * @param ikm the input keying material (for discv5, the 33-byte compressed ECDH point).
 * @returns `length` bytes, a new array owned by the caller.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `length` is not an integer in 1…8160 (255 × 32).
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  assertBytes(ikm, 'ikm')
  assertBytes(salt, 'salt')
  assertBytes(info, 'info')
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_HKDF_SHA256_BYTES) {
    throw new RangeError(`length must be an integer in 1…${MAX_HKDF_SHA256_BYTES}, got ${length}`)
  }
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
}
