import { secp } from './backend.js'
import { assertBytes, randomBytes } from './bytes.js'
import {
  COMPACT_SIGNATURE_BYTES,
  COMPRESSED_PUBLIC_KEY_BYTES,
  DIGEST_BYTES,
  PRIVATE_KEY_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  UNCOMPRESSED_PUBLIC_KEY_BYTES,
} from './constants.js'
import { CryptoError } from './errors.js'

/** The group order n, big-endian. */
const CURVE_ORDER = Uint8Array.from(
  Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex'),
)

/**
 * Whether `key` is 32 bytes with 0 < key < n, in time independent of its value.
 *
 * @throws TypeError when `key` is not a `Uint8Array`.
 */
export function isValidPrivateKey(key: Uint8Array): boolean {
  assertBytes(key, 'privateKey')
  if (key.length !== PRIVATE_KEY_BYTES) return false
  let nonZero = 0
  let borrow = 0
  // key − n, least significant byte first: a final borrow means key < n.
  for (let i = PRIVATE_KEY_BYTES - 1; i >= 0; i--) {
    const k = key[i]!
    nonZero |= k
    borrow = ((k - CURVE_ORDER[i]! - borrow) >>> 31) & 1
  }
  return ((nonZero !== 0 ? 1 : 0) & borrow) === 1
}

/** Misuse check: private keys come from our own code or the user, never from a peer. */
function assertPrivateKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'privateKey', PRIVATE_KEY_BYTES)
  if (!isValidPrivateKey(key)) {
    throw new RangeError('privateKey must be a secp256k1 scalar with 0 < k < n')
  }
}

function assertDigest(digest: unknown): asserts digest is Uint8Array {
  assertBytes(digest, 'digest', DIGEST_BYTES)
}

function invalidPublicKey(detail: string): CryptoError {
  return new CryptoError('INVALID_PUBLIC_KEY', `invalid public key: ${detail}`)
}

/**
 * The SEC1 encoding of a public key in any accepted form, after checking its length and
 * prefix (not yet the curve). A 64-byte key is copied behind an 0x04 prefix; 33 and 65
 * byte keys are returned as they are.
 */
export function toSec1(publicKey: Uint8Array): Uint8Array {
  return sec1Of(publicKey, undefined)
}

/**
 * A 65-byte array reused by {@link toSec1ForCall}. A typed array over 64 bytes lives
 * outside V8's heap and costs about 1 µs to make, more than copying a key.
 */
const sec1Scratch = new Uint8Array(UNCOMPRESSED_PUBLIC_KEY_BYTES)

/**
 * {@link toSec1} for a key handed straight to one synchronous backend call that parses it
 * (ECDH): a 64-byte key is copied into an array that the next call overwrites, so the
 * result must not be kept.
 */
export function toSec1ForCall(publicKey: Uint8Array): Uint8Array {
  return sec1Of(publicKey, sec1Scratch)
}

/** `into` receives a 64-byte key's SEC1 form; a new array when `undefined`. */
function sec1Of(publicKey: Uint8Array, into: Uint8Array | undefined): Uint8Array {
  assertBytes(publicKey, 'publicKey')
  switch (publicKey.length) {
    case PUBLIC_KEY_BYTES: {
      const sec1 = into ?? new Uint8Array(UNCOMPRESSED_PUBLIC_KEY_BYTES)
      sec1[0] = 0x04
      sec1.set(publicKey, 1)
      return sec1
    }
    case UNCOMPRESSED_PUBLIC_KEY_BYTES:
      // libsecp256k1 also accepts the "hybrid" prefixes 06/07; nobody else does.
      if (publicKey[0] !== 0x04) throw invalidPublicKey('65-byte key must start with 0x04')
      return publicKey
    case COMPRESSED_PUBLIC_KEY_BYTES:
      if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) {
        throw invalidPublicKey('33-byte key must start with 0x02 or 0x03')
      }
      return publicKey
    default:
      throw invalidPublicKey(`must be 33, 64 or 65 bytes, got ${publicKey.length}`)
  }
}

/** A validated SEC1 key (33 or 65 bytes) for the backends. */
function validSec1(publicKey: Uint8Array): Uint8Array {
  const sec1 = toSec1(publicKey)
  if (!secp.publicKeyIsValid(sec1)) throw invalidPublicKey('not a point on secp256k1')
  return sec1
}

