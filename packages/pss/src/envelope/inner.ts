/**
 * The inner plaintext both envelopes encrypt (ENCRYPTION.md, "Inner plaintext"):
 * `version (1) ‖ flags (1) ‖ time (8) ‖ id (8) ‖ payload length (4) ‖ payload ‖ signer
 * block (97: compressed public key ‖ r ‖ s, when flags bit 0 is set) ‖ random padding`.
 */
import { randomBytes } from 'node:crypto'
import {
  ENVELOPE_ID_BYTES,
  ENVELOPE_VERSION,
  INNER_HEADER_BYTES,
  MAX_ENVELOPE_PAYLOAD_BYTES,
  SIGNER_BLOCK_BYTES,
} from '../constants.js'
import { fillPadding, paddedLength } from './padding.js'
import type { Stamp } from './types.js'

/** Flags bit 0: a signer block follows the payload. Other bits are reserved (0). */
const FLAG_SIGNED = 0x01
const TIME_OFFSET = 2
const ID_OFFSET = TIME_OFFSET + 8
const LENGTH_OFFSET = ID_OFFSET + ENVELOPE_ID_BYTES

/** The parts of a decoded inner plaintext; views into the decrypted buffer. */
export interface Inner {
  readonly stamp: Stamp
  readonly payload: Uint8Array
  readonly signer: Uint8Array | undefined
}

/**
 * A new stamp for an envelope sealed at `time` (Unix ms), with a random id.
 *
 * @throws RangeError when `time` is not a non-negative safe integer.
 */
export function newStamp(time: number): Stamp {
  if (!Number.isSafeInteger(time) || time < 0)
    throw new RangeError(`time must be a non-negative integer (Unix ms), got ${time}`)
  return { time, id: new Uint8Array(randomBytes(ENVELOPE_ID_BYTES)) }
}

/**
 * Builds a padded inner plaintext.
 *
 * @throws RangeError when the payload is larger than {@link MAX_ENVELOPE_PAYLOAD_BYTES}
 *   or `padTo` is out of range.
 */
export function encodeInner(
  stamp: Stamp,
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
  const view = new DataView(out.buffer)
  out[0] = ENVELOPE_VERSION
  out[1] = signer ? FLAG_SIGNED : 0
  view.setBigUint64(TIME_OFFSET, BigInt(stamp.time))
  out.set(stamp.id, ID_OFFSET)
  view.setUint32(LENGTH_OFFSET, payload.length)
  out.set(payload, INNER_HEADER_BYTES)
  if (signer) out.set(signer, INNER_HEADER_BYTES + payload.length)
  fillPadding(out, used)
  return out
}

/**
 * Reads an inner plaintext; `undefined` for an unknown version, reserved flag bits, a
 * time beyond `Number.MAX_SAFE_INTEGER` or a length that does not fit. Any amount of
 * padding is accepted (the sender's choice).
 */
export function decodeInner(inner: Uint8Array): Inner | undefined {
  if (inner.length < INNER_HEADER_BYTES) return undefined
  if (inner[0] !== ENVELOPE_VERSION) return undefined
  const flags = inner[1]!
  if ((flags & ~FLAG_SIGNED) !== 0) return undefined
  const view = new DataView(inner.buffer, inner.byteOffset, inner.byteLength)
  const time = view.getBigUint64(TIME_OFFSET)
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  const length = view.getUint32(LENGTH_OFFSET)
  const signed = (flags & FLAG_SIGNED) !== 0
  const end = INNER_HEADER_BYTES + length
  if (end + (signed ? SIGNER_BLOCK_BYTES : 0) > inner.length) return undefined
  return {
    stamp: { time: Number(time), id: inner.subarray(ID_OFFSET, LENGTH_OFFSET) },
    payload: inner.subarray(INNER_HEADER_BYTES, end),
    signer: signed ? inner.subarray(end, end + SIGNER_BLOCK_BYTES) : undefined,
  }
}
