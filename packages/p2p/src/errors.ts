import { RlpError } from '@devp2p/rlp'
import { RlpxError } from '@devp2p/rlpx'

/**
 * Why a peer connection ends, as the p2p base protocol's Disconnect message carries it.
 * Values are the wire values; names follow go-ethereum's `DiscReason`s.
 */
export const DisconnectReason = {
  Requested: 0x00,
  NetworkError: 0x01,
  ProtocolError: 0x02,
  UselessPeer: 0x03,
  TooManyPeers: 0x04,
  AlreadyConnected: 0x05,
  IncompatibleVersion: 0x06,
  InvalidIdentity: 0x07,
  Quitting: 0x08,
  UnexpectedIdentity: 0x09,
  Self: 0x0a,
  ReadTimeout: 0x0b,
  SubprotocolError: 0x10,
  /** Not a wire value: what an unknown or malformed reason from a peer decodes to. */
  Invalid: 0xff,
} as const

/** One of the {@link DisconnectReason} values. */
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason]

const REASON_TEXT: Readonly<Record<number, string>> = {
  0: 'disconnect requested',
  1: 'network error',
  2: 'breach of protocol',
  3: 'useless peer',
  4: 'too many peers',
  5: 'already connected',
  6: 'incompatible p2p protocol version',
  7: 'invalid node identity',
  8: 'client quitting',
  9: 'unexpected identity',
  10: 'connected to self',
  11: 'read timeout',
  16: 'subprotocol error',
  255: 'invalid disconnect reason',
}

/** The text geth prints for a reason, e.g. `too many peers`. */
export function disconnectReasonText(reason: DisconnectReason): string {
  return REASON_TEXT[reason] ?? REASON_TEXT[DisconnectReason.Invalid]!
}

/**
 * A wire value as a {@link DisconnectReason}: any value outside the known set (a crafted
 * or future reason) becomes `Invalid`, never an exception.
 */
export function toDisconnectReason(value: number): DisconnectReason {
  return Number.isInteger(value) && value !== 0xff && REASON_TEXT[value] !== undefined
    ? (value as DisconnectReason)
    : DisconnectReason.Invalid
}

/**
 * Why a p2p operation failed (the README has them in a table).
 *
 * - `REMOTE_DISCONNECT`: the peer sent Disconnect; `reason` is theirs.
 * - `LOCAL_DISCONNECT`: we ended the connection (a limit, a check, `disconnect()`,
 *   `stop()`, or a protocol's `run` that returned or threw, the error as `cause`);
 *   `reason` is the one we sent.
 * - `PROTOCOL_BREACH`: the peer broke the base protocol (a malformed base message, a
 *   message code outside every capability range, a second Hello).
 * - `INVALID_HELLO`: the peer's Hello is malformed or too large.
 * - `PING_FLOOD`: the peer kept sending Pings past the rate we answer
 *   (`PING_FLOOD_MAX` per `PING_RATE_WINDOW_MS`); dropped with "breach of protocol".
 * - `PEER_CLOSED`: a read or write on a peer that has already dropped.
 * - `TIMEOUT`: {@link expectMsg}'s `signal` timed out (its reason a `TimeoutError`, as
 *   from `AbortSignal.timeout` or `timeoutSignal`), or a dial did not finish in time.
 * - `UNEXPECTED_MESSAGE`: {@link expectMsg} got another code or content.
 * - `DIAL_FAILED`: a TCP connection could not be opened.
 * - `NOT_RUNNING`: the server is not started (or already stopped).
 * - `EVENTS_OVERFLOW`: a `subscribeEvents` subscriber fell more than
 *   `MAX_SUBSCRIBER_BACKLOG` events behind and was ended.
 */
export type P2pErrorCode =
  | 'REMOTE_DISCONNECT'
  | 'LOCAL_DISCONNECT'
  | 'PROTOCOL_BREACH'
  | 'INVALID_HELLO'
  | 'PING_FLOOD'
  | 'PEER_CLOSED'
  | 'TIMEOUT'
  | 'UNEXPECTED_MESSAGE'
  | 'DIAL_FAILED'
  | 'NOT_RUNNING'
  | 'EVENTS_OVERFLOW'

