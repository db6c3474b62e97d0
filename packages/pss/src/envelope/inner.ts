/**
 * The inner plaintext both envelopes encrypt (ENCRYPTION.md, "Inner plaintext"):
 * `version (1) ‖ flags (1) ‖ payload length (4, big-endian) ‖ payload ‖ signer block
 * (97: compressed public key ‖ r ‖ s, when flags bit 0 is set) ‖ random padding`.
 */
import {
  ENVELOPE_VERSION,
  INNER_HEADER_BYTES,
  MAX_ENVELOPE_PAYLOAD_BYTES,
  SIGNER_BLOCK_BYTES,
} from '../constants.js'
import { fillPadding, paddedLength } from './padding.js'

/** Flags bit 0: a signer block follows the payload. Other bits are reserved (0). */
const FLAG_SIGNED = 0x01

/** The parts of a decoded inner plaintext; views into the decrypted buffer. */
export interface Inner {
  readonly payload: Uint8Array
  readonly signer: Uint8Array | undefined
}

/**
 * Builds a padded inner plaintext.
 *
 * @throws RangeError when the payload is larger than {@link MAX_ENVELOPE_PAYLOAD_BYTES}
 *   or `padTo` is out of range.
 */
export function encodeInner(
  payload: Uint8Array,
  signer: Uint8Array | undefined,
  padTo: number | undefined,
): Uint8Array {
  if (payload.length > MAX_ENVELOPE_PAYLOAD_BYTES)
    throw new RangeError(
      `payload of ${payload.length} bytes is larger than ${MAX_ENVELOPE_PAYLOAD_BYTES}`,
    )
  const used = INNER_HEADER_BYTES + payload.length + (signer ? SIGNER_BLOCK_BYTES : 0)
  const out = new Uint8Array(paddedLength(used, padTo))
  out[0] = ENVELOPE_VERSION
  out[1] = signer ? FLAG_SIGNED : 0
  new DataView(out.buffer).setUint32(2, payload.length)
  out.set(payload, INNER_HEADER_BYTES)
  if (signer) out.set(signer, INNER_HEADER_BYTES + payload.length)
  fillPadding(out, used)
  return out
}

/**
 * Reads an inner plaintext; `undefined` for an unknown version, reserved flag bits, or a
 * length that does not fit. Any amount of padding is accepted (the sender's choice).
 */
export function decodeInner(inner: Uint8Array): Inner | undefined {
  if (inner.length < INNER_HEADER_BYTES) return undefined
  if (inner[0] !== ENVELOPE_VERSION) return undefined
  const flags = inner[1]!
  if ((flags & ~FLAG_SIGNED) !== 0) return undefined
  const length = new DataView(inner.buffer, inner.byteOffset, inner.byteLength).getUint32(2)
  const signed = (flags & FLAG_SIGNED) !== 0
  const end = INNER_HEADER_BYTES + length
  if (end + (signed ? SIGNER_BLOCK_BYTES : 0) > inner.length) return undefined
  return {
    payload: inner.subarray(INNER_HEADER_BYTES, end),
    signer: signed ? inner.subarray(end, end + SIGNER_BLOCK_BYTES) : undefined,
  }
}