/**
 * A new random private key from the operating system's CSPRNG.
 *
 * @returns 32 bytes, 0 < k < n, owned by the caller.
 */
export function generatePrivateKey(): Uint8Array {
  for (;;) {
    const key = randomBytes(PRIVATE_KEY_BYTES)
    // Fails with probability ~2⁻¹²⁸; the loop is for correctness, not expected to repeat.
    if (isValidPrivateKey(key)) return key
  }
}

/**
 * The public key of a private key: 64 bytes x ‖ y by default (devp2p's node id form),
 * or 33 bytes SEC1 compressed with `{ compressed: true }` (ENR's `secp256k1` entry).
 *
 * @throws TypeError when `privateKey` is not a `Uint8Array`.
 * @throws RangeError when `privateKey` is not 32 bytes with 0 < k < n.
 */
export function publicKeyFromPrivate(
  privateKey: Uint8Array,
  options: { readonly compressed?: boolean } = {},
): Uint8Array {
  assertPrivateKey(privateKey)
  if (options.compressed === true) return secp.publicKeyCreate(privateKey, true)
  return secp.publicKeyCreate(privateKey, false).subarray(1)
}

/**
 * Decodes and validates a public key from outside: 33 bytes compressed (02/03 ‖ x),
 * 64 bytes x ‖ y, or 65 bytes uncompressed (04 ‖ x ‖ y). The point must be on the curve
 * with both coordinates < p (the identity has no such encoding).
 *
 * @returns the 64-byte x ‖ y form, owned by the caller (never the input array itself).
 * @throws CryptoError `INVALID_PUBLIC_KEY` for any other length, prefix or point.
 * @throws TypeError when `publicKey` is not a `Uint8Array`.
 */
export function decodePublicKey(publicKey: Uint8Array): Uint8Array {
  const sec1 = toSec1ForCall(publicKey)
  if (sec1.length === UNCOMPRESSED_PUBLIC_KEY_BYTES) {
    if (!secp.publicKeyIsValid(sec1)) throw invalidPublicKey('not a point on secp256k1')
    // x ‖ y copied out of the scratch or the caller's array (which may be a Buffer, whose
    // slice() is a view): 64 bytes, small enough for V8 to keep on its heap
    const out = new Uint8Array(PUBLIC_KEY_BYTES)
    for (let i = 0; i < PUBLIC_KEY_BYTES; i++) out[i] = sec1[i + 1]!
    return out
  }
  const full = secp.publicKeyConvert(sec1, false)
  if (full === undefined) throw invalidPublicKey('not a point on secp256k1')
  return full.subarray(1)
}

/**
 * Checks a public key from outside (any of the forms {@link decodePublicKey} accepts)
 * and returns nothing when it is valid.
 *
 * @throws CryptoError `INVALID_PUBLIC_KEY` when it is not a valid secp256k1 point.
 * @throws TypeError when `publicKey` is not a `Uint8Array`.
 */
export function validatePublicKey(publicKey: Uint8Array): void {
  validSec1(publicKey)
}

/**
 * The 33-byte SEC1 compressed form of a public key given in any accepted form.
 *
 * @throws CryptoError `INVALID_PUBLIC_KEY` when it is not a valid secp256k1 point.
 * @throws TypeError when `publicKey` is not a `Uint8Array`.
 */
export function compressPublicKey(publicKey: Uint8Array): Uint8Array {
  const compressed = secp.publicKeyConvert(toSec1(publicKey), true)
  if (compressed === undefined) throw invalidPublicKey('not a point on secp256k1')
  return compressed
}

/**
 * Signs a 32-byte digest (usually keccak256 of the message) with a recoverable,
 * deterministic (RFC 6979) low-s ECDSA signature, as geth's `crypto.Sign` does.
 *
 * @returns 65 bytes r ‖ s ‖ v with v ∈ {0, 1}, owned by the caller.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `digest` is not 32 bytes, or `privateKey` is not 32 bytes with
 *   0 < k < n.
 */
export function sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  assertDigest(digest)
  assertPrivateKey(privateKey)
  return secp.sign(digest, privateKey)
}

