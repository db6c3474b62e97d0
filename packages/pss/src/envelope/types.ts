/** What an envelope gives its recipient. Both arrays are owned by the caller. */
export interface Opened {
  /** The signer's 64-byte public key, when the envelope was signed (always for asymmetric). */
  readonly from?: Uint8Array
  readonly payload: Uint8Array
}

/** An opened asymmetric envelope: always signed, so the sender is known. */
export interface OpenedSigned extends Opened {
  readonly from: Uint8Array
}
