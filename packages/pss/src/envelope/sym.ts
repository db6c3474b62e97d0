/**
 * The symmetric envelope: AES-256-GCM with a 32-byte key over the padded inner
 * plaintext, optionally signed (ENCRYPTION.md):
 * `hint (8) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`, associated data `topic ‖ hint`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto'
import {
  SYM_KEY_HINT_BYTES,
  SYM_NONCE_BYTES,
  SYM_OVERHEAD_BYTES,
  SYM_TAG_BYTES,
} from '../constants.js'
import { assertBytes, assertSymKey, assertTopic } from './args.js'
import { decodeInner, encodeInner, newStamp } from './inner.js'
import { KIND_SYM, signerBlock, signingDigest, symRecipient, verifySigner } from './signing.js'
import type { Opened } from './types.js'

/** Arguments of {@link sealSym}. */
export interface SealSymOptions {
  /** The 32-byte AES-256 key. */
  readonly key: Uint8Array
  /** The 4-byte topic; authenticated as associated data and bound into the signature. */
  readonly topic: Uint8Array
  readonly payload: Uint8Array
  /** A 32-byte private key: signs the envelope so the recipient learns `from`. */
  readonly signer?: Uint8Array
  /** The sender's clock now, Unix ms: the stamp's time (the recipient drops stale ones). */
  readonly time: number
  /** Pad the inner plaintext to at least this many bytes (then to the block size). */
  readonly padTo?: number
}

/** The key hint: the first bytes of HMAC-SHA256(key, nonce). */
function keyHint(key: Uint8Array, nonce: Uint8Array): Buffer {
  return createHmac('sha256', key).update(nonce).digest().subarray(0, SYM_KEY_HINT_BYTES)
}

function associatedData(topic: Uint8Array, hint: Uint8Array): Uint8Array {
  const out = new Uint8Array(topic.length + hint.length)
  out.set(topic)
  out.set(hint, topic.length)
  return out
}

/**
 * Seals `payload` under `key`, signed by `signer` when given. The result is
 * `SYM_OVERHEAD_BYTES` (36) + a multiple of `PADDING_BLOCK_BYTES` long.
 *
 * @returns a new array owned by the caller.
 * @throws TypeError when an argument is not a `Uint8Array`.
 * @throws RangeError when `key` is not 32 bytes, `topic` not 4, `signer` is not a valid
 *   private key, the payload is larger than `MAX_ENVELOPE_PAYLOAD_BYTES`, `padTo` is
 *   out of range or `time` is not a non-negative integer.
 */
export function sealSym(options: SealSymOptions): Uint8Array {
  const { key, topic, payload, signer, padTo } = options
  assertSymKey(key)
  assertTopic(topic)
  assertBytes(payload, 'payload')
  const stamp = newStamp(options.time)
  const block =
    signer === undefined
      ? undefined
      : signerBlock(signingDigest(KIND_SYM, topic, symRecipient(key), stamp, payload), signer)
  const inner = encodeInner(stamp, payload, block, padTo)
  const out = new Uint8Array(SYM_OVERHEAD_BYTES + inner.length)
  const nonce = out.subarray(SYM_KEY_HINT_BYTES, SYM_KEY_HINT_BYTES + SYM_NONCE_BYTES)
  randomFillSync(nonce)
  const hint = keyHint(key, nonce)
  out.set(hint)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: SYM_TAG_BYTES })
  cipher.setAAD(associatedData(topic, hint))
  const body = cipher.update(inner)
  cipher.final()
  const bodyStart = SYM_KEY_HINT_BYTES + SYM_NONCE_BYTES
  out.set(body, bodyStart)
  out.set(cipher.getAuthTag(), bodyStart + inner.length)
  inner.fill(0)
  return out
}

/**
 * Opens a symmetric envelope with `key` under `topic`. A wrong key is rejected by the
 * hint (one HMAC over 12 bytes) before any decryption; a wrong topic, a changed byte, a
 * bad signature or a malformed inner plaintext is `undefined`, never an exception.
 *
 * @returns the payload, and `from` when the envelope was signed.
 * @throws TypeError when an argument is not a `Uint8Array` (misuse, not input).
 * @throws RangeError when `key` is not 32 bytes or `topic` not 4.
 */
export function openSym(
  key: Uint8Array,
  topic: Uint8Array,
  sealed: Uint8Array,
): Opened | undefined {
  assertSymKey(key)
  assertTopic(topic)
  assertBytes(sealed, 'sealed')
  if (sealed.length < SYM_OVERHEAD_BYTES) return undefined
  const bodyStart = SYM_KEY_HINT_BYTES + SYM_NONCE_BYTES
  const tagStart = sealed.length - SYM_TAG_BYTES
  const hint = sealed.subarray(0, SYM_KEY_HINT_BYTES)
  const nonce = sealed.subarray(SYM_KEY_HINT_BYTES, bodyStart)
  if (!timingSafeEqual(keyHint(key, nonce), hint)) return undefined
  let inner: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: SYM_TAG_BYTES })
    decipher.setAAD(associatedData(topic, hint))
    decipher.setAuthTag(sealed.subarray(tagStart))
    inner = Buffer.concat([decipher.update(sealed.subarray(bodyStart, tagStart)), decipher.final()])
  } catch {
    // final() throws when the tag does not verify: altered, or another topic.
    return undefined
  }
  const parsed = decodeInner(inner)
  if (parsed === undefined) return undefined
  const payload = new Uint8Array(parsed.payload)
  const stamp = { time: parsed.stamp.time, id: new Uint8Array(parsed.stamp.id) }
  if (parsed.signer === undefined) return { payload, stamp }
  const digest = signingDigest(KIND_SYM, topic, symRecipient(key), stamp, parsed.payload)
  const from = verifySigner(digest, parsed.signer)
  if (from === undefined) return undefined
  return { from, payload, stamp }
}
