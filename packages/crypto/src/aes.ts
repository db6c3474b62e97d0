import { createCipheriv, createDecipheriv } from 'node:crypto'
import { assertBytes, asUint8Array } from './bytes.js'
import {
  AES_BLOCK_BYTES,
  AES_GCM_NONCE_BYTES,
  AES_GCM_TAG_BYTES,
  AES_KEY_BYTES,
} from './constants.js'
import { CryptoError } from './errors.js'

/**
 * AES-128 in counter mode (node:crypto): encryption and decryption are the same XOR with
 * the key stream. discv5 masks its packet headers this way, with the recipient's node id
 * as the key.
 *
 * @param key 16 bytes.
 * @param iv 16 bytes, the initial counter block (big-endian, incremented per block).
 * @param data any length; not modified.
 * @returns `data.length` bytes, a new array owned by the caller.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `key` or `iv` is not 16 bytes.
 */
export function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'key', AES_KEY_BYTES)
  assertBytes(iv, 'iv', AES_BLOCK_BYTES)
  assertBytes(data, 'data')
  // CTR has no padding and final() is empty, so update() is the whole result
  return asUint8Array(createCipheriv('aes-128-ctr', key, iv).update(data))
}

function assertGcmArgs(key: unknown, nonce: unknown, aad: unknown): void {
  assertBytes(key, 'key', AES_KEY_BYTES)
  assertBytes(nonce, 'nonce', AES_GCM_NONCE_BYTES)
  assertBytes(aad, 'aad')
}

/**
 * AES-128-GCM encryption with additional authenticated data (node:crypto), as discv5
 * seals its messages: the 16-byte tag is appended to the ciphertext.
 *
 * A (key, nonce) pair must never encrypt two messages: GCM then leaks the XOR of the
 * plaintexts and lets anyone forge tags. The caller owns that rule.
 *
 * @param key 16 bytes.
 * @param nonce 12 bytes.
 * @param plaintext any length; not modified.
 * @param aad authenticated but not encrypted (not part of the output).
 * @returns `plaintext.length + 16` bytes: ciphertext ‖ tag, a new array.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `key` is not 16 bytes or `nonce` not 12.
 */
export function aes128GcmEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  assertGcmArgs(key, nonce, aad)
  assertBytes(plaintext, 'plaintext')
  const cipher = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: AES_GCM_TAG_BYTES })
  cipher.setAAD(aad)
  const out = new Uint8Array(plaintext.length + AES_GCM_TAG_BYTES)
  out.set(cipher.update(plaintext))
  cipher.final()
  out.set(cipher.getAuthTag(), plaintext.length)
  return out
}

/**
 * AES-128-GCM decryption (see {@link aes128GcmEncrypt}): the tag is checked before any
 * plaintext is returned.
 *
 * @param sealed ciphertext ‖ tag, at least 16 bytes; not modified.
 * @returns the plaintext (`sealed.length − 16` bytes), a new array.
 * @throws CryptoError `AES_GCM_AUTH_FAILED` when `sealed` is shorter than the tag, or the
 *   tag does not match (another key or nonce, altered ciphertext or AAD).
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `key` is not 16 bytes or `nonce` not 12.
 */
export function aes128GcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  assertGcmArgs(key, nonce, aad)
  assertBytes(sealed, 'sealed')
  if (sealed.length < AES_GCM_TAG_BYTES) {
    throw new CryptoError(
      'AES_GCM_AUTH_FAILED',
      `AES-GCM input of ${sealed.length} bytes is shorter than its ${AES_GCM_TAG_BYTES}-byte tag`,
    )
  }
  const end = sealed.length - AES_GCM_TAG_BYTES
  const decipher = createDecipheriv('aes-128-gcm', key, nonce, {
    authTagLength: AES_GCM_TAG_BYTES,
  })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(end))
  const plaintext = decipher.update(sealed.subarray(0, end))
  try {
    decipher.final()
  } catch (err) {
    plaintext.fill(0)
    throw new CryptoError('AES_GCM_AUTH_FAILED', 'AES-GCM tag mismatch: altered or another key', {
      cause: err,
    })
  }
  return asUint8Array(plaintext)
}
