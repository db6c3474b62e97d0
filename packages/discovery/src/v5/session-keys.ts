/**
 * The cryptography of the discv5 handshake (discv5-theory.md "Handshake Steps", "v4"
 * identity scheme): session keys from the ECDH secret, and the id-signature that proves
 * the initiator holds its node key. Pure functions, no I/O.
 */
import { hkdfSha256, sha256, sign, verify } from '@devp2p/crypto'
import {
  EPHEMERAL_KEY_BYTES,
  ID_PROOF_TEXT,
  ID_SIGNATURE_BYTES,
  KEY_AGREEMENT_TEXT,
  NODE_ID_BYTES,
  SESSION_KEY_BYTES,
} from './constants.js'

const KEY_AGREEMENT = new TextEncoder().encode(KEY_AGREEMENT_TEXT)
const ID_PROOF = new TextEncoder().encode(ID_PROOF_TEXT)

/** The two keys of a session; each side writes with one and reads with the other. */
export interface SessionKeys {
  /** Seals what the initiator (who answered the WHOAREYOU) sends. */
  readonly initiatorKey: Uint8Array
  /** Seals what the recipient (who sent the WHOAREYOU) sends. */
  readonly recipientKey: Uint8Array
}

function checkId(name: string, id: Uint8Array): void {
  if (!(id instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (id.length !== NODE_ID_BYTES) throw new RangeError(`${name} must be ${NODE_ID_BYTES} bytes`)
}

/**
 * The session keys: HKDF-SHA256 with the ECDH secret as input, the challenge data as
 * salt and `"discovery v5 key agreement" ‖ initiator-id ‖ recipient-id` as info; the
 * first 16 bytes are the initiator key, the next 16 the recipient key.
 *
 * @param secret the 33-byte compressed ECDH point (`ecdhCompressed` of @devp2p/crypto).
 * @param challengeData masking-iv ‖ header of the WHOAREYOU.
 * @throws {RangeError} when an id is not 32 bytes.
 * @throws {TypeError} when an argument is not a `Uint8Array`.
 */
export function deriveSessionKeys(
  secret: Uint8Array,
  initiatorId: Uint8Array,
  recipientId: Uint8Array,
  challengeData: Uint8Array,
): SessionKeys {
  checkId('initiatorId', initiatorId)
  checkId('recipientId', recipientId)
  const info = new Uint8Array(KEY_AGREEMENT.length + 2 * NODE_ID_BYTES)
  info.set(KEY_AGREEMENT)
  info.set(initiatorId, KEY_AGREEMENT.length)
  info.set(recipientId, KEY_AGREEMENT.length + NODE_ID_BYTES)
  const keys = hkdfSha256(secret, challengeData, info, 2 * SESSION_KEY_BYTES)
  return {
    initiatorKey: keys.subarray(0, SESSION_KEY_BYTES),
    recipientKey: keys.subarray(SESSION_KEY_BYTES),
  }
}

/** sha256("discovery v5 identity proof" ‖ challenge-data ‖ ephemeral-pubkey ‖ dest-id). */
function idProofDigest(
  challengeData: Uint8Array,
  ephemeralPubkey: Uint8Array,
  destId: Uint8Array,
): Uint8Array {
  checkId('destId', destId)
  const input = new Uint8Array(
    ID_PROOF.length + challengeData.length + ephemeralPubkey.length + NODE_ID_BYTES,
  )
  input.set(ID_PROOF)
  input.set(challengeData, ID_PROOF.length)
  input.set(ephemeralPubkey, ID_PROOF.length + challengeData.length)
  input.set(destId, ID_PROOF.length + challengeData.length + ephemeralPubkey.length)
  return sha256(input)
}

/**
 * The initiator's id-signature: its node key signs sha256("discovery v5 identity proof"
 * ‖ challenge-data ‖ ephemeral-pubkey ‖ dest-id), deterministically (RFC 6979).
 *
 * @param destId the node id of the challenger (the WHOAREYOU's sender).
 * @returns 64 bytes r ‖ s (low s), a new array.
 * @throws {RangeError} when the key is not a valid private key or `destId` not 32 bytes.
 * @throws {TypeError} when an argument is not a `Uint8Array`.
 */
export function signIdNonce(
  privateKey: Uint8Array,
  challengeData: Uint8Array,
  ephemeralPubkey: Uint8Array,
  destId: Uint8Array,
): Uint8Array {
  const digest = idProofDigest(challengeData, ephemeralPubkey, destId)
  return sign(digest, privateKey).slice(0, ID_SIGNATURE_BYTES)
}

/**
 * Checks an id-signature (see {@link signIdNonce}) against the initiator's public key,
 * low s only (as geth).
 *
 * @param publicKey the initiator's key from its record (33, 64 or 65 bytes).
 * @returns whether it verifies; `false` also for a signature that is not 64 bytes.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when `publicKey` is not a valid point.
 */
export function verifyIdSignature(
  publicKey: Uint8Array,
  signature: Uint8Array,
  challengeData: Uint8Array,
  ephemeralPubkey: Uint8Array,
  destId: Uint8Array,
): boolean {
  if (signature.length !== ID_SIGNATURE_BYTES || ephemeralPubkey.length !== EPHEMERAL_KEY_BYTES) {
    return false
  }
  return verify(idProofDigest(challengeData, ephemeralPubkey, destId), signature, publicKey)
}
