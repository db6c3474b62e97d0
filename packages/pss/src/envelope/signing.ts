/**
 * What an envelope's signature covers (ENCRYPTION.md, "Signature"): the payload bound to
 * the topic, the envelope kind, the recipient and the stamp, so a signed message cannot
 * be replayed under another topic, re-encrypted to someone else as if the signer had
 * sent it there, or given a new time to outlive the recipient's replay guard.
 */
import {
  COMPACT_SIGNATURE_BYTES,
  COMPRESSED_PUBLIC_KEY_BYTES,
  CryptoError,
  decodePublicKey,
  KeccakState,
  keccak256,
  publicKeyFromPrivate,
  sign,
  verify,
} from '@devp2p/crypto'
import { SIGNER_BLOCK_BYTES } from '../constants.js'
import type { Stamp } from './types.js'

const encoder = new TextEncoder()

/** Domain separation: these digests are never valid signatures of anything else. */
const SIGNING_DOMAIN = encoder.encode('pss-envelope-v2')
/** Prefix of the symmetric key's binding, so the binding is not keccak256(key) itself. */
const SYM_BINDING_DOMAIN = encoder.encode('pss-sym-recipient')

/** The envelope kinds, as the byte after the domain. */
export const KIND_ASYM = 1
export const KIND_SYM = 2

/** The recipient binding of an asymmetric envelope: keccak256 of the 64-byte public key. */
export function asymRecipient(publicKey64: Uint8Array): Uint8Array {
  return keccak256(publicKey64)
}

/** The recipient binding of a symmetric envelope: keccak256("pss-sym-recipient" ‖ key). */
export function symRecipient(key: Uint8Array): Uint8Array {
  return new KeccakState().update(SYM_BINDING_DOMAIN).update(key).digest()
}

/**
 * keccak256("pss-envelope-v2" ‖ kind ‖ topic (4) ‖ recipient (32) ‖ time (8) ‖ id (8) ‖
 * payload).
 */
export function signingDigest(
  kind: number,
  topic: Uint8Array,
  recipient: Uint8Array,
  stamp: Stamp,
  payload: Uint8Array,
): Uint8Array {
  const time = new Uint8Array(8)
  new DataView(time.buffer).setBigUint64(0, BigInt(stamp.time))
  return new KeccakState()
    .update(SIGNING_DOMAIN)
    .update(Uint8Array.of(kind))
    .update(topic)
    .update(recipient)
    .update(time)
    .update(stamp.id)
    .update(payload)
    .digest()
}

/**
 * The signer block: the signer's compressed public key ‖ r ‖ s over `digest`.
 *
 * @throws RangeError when `signer` is not a valid private key.
 */
export function signerBlock(digest: Uint8Array, signer: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNER_BLOCK_BYTES)
  out.set(publicKeyFromPrivate(signer, { compressed: true }))
  out.set(sign(digest, signer).subarray(0, COMPACT_SIGNATURE_BYTES), COMPRESSED_PUBLIC_KEY_BYTES)
  return out
}

/**
 * The signer's 64-byte public key when the block's signature verifies for `digest`
 * (low s only), else `undefined`: an invalid key or a signature over anything else.
 */
export function verifySigner(digest: Uint8Array, block: Uint8Array): Uint8Array | undefined {
  const key = block.subarray(0, COMPRESSED_PUBLIC_KEY_BYTES)
  try {
    if (!verify(digest, block.subarray(COMPRESSED_PUBLIC_KEY_BYTES), key)) return undefined
    return decodePublicKey(key)
  } catch (err) {
    if (err instanceof CryptoError) return undefined
    throw err
  }
}
