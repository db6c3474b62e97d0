/**
 * secp256k1 keys, keccak256, ECDH, recoverable signatures, ECIES, the node key file, and
 * discv5's HKDF-SHA256, AES-128-CTR and AES-128-GCM, exactly as devp2p (RLPx, discv4,
 * discv5, ENR) uses them, wire-compatible with go-ethereum.
 *
 * Fast where it counts: libsecp256k1 through the optional `secp256k1` addon when it
 * loads, WASM keccak, and node:crypto for AES, SHA-256 and HMAC; portable @noble code
 * otherwise ({@link cryptoBackends} says which). Public keys, signatures and ECIES
 * messages from outside are validated and fail with a {@link CryptoError}; misuse
 * (wrong types, invalid private keys) throws `TypeError` or `RangeError`.
 *
 * @example
 * ```ts
 * import { ecdh, eciesDecrypt, eciesEncrypt, generatePrivateKey, keccak256,
 *          publicKeyFromPrivate, recoverPublicKey, sign } from '@devp2p/crypto'
 *
 * const alice = generatePrivateKey()
 * const bob = generatePrivateKey()
 * const bobPub = publicKeyFromPrivate(bob)            // 64 bytes x ‖ y
 * const nodeId = keccak256(bobPub)
 *
 * const sig = sign(keccak256(new TextEncoder().encode('hi')), alice)   // r ‖ s ‖ v
 * recoverPublicKey(keccak256(new TextEncoder().encode('hi')), sig)     // alice's key
 *
 * const box = eciesEncrypt(bobPub, new TextEncoder().encode('secret'))
 * eciesDecrypt(bob, box)                              // the plaintext again
 * ecdh(alice, bobPub)                                 // 32-byte shared x coordinate
 * ```
 *
 * @packageDocumentation
 */
export { aes128Ctr, aes128GcmDecrypt, aes128GcmEncrypt } from './aes.js'
export type { BackendChoice, CryptoBackends } from './backend.js'
export { cryptoBackends, useBackend } from './backend.js'
export { equalBytes, randomBytes } from './bytes.js'
export {
  AES_BLOCK_BYTES,
  AES_GCM_NONCE_BYTES,
  AES_GCM_TAG_BYTES,
  COMPACT_SIGNATURE_BYTES,
  COMPRESSED_PUBLIC_KEY_BYTES,
  DIGEST_BYTES,
  ECIES_OVERHEAD_BYTES,
  PRIVATE_KEY_BYTES,
  PUBLIC_KEY_BYTES,
  SHARED_SECRET_BYTES,
  SIGNATURE_BYTES,
  UNCOMPRESSED_PUBLIC_KEY_BYTES,
} from './constants.js'
export { eciesDecrypt, eciesEncrypt } from './ecies.js'
export type { CryptoErrorCode } from './errors.js'
export { CryptoError } from './errors.js'
export { concatKdf } from './kdf.js'
export { KeccakState, keccak256 } from './keccak.js'
export { loadNodeKey, loadOrCreateNodeKey } from './node-key.js'
export {
  compressPublicKey,
  decodePublicKey,
  ecdh,
  ecdhCompressed,
  generatePrivateKey,
  isValidPrivateKey,
  publicKeyFromPrivate,
  recoverPublicKey,
  sign,
  validatePublicKey,
  verify,
} from './secp256k1.js'
export { hkdfSha256, sha256 } from './sha256.js'
