/**
 * The asymmetric envelope: devp2p's ECIES to the recipient's public key, the topic as
 * ECIES shared MAC data, over the signed, padded inner plaintext (ENCRYPTION.md).
 */
import {
  CryptoError,
  decodePublicKey,
  eciesDecrypt,
  eciesEncrypt,
  isValidPrivateKey,
  publicKeyFromPrivate,
} from '@devp2p/crypto'
import { assertBytes, assertTopic } from './args.js'
import { decodeInner, encodeInner, newStamp } from './inner.js'
import { asymRecipient, KIND_ASYM, signerBlock, signingDigest, verifySigner } from './signing.js'
import type { OpenedSigned } from './types.js'

/** Arguments of {@link sealAsym}. */
export interface SealAsymOptions {
  /** The recipient's public key (64 bytes x ‖ y; 33 or 65 are accepted too). */
  readonly to: Uint8Array
  /** The sender's 32-byte private key; the recipient learns its public key. */
  readonly signer: Uint8Array
  /** The 4-byte topic; bound into the signature and the ECIES MAC. */
  readonly topic: Uint8Array
  readonly payload: Uint8Array
  /** The sender's clock now, Unix ms: the stamp's time (the recipient drops stale ones). */
  readonly time: number
  /** Pad the inner plaintext to at least this many bytes (then to the block size). */
  readonly padTo?: number
}

/**
 * Seals `payload` for `to`, signed by `signer`. The result is
 * `ECIES_OVERHEAD_BYTES` (113) + a multiple of `PADDING_BLOCK_BYTES` long.
 *
 * @returns a new array owned by the caller.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when `to` is not a valid point.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `signer` is not a valid private key, `topic` is not 4 bytes,
 *   the payload is larger than `MAX_ENVELOPE_PAYLOAD_BYTES`, `padTo` is out of range or
 *   `time` is not a non-negative integer.
 */
export function sealAsym(options: SealAsymOptions): Uint8Array {
  const { to, signer, topic, payload, padTo } = options
  assertTopic(topic)
  assertBytes(payload, 'payload')
  const recipient = decodePublicKey(to)
  const stamp = newStamp(options.time)
  const digest = signingDigest(KIND_ASYM, topic, asymRecipient(recipient), stamp, payload)
  const inner = encodeInner(stamp, payload, signerBlock(digest, signer), padTo)
  const sealed = eciesEncrypt(recipient, inner, topic)
  inner.fill(0)
  return sealed
}

/**
 * Opens an asymmetric envelope addressed to `privateKey`'s public key under `topic`.
 * Anything else — another recipient, another topic, a changed byte, a bad signature, a
 * malformed inner plaintext — is `undefined`, never an exception. The work is one ECDH,
 * one HMAC and AES-CTR over the envelope, and, for an envelope that is really ours, one
 * signature verification.
 *
 * @throws TypeError when an argument is not a `Uint8Array` (misuse, not input).
 * @throws RangeError when `privateKey` is not a valid private key or `topic` is not 4 bytes.
 */
export function openAsym(
  privateKey: Uint8Array,
  topic: Uint8Array,
  sealed: Uint8Array,
): OpenedSigned | undefined {
  assertBytes(privateKey, 'privateKey')
  if (!isValidPrivateKey(privateKey))
    throw new RangeError('privateKey must be a 32-byte secp256k1 scalar with 0 < k < n')
  assertTopic(topic)
  assertBytes(sealed, 'sealed')
  let plaintext: Uint8Array
  try {
    plaintext = eciesDecrypt(privateKey, sealed, topic)
  } catch (err) {
    if (err instanceof CryptoError) return undefined
    throw err
  }
  const inner = decodeInner(plaintext)
  if (inner?.signer === undefined) return undefined
  const self = publicKeyFromPrivate(privateKey)
  const { stamp, payload } = inner
  const digest = signingDigest(KIND_ASYM, topic, asymRecipient(self), stamp, payload)
  const from = verifySigner(digest, inner.signer)
  if (from === undefined) return undefined
  return {
    from,
    payload: new Uint8Array(payload),
    stamp: { time: stamp.time, id: new Uint8Array(stamp.id) },
  }
}