/**
 * Recovers the public key that signed `digest` (geth's `Ecrecover`). v may be 0–3, as
 * libsecp256k1 accepts; 2 and 3 never occur in practice. High-s signatures are accepted,
 * as every client's recovery does; use {@link verify} to insist on low s.
 *
 * @param signature 65 bytes r ‖ s ‖ v.
 * @returns the 64-byte x ‖ y public key, owned by the caller.
 * @throws CryptoError `INVALID_SIGNATURE` when the signature is not 65 bytes, v is not
 *   0–3, r or s is not in 1…n−1, or no key can be recovered.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `digest` is not 32 bytes.
 */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  assertDigest(digest)
  assertBytes(signature, 'signature')
  if (signature.length !== SIGNATURE_BYTES) {
    throw new CryptoError(
      'INVALID_SIGNATURE',
      `invalid signature: must be ${SIGNATURE_BYTES} bytes, got ${signature.length}`,
    )
  }
  const v = signature[64]!
  if (v > 3) {
    throw new CryptoError('INVALID_SIGNATURE', `invalid signature: recovery id ${v} is not 0–3`)
  }
  const key = secp.recover(digest, signature.subarray(0, COMPACT_SIGNATURE_BYTES), v)
  if (key === undefined) {
    throw new CryptoError('INVALID_SIGNATURE', 'invalid signature: no public key recovers from it')
  }
  return key.subarray(1)
}

/**
 * Verifies an ECDSA signature over a 32-byte digest. Only low-s signatures verify (as
 * in geth's `VerifySignature` and libsecp256k1). A 65-byte signature's recovery byte
 * must be 0–3 and is otherwise ignored.
 *
 * @param signature 64 bytes r ‖ s, or 65 bytes r ‖ s ‖ v.
 * @param publicKey 33, 64 or 65 bytes (see {@link decodePublicKey}).
 * @returns `true` when the signature is valid for this key and digest; `false` for a
 *   well-formed signature that does not verify (including r or s out of range).
 * @throws CryptoError `INVALID_PUBLIC_KEY` when the key is not a valid point;
 *   `INVALID_SIGNATURE` when the signature is not 64 or 65 bytes or v is not 0–3.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `digest` is not 32 bytes.
 */
export function verify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  assertDigest(digest)
  assertBytes(signature, 'signature')
  if (signature.length === SIGNATURE_BYTES) {
    if (signature[64]! > 3) {
      throw new CryptoError(
        'INVALID_SIGNATURE',
        `invalid signature: recovery id ${signature[64]} is not 0–3`,
      )
    }
  } else if (signature.length !== COMPACT_SIGNATURE_BYTES) {
    throw new CryptoError(
      'INVALID_SIGNATURE',
      `invalid signature: must be 64 or 65 bytes, got ${signature.length}`,
    )
  }
  const sec1 = validSec1(publicKey)
  return secp.verify(digest, signature.subarray(0, COMPACT_SIGNATURE_BYTES), sec1)
}

/**
 * Elliptic-curve Diffie–Hellman as devp2p uses it: the x coordinate of
 * privateKey × publicKey, **not hashed** (unlike libsecp256k1's default). Computed in
 * constant time with respect to the private key.
 *
 * @param publicKey 33, 64 or 65 bytes, validated (on the curve, coordinates < p) before use.
 * @returns the 32-byte shared secret, owned by the caller.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when the public key is not a valid point.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `privateKey` is not 32 bytes with 0 < k < n.
 */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey)
  const sec1 = toSec1ForCall(publicKey)
  // Both backends parse and validate the point as part of the multiplication.
  const x = secp.ecdh(privateKey, sec1)
  if (x === undefined) throw invalidPublicKey('not a point on secp256k1')
  return x
}

/**
 * Elliptic-curve Diffie–Hellman as discovery v5 uses it: the shared point
 * privateKey × publicKey in SEC1 compressed form, `02|03 ‖ x` (the prefix is the parity
 * of y). Computed in constant time with respect to the private key.
 *
 * @param publicKey 33, 64 or 65 bytes, validated (on the curve, coordinates < p) before use.
 * @returns the 33-byte shared secret, owned by the caller.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when the public key is not a valid point.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `privateKey` is not 32 bytes with 0 < k < n.
 */
export function ecdhCompressed(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey)
  const point = secp.ecdhCompressed(privateKey, toSec1ForCall(publicKey))
  if (point === undefined) throw invalidPublicKey('not a point on secp256k1')
  return point
}
