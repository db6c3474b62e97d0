import type { Clock, Logger } from '@devp2p/common'

/** Tunables of a connection; every field has a geth-like default. */
export interface ConnectionOptions {
  /** Deadline for one whole inbound message after `readMsg` starts waiting (default 30 s). */
  readTimeoutMs?: number
  /** Deadline for the peer to take an outbound frame we could not hand off (default 20 s). */
  writeTimeoutMs?: number
  /**
   * Largest inbound frame accepted (default and maximum `MAX_FRAME_BYTES`, 2^24 − 1);
   * `RlpxConnection.setMaxFrameBytes` changes it later.
   */
  maxFrameBytes?: number
  /**
   * Where failures are logged (debug level); default silent. pino or `consoleLogger`
   * from `@devp2p/common` fit.
   */
  logger?: Logger
  /**
   * Where every deadline and timer of the handshake and the connection comes from
   * (handshake, read, write, the read-timeout linger, the close flush); default
   * `systemClock`. Tests pass a fake clock to drive them without waiting.
   */
  clock?: Clock
}

/** One inbound message. `payload` is a new view owned by the caller. */
export interface RlpxMessage {
  code: number
  payload: Uint8Array
  /** Payload length after decompression. */
  size: number
  /** Bytes the frame took on the wire (header, padding and MACs included). */
  wireSize: number
}
