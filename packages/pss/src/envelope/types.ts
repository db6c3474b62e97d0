/**
 * When and as what an envelope was sealed: bound into its signature, remembered by the
 * recipient's replay guard (ENCRYPTION.md, "Replays").
 */
export interface Stamp {
  /** The sender's clock when it sealed the envelope, Unix milliseconds. */
  readonly time: number
  /** `ENVELOPE_ID_BYTES` (8) random bytes. */
  readonly id: Uint8Array
}

/** What an envelope gives its recipient. Every array is owned by the caller. */
export interface Opened {
  /** The signer's 64-byte public key, when the envelope was signed (always for asymmetric). */
  readonly from?: Uint8Array
  readonly payload: Uint8Array
  /** When the sender sealed it and its random id. */
  readonly stamp: Stamp
}

/** An opened asymmetric envelope: always signed, so the sender is known. */
export interface OpenedSigned extends Opened {
  readonly from: Uint8Array
}