/**
 * Codes that mark how a connection ended, not a failure in someone's code: made several
 * times for every connection, with a stack that would only show our read loop. They
 * carry no stack trace (capturing one cost about 20 µs each, 2.6 % of a connection's
 * setup and teardown); `message`, `code`, `reason` and `cause` say what happened.
 */
const NO_STACK: ReadonlySet<P2pErrorCode> = new Set<P2pErrorCode>([
  'REMOTE_DISCONNECT',
  'LOCAL_DISCONNECT',
  'PEER_CLOSED',
])

/** The error class of `@devp2p/p2p`; `code` says why, `reason` what goes on the wire. */
export class P2pError extends Error {
  override readonly name = 'P2pError'
  readonly code: P2pErrorCode
  /** For disconnects: the reason sent or received. */
  readonly reason: DisconnectReason | undefined

  constructor(
    code: P2pErrorCode,
    message: string,
    options: { reason?: DisconnectReason; cause?: unknown } = {},
  ) {
    const limit = Error.stackTraceLimit
    if (NO_STACK.has(code)) Error.stackTraceLimit = 0
    try {
      super(message, options.cause === undefined ? undefined : { cause: options.cause })
    } finally {
      Error.stackTraceLimit = limit
    }
    this.code = code
    this.reason = options.reason
  }

  /** A local disconnect with `reason`, its message geth's text for it. */
  static local(reason: DisconnectReason, detail?: string, cause?: unknown): P2pError {
    const text = disconnectReasonText(reason)
    return new P2pError('LOCAL_DISCONNECT', detail === undefined ? text : `${text}: ${detail}`, {
      reason,
      cause,
    })
  }
}

const RLPX_BREACH = new Set<string>([
  'MAC_MISMATCH',
  'FRAME_TOO_LARGE',
  'INVALID_MESSAGE_CODE',
  'SNAPPY_TOO_LARGE',
  'SNAPPY_INVALID',
])

/**
 * The one mapping from an error to the Disconnect reason we send for it:
 * - a {@link P2pError} carrying a reason → that reason; `PROTOCOL_BREACH` and
 *   `INVALID_HELLO` → protocol error;
 * - an `RlpError` (a message that does not decode) → protocol error;
 * - an `RlpxError`: a read timeout → read timeout; a bad MAC, frame or snappy block →
 *   protocol error; anything else (socket closed or failed) → network error;
 * - anything else (a sub-protocol's own failure) → subprotocol error.
 */
export function disconnectReasonFor(error: unknown): DisconnectReason {
  if (error instanceof P2pError) {
    if (error.reason !== undefined) return error.reason
    if (error.code === 'PROTOCOL_BREACH' || error.code === 'INVALID_HELLO')
      return DisconnectReason.ProtocolError
    if (error.code === 'PEER_CLOSED') return DisconnectReason.NetworkError
    return DisconnectReason.SubprotocolError
  }
  if (error instanceof RlpError) return DisconnectReason.ProtocolError
  if (error instanceof RlpxError) {
    if (error.code === 'READ_TIMEOUT') return DisconnectReason.ReadTimeout
    if (RLPX_BREACH.has(error.code)) return DisconnectReason.ProtocolError
    return DisconnectReason.NetworkError
  }
  return DisconnectReason.SubprotocolError
}

/**
 * Why a peer dropped, as a typed error: a {@link P2pError} or an `RlpxError` as it is;
 * anything else (a protocol's own failure, a decode error) becomes a `LOCAL_DISCONNECT`
 * with the reason {@link disconnectReasonFor} gives it, the original as `cause`.
 */
export function toPeerError(error: unknown): P2pError | RlpxError {
  if (error instanceof P2pError || error instanceof RlpxError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return P2pError.local(disconnectReasonFor(error), detail, error)
}
