/**
 * Why a crypto operation failed. Every code is caused by input from outside (a remote
 * peer, a file on disk) or by the environment, never by a programming mistake; misuse
 * (wrong types, wrong lengths of our own values, invalid private keys) throws
 * `TypeError` or `RangeError` instead.
 *
 * - `INVALID_PUBLIC_KEY`: a public key has the wrong length or prefix, a coordinate
 *   ≥ p, is not on the curve, or is the point at infinity.
 * - `INVALID_SIGNATURE`: a signature has the wrong length, a recovery id outside 0–3,
 *   r or s outside 1…n−1, or no public key can be recovered from it.
 * - `ECIES_MESSAGE_TOO_SHORT`: an ECIES message is shorter than its fixed overhead
 *   (65 + 16 + 32 bytes).
 * - `ECIES_MAC_MISMATCH`: the ECIES MAC does not match: the message was altered, was not
 *   encrypted to this key, or the shared MAC data differs. Nothing was decrypted.
 * - `AES_GCM_AUTH_FAILED`: an AES-GCM input is shorter than its 16-byte tag, or the tag
 *   does not match (another key or nonce, altered ciphertext or associated data).
 *   Nothing was returned.
 * - `KEY_FILE_MISSING`: {@link loadNodeKey} found no key file.
 * - `KEY_FILE_CORRUPT`: a node key file exists but does not hold exactly 64 hex
 *   characters of a valid secp256k1 private key. The file is left untouched.
 * - `KEY_FILE_IO`: the node key file or its directory could not be read or written.
 * - `BACKEND_UNAVAILABLE`: {@link useBackend} asked for a backend that did not load.
 */
export type CryptoErrorCode =
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_SIGNATURE'
  | 'ECIES_MESSAGE_TOO_SHORT'
  | 'ECIES_MAC_MISMATCH'
  | 'AES_GCM_AUTH_FAILED'
  | 'KEY_FILE_MISSING'
  | 'KEY_FILE_CORRUPT'
  | 'KEY_FILE_IO'
  | 'BACKEND_UNAVAILABLE'

/**
 * The one error this package throws for bad input. Input from the network is never a
 * crash: catch `CryptoError`, drop the packet or peer, and log `code`. Messages never
 * contain key material.
 *
 * @example
 * ```ts
 * try {
 *   const auth = eciesDecrypt(nodeKey, packet.subarray(2), packet.subarray(0, 2))
 * } catch (err) {
 *   if (err instanceof CryptoError) log.debug('bad auth', { code: err.code })
 *   else throw err
 * }
 * ```
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError'
  readonly code: CryptoErrorCode

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
