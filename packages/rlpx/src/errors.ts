import { RAW_MSG_MAX_BYTES } from './constants.js'

/**
 * Why an RLPx operation failed. Every code is caused by the remote peer, the network or
 * the clock, never by a programming mistake; misuse (wrong argument types, a message
 * that is too large to send) throws `TypeError` or `RangeError` instead.
 *
 * - `HANDSHAKE_TIMEOUT`: the auth/ack exchange did not finish within its deadline.
 * - `ABORTED`: the caller's `AbortSignal` fired.
 * - `HANDSHAKE_TOO_LARGE`: an auth or ack size prefix announces more than
 *   `MAX_HANDSHAKE_PACKET_BYTES`; nothing more was read.
 * - `HANDSHAKE_DECRYPT_FAILED`: the ECIES layer of an auth or ack did not verify or
 *   was too short.
 * - `INVALID_HANDSHAKE`: an auth or ack decrypted but its content is malformed.
 * - `INVALID_PUBLIC_KEY`: a public key from the peer is not a valid secp256k1 point.
 * - `INVALID_SIGNATURE`: the auth signature recovers no key.
 * - `UNEXPECTED_IDENTITY`: (reserved for callers) the peer is not the expected node.
 * - `CONNECTION_CLOSED`: the connection was closed, locally or by the peer at a frame
 *   boundary.
 * - `UNEXPECTED_EOF`: the stream ended or was reset in the middle of a packet or frame.
 * - `SOCKET_ERROR`: the underlying stream failed (see `cause`).
 * - `READ_TIMEOUT` / `WRITE_TIMEOUT`: no whole message arrived, or the peer did not
 *   accept our bytes, within the deadline.
 * - `MAC_MISMATCH`: a header-mac or frame-mac did not verify; nothing was decrypted.
 * - `FRAME_TOO_LARGE`: a frame header announces more than the configured maximum.
 * - `INVALID_MESSAGE_CODE`: a frame does not start with a canonical RLP integer.
 * - `SNAPPY_TOO_LARGE`: a compressed message declares a decoded size over the limit.
 * - `SNAPPY_INVALID`: a compressed message does not decompress. Raised by `readMsg`, the
 *   error carries the message as it came off the wire in {@link RlpxError.rawMsg}.
 */
export type RlpxErrorCode =
  | 'HANDSHAKE_TIMEOUT'
  | 'ABORTED'
  | 'HANDSHAKE_TOO_LARGE'
  | 'HANDSHAKE_DECRYPT_FAILED'
  | 'INVALID_HANDSHAKE'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_SIGNATURE'
  | 'UNEXPECTED_IDENTITY'
  | 'CONNECTION_CLOSED'
  | 'UNEXPECTED_EOF'
  | 'SOCKET_ERROR'
  | 'READ_TIMEOUT'
  | 'WRITE_TIMEOUT'
  | 'MAC_MISMATCH'
  | 'FRAME_TOO_LARGE'
  | 'INVALID_MESSAGE_CODE'
  | 'SNAPPY_TOO_LARGE'
  | 'SNAPPY_INVALID'

/**
 * The one error class of `@devp2p/rlpx`. Bad input from the network always ends as an
 * `RlpxError` (the connection is destroyed first); `code` says why.
 *
 * @example
 * ```ts
 * try {
 *   await conn.readMsg()
 * } catch (err) {
 *   if (err instanceof RlpxError) log.debug({ code: err.code }, 'peer dropped')
 *   else throw err
 * }
 * ```
 */
export class RlpxError extends Error {
  override readonly name = 'RlpxError'
  readonly code: RlpxErrorCode
  /**
   * Set only on a `SNAPPY_INVALID` from `readMsg` whose payload is at most
   * `RAW_MSG_MAX_BYTES` (64) bytes: the message that did not decompress, as it was
   * decrypted (`payload` is the caller's copy). A larger payload is left off, so that a
   * peer cannot pin up to 16 MiB in an error that outlives its connection (a Disconnect
   * is at most 3 bytes). The connection has failed all
   * the same; this is for a caller that knows a peer's quirk. `@ethereumjs/devp2p` sends
   * its Disconnect (code 0x01) uncompressed after Hello, against EIP-706, so
   * `@devp2p/p2p` reads the peer's reason from here. rlpx itself gives no message code a
   * meaning.
   */
  readonly rawMsg?: { code: number; payload: Uint8Array }

  constructor(
    code: RlpxErrorCode,
    message: string,
    options?: { cause?: unknown; rawMsg?: { code: number; payload: Uint8Array } },
  ) {
    super(message, options)
    this.code = code
    if (options?.rawMsg !== undefined) this.rawMsg = options.rawMsg
  }
}

/**
 * A `SNAPPY_INVALID` error with the message that did not decompress attached (see
 * {@link RlpxError.rawMsg}): a caller may know what a peer meant by it (p2p: the
 * Disconnect @ethereumjs/devp2p sends uncompressed). Other errors, and a payload over
 * `RAW_MSG_MAX_BYTES`, pass unchanged.
 */
export function withRawMsg(err: unknown, code: number, payload: Uint8Array): unknown {
  if (!(err instanceof RlpxError) || err.code !== 'SNAPPY_INVALID') return err
  // bounded: a copy of at most RAW_MSG_MAX_BYTES outlives the connection
  if (payload.length > RAW_MSG_MAX_BYTES) return err
  return new RlpxError('SNAPPY_INVALID', err.message, {
    cause: err.cause,
    // out of the memory it was decrypted into, which the next frame reuses
    rawMsg: { code, payload: payload.slice() },
  })
}

/**
 * The `CONNECTION_CLOSED` error of a local close, made without capturing a stack trace:
 * the normal end of a connection, where the trace says nothing and costs more than the
 * rest of close().
 */
export function closedLocallyError(): RlpxError {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new RlpxError('CONNECTION_CLOSED', 'connection closed locally')
  } finally {
    Error.stackTraceLimit = limit
  }
}
