import { createCipheriv, createDecipheriv, createHmac, hash, timingSafeEqual } from 'node:crypto'
import { secp } from './backend.js'
import { assertBytes, asUint8Array, randomFill } from './bytes.js'
import {
  AES_KEY_BYTES,
  ECIES_IV_BYTES,
  ECIES_MAC_BYTES,
  ECIES_OVERHEAD_BYTES,
  UNCOMPRESSED_PUBLIC_KEY_BYTES,
} from './constants.js'
import { CryptoError } from './errors.js'
import { concatKdf } from './kdf.js'
import { ecdh, generatePrivateKey, isValidPrivateKey } from './secp256k1.js'

const EMPTY = new Uint8Array(0)

/** kE (AES-128 key) and kM (HMAC key) from the ECDH x coordinate, which is wiped. */
function deriveKeys(shared: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  const key = concatKdf(shared, 2 * AES_KEY_BYTES)
  shared.fill(0)
  // kM = sha256(second half): geth's ecies hashes the MAC key, so devp2p does too.
  const macKey = hash('sha256', key.subarray(AES_KEY_BYTES), 'buffer')
  key.fill(0, AES_KEY_BYTES)
  // The caller wipes encKey (the first half) once the cipher holds its own copy.
  return { encKey: key.subarray(0, AES_KEY_BYTES), macKey }
}

function assertSharedMacData(sharedMacData: unknown): asserts sharedMacData is Uint8Array {
  assertBytes(sharedMacData, 'sharedMacData')
}

/**
 * Encrypts to a public key with devp2p's ECIES (the RLPx handshake's encryption):
 * a fresh ephemeral key R, shared = ecdh(r, publicKey) x coordinate,
 * concatKdf(shared, 32) = kE(16) ‖ kM'(16), kM = sha256(kM'), and
 * `R(65, uncompressed) ‖ iv(16) ‖ AES-128-CTR(kE, iv, plaintext) ‖ HMAC-SHA256(kM, iv ‖ c ‖ sharedMacData)`.
 *
 * @param publicKey recipient key, 33, 64 or 65 bytes; validated before use.
 * @param sharedMacData bytes covered by the MAC but not sent (RLPx: the 2-byte size
 *   prefix of an EIP-8 packet); empty by default.
 * @returns a new array of `plaintext.length + ECIES_OVERHEAD_BYTES` bytes.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when `publicKey` is not a valid point.
 * @throws TypeError when an argument is not a `Uint8Array`.
 */
export function eciesEncrypt(
  publicKey: Uint8Array,
  plaintext: Uint8Array,
  sharedMacData: Uint8Array = EMPTY,
): Uint8Array {
  assertBytes(plaintext, 'plaintext')
  assertSharedMacData(sharedMacData)
  const ephemeral = generatePrivateKey()
  // ecdh validates the recipient key before anything else happens.
  const shared = ecdh(ephemeral, publicKey)
  const { encKey, macKey } = deriveKeys(shared)

  const macStart = UNCOMPRESSED_PUBLIC_KEY_BYTES + ECIES_IV_BYTES + plaintext.length
  const out = new Uint8Array(macStart + ECIES_MAC_BYTES)
  secp.publicKeyCreate(ephemeral, false, out.subarray(0, UNCOMPRESSED_PUBLIC_KEY_BYTES))
  ephemeral.fill(0)
  const iv = out.subarray(
    UNCOMPRESSED_PUBLIC_KEY_BYTES,
    UNCOMPRESSED_PUBLIC_KEY_BYTES + ECIES_IV_BYTES,
  )
  randomFill(iv)
  // CTR mode has no padding and final() is empty, so update() gives the whole ciphertext.
  out.set(createCipheriv('aes-128-ctr', encKey, iv).update(plaintext), macStart - plaintext.length)
  encKey.fill(0)
  const mac = createHmac('sha256', macKey)
    .update(out.subarray(UNCOMPRESSED_PUBLIC_KEY_BYTES, macStart))
    .update(sharedMacData)
    .digest()
  macKey.fill(0)
  out.set(mac, macStart)
  return out
}

/**
 * Decrypts a devp2p ECIES message (see {@link eciesEncrypt}). Checks, in this order:
 * the length, the ephemeral key R (uncompressed, on the curve), then the MAC in constant
 * time; only a message whose MAC matches is decrypted.
 *
 * @param privateKey the recipient's key.
 * @param message R ‖ iv ‖ c ‖ mac, at least `ECIES_OVERHEAD_BYTES` bytes. Not modified.
 * @param sharedMacData the same bytes the sender passed; empty by default.
 * @returns the plaintext, a new array owned by the caller.
 * @throws CryptoError `ECIES_MESSAGE_TOO_SHORT` when shorter than the overhead;
 *   `INVALID_PUBLIC_KEY` when R is not a valid uncompressed point; `ECIES_MAC_MISMATCH`
 *   when the message was altered, was encrypted to another key, or `sharedMacData` differs.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `privateKey` is not 32 bytes with 0 < k < n.
 */
export function eciesDecrypt(
  privateKey: Uint8Array,
  message: Uint8Array,
  sharedMacData: Uint8Array = EMPTY,
): Uint8Array {
  assertBytes(privateKey, 'privateKey')
  if (!isValidPrivateKey(privateKey)) {
    throw new RangeError('privateKey must be a 32-byte secp256k1 scalar with 0 < k < n')
  }
  assertBytes(message, 'message')
  assertSharedMacData(sharedMacData)
  if (message.length < ECIES_OVERHEAD_BYTES) {
    throw new CryptoError(
      'ECIES_MESSAGE_TOO_SHORT',
      `ECIES message of ${message.length} bytes is shorter than its ${ECIES_OVERHEAD_BYTES}-byte overhead`,
    )
  }
  const ephemeral = message.subarray(0, UNCOMPRESSED_PUBLIC_KEY_BYTES)
  if (ephemeral[0] !== 0x04) {
    throw new CryptoError('INVALID_PUBLIC_KEY', 'ECIES ephemeral key must start with 0x04')
  }
  const shared = secp.ecdh(privateKey, ephemeral)
  if (shared === undefined) {
    throw new CryptoError('INVALID_PUBLIC_KEY', 'ECIES ephemeral key is not a point on secp256k1')
  }
  const { encKey, macKey } = deriveKeys(shared)

  const macStart = message.length - ECIES_MAC_BYTES
  const expected = createHmac('sha256', macKey)
    .update(message.subarray(UNCOMPRESSED_PUBLIC_KEY_BYTES, macStart))
    .update(sharedMacData)
    .digest()
  macKey.fill(0)
  if (!timingSafeEqual(expected, message.subarray(macStart))) {
    encKey.fill(0)
    throw new CryptoError(
      'ECIES_MAC_MISMATCH',
      'ECIES MAC mismatch: message altered or not for this key',
    )
  }
  const ivEnd = UNCOMPRESSED_PUBLIC_KEY_BYTES + ECIES_IV_BYTES
  const decipher = createDecipheriv(
    'aes-128-ctr',
    encKey,
    message.subarray(UNCOMPRESSED_PUBLIC_KEY_BYTES, ivEnd),
  )
  encKey.fill(0)
  return asUint8Array(decipher.update(message.subarray(ivEnd, macStart)))
}
