/**
 * The connection under a {@link Peer}: an encrypted, framed message pipe, as geth's
 * `transport`. The RLPx connection of `@devp2p/rlpx` (the default, made by the RLPx
 * handshake) is one as it is; a test can hand a `Peer` an in-memory one instead.
 *
 * Only what a running peer and {@link sendDisconnect} use is here: Hello, snappy and
 * frame limits belong to connection setup.
 */
export interface Transport {
  /**
   * The next message, in order; codes are absolute (base protocol 0x00–0x0f, then the
   * capabilities' ranges). One read at a time: the peer awaits each before the next.
   * @throws whatever ended the connection (`RlpxError` for RLPx: `READ_TIMEOUT`,
   *   `CONNECTION_CLOSED`, `MAC_MISMATCH`, …); the peer drops with it.
   */
  readMsg(): Promise<TransportMsg>
  /**
   * Sends one message; resolves once the connection took it (backpressure). Calls are
   * sent in the order they are made.
   * @throws on rejection: the connection failed; the peer drops with the error.
   */
  writeMsg(code: number, payload: Uint8Array): Promise<void>
  /**
   * Whether a write can still go out. After a read timeout RLPx keeps writes open so the
   * peer can send Disconnect "read timeout"; after any other failure it is false.
   */
  readonly writable: boolean
  /** Closes the connection; idempotent; resolves once it is closed. */
  close(): Promise<void>
}

/** One message read from a {@link Transport}. The reader owns `payload`. */
export interface TransportMsg {
  readonly code: number
  readonly payload: Uint8Array
}
