/**
 * Why discovery refused a packet or a request failed. One class for the whole package
 * (v4 and the shared table); the `code` says what happened.
 *
 * Bytes from the network (`decodePacket`):
 * - `TOO_SMALL`: fewer than 98 bytes (hash, signature and type); nothing was hashed.
 * - `TOO_LARGE`: more than 1280 bytes; nothing was hashed.
 * - `BAD_HASH`: the first 32 bytes are not keccak256 of the rest. Not a discv4 packet
 *   (e.g. discv5 on a shared port, or corruption).
 * - `UNKNOWN_TYPE`: a packet-type byte other than 1–6.
 * - `MALFORMED`: the packet data is not RLP, or not the packet's list shape (a missing
 *   field, a port above 65535, a target that is not 64 bytes, ...). The `cause` is the
 *   `RlpError` when there is one.
 * - `BAD_SIGNATURE`: no public key recovers from the signature.
 * - `BAD_RECORD`: (ENRResponse) the node record is invalid, or not the record of the
 *   node that signed the packet.
 *
 * Requests (`ping`, `requestEnr`, lookups' FindNode) and the service's lifecycle:
 * - `TIMEOUT`: no (complete) reply within `RESPONSE_TIMEOUT_MS`.
 * - `TOO_MANY_REQUESTS`: `MAX_PENDING_REPLIES` replies are awaited already; the request
 *   was refused at once (a Ping is then neither signed nor sent).
 * - `INVALID_RESPONSE`: the reply does not fit the request (an ENRResponse with another
 *   node's record).
 * - `NOT_STARTED`: the service was used before `start()` resolved.
 * - `CLOSED`: the service was stopped (before or while the request ran), or `start()`
 *   was called after `stop()`.
 *
 * Misuse of an argument (a packet we cannot encode, a target of the wrong length) throws
 * `TypeError` or `RangeError` instead.
 */
export type DiscoveryErrorCode =
  | 'TOO_SMALL'
  | 'TOO_LARGE'
  | 'BAD_HASH'
  | 'UNKNOWN_TYPE'
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'BAD_RECORD'
  | 'TIMEOUT'
  | 'TOO_MANY_REQUESTS'
  | 'INVALID_RESPONSE'
  | 'NOT_STARTED'
  | 'CLOSED'

/** The codes caused by the bytes of a packet: thrown by `decodePacket`. */
export type PacketErrorCode = Extract<
  DiscoveryErrorCode,
  | 'TOO_SMALL'
  | 'TOO_LARGE'
  | 'BAD_HASH'
  | 'UNKNOWN_TYPE'
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'BAD_RECORD'
>

/** The codes of a failed request or a service that is not running. */
export type RequestErrorCode = Exclude<DiscoveryErrorCode, PacketErrorCode>

const PACKET_CODES: ReadonlySet<DiscoveryErrorCode> = new Set<PacketErrorCode>([
  'TOO_SMALL',
  'TOO_LARGE',
  'BAD_HASH',
  'UNKNOWN_TYPE',
  'MALFORMED',
  'BAD_SIGNATURE',
  'BAD_RECORD',
])

/**
 * The one error class of @devp2p/discovery. Input from the network is never a crash:
 * catch it, drop the packet, and count or log `code`.
 *
 * @example
 * ```ts
 * try {
 *   decoded = decodePacket(datagram)
 * } catch (err) {
 *   if (err instanceof DiscoveryError) stats.invalid[err.code]++
 *   else throw err
 * }
 * ```
 */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError'
  readonly code: DiscoveryErrorCode

  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    if (PACKET_CODES.has(code)) {
      // No stack trace for bad packets: they describe bytes from the network, always come
      // from decodePacket, and capturing a stack costs more than the checks that reject junk.
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      super(message, options)
      Error.stackTraceLimit = limit
    } else {
      super(message, options)
    }
    this.code = code
  }
}
