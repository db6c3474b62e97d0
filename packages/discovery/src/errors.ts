/**
 * Why discovery refused a packet or a request failed. One class for the whole package
 * (v4, v5, the shared table and DNS node lists); the `code` says what happened.
 *
 * Bytes from the network (v4 `decodePacket`; for v5 see below):
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
 * Bytes from the network, discovery v5 (`decodePacket`, `decryptMessage`,
 * `decodeMessage`, `acceptHandshake`):
 * - `TOO_SMALL` / `TOO_LARGE`: outside 63–1280 bytes, or a message or handshake packet
 *   with fewer than 48 bytes after the static header.
 * - `BAD_HEADER`: the unmasked static header is not discv5's (another protocol, or a
 *   packet for another node id), a flag other than 0–2, or an authdata size that does
 *   not fit the packet or its flag.
 * - `BAD_HANDSHAKE`: handshake authdata whose signature or key size is not the "v4"
 *   scheme's (64, 33), or an ephemeral key that is not a curve point.
 * - `DECRYPT_FAILED`: the message does not authenticate with the session key (for an
 *   ordinary packet: answer with WHOAREYOU), or is empty.
 * - `UNKNOWN_TYPE`: a message type other than 1–6.
 * - `MALFORMED`: the message is not strict RLP of its type's shape (extra elements
 *   included), or a field is out of range (a request id over 8 bytes, a distance over
 *   256, a port over 65535, ...).
 * - `BAD_SIGNATURE`: the handshake's id-signature does not verify.
 * - `BAD_RECORD`: the handshake's record is invalid, not its sender's, or missing when
 *   we have none.
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
 * DNS node lists (`@devp2p/discovery/dns`, EIP-1459), for text from DNS servers:
 * - `INVALID_ENTRY`: a TXT text that is not a tree entry of the expected kind: an unknown
 *   prefix, bad syntax, base32 or base64url, a hash of the wrong size, a public key not on
 *   the curve, a bad domain, or longer than `MAX_ENTRY_TEXT_CHARS`.
 * - `BAD_RECORD`: an `enr:` leaf that is not a valid, signed node record (`cause`: the
 *   `EnrError`).
 * - `BAD_SIGNATURE`: the root's signature does not verify with the tree's public key.
 * - `HASH_MISMATCH`: an entry does not hash to the subdomain it was found at.
 * - `ENTRY_NOT_FOUND`: no root at the tree's domain, or no entry at a subdomain.
 * - `UNEXPECTED_ENTRY`: an entry in the wrong place (a link in the node subtree, a node in
 *   the link subtree, a root below the root).
 * - `TREE_TOO_LARGE`: more entries than `MAX_TREE_ENTRIES` or branches nested deeper than
 *   `MAX_TREE_DEPTH`.
 * - `RESOLVE_FAILED`: the DNS query failed (server failure, refused, no network); `cause` is
 *   the resolver's error. `TIMEOUT`: no answer within `DNS_TIMEOUT_MS`.
 * - `ABORTED`: the caller's `AbortSignal` fired (`cause`: its reason).
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
  | 'BAD_HEADER'
  | 'BAD_HANDSHAKE'
  | 'DECRYPT_FAILED'
  | 'TIMEOUT'
  | 'TOO_MANY_REQUESTS'
  | 'INVALID_RESPONSE'
  | 'NOT_STARTED'
  | 'CLOSED'
  | 'INVALID_ENTRY'
  | 'HASH_MISMATCH'
  | 'ENTRY_NOT_FOUND'
  | 'UNEXPECTED_ENTRY'
  | 'TREE_TOO_LARGE'
  | 'RESOLVE_FAILED'
  | 'ABORTED'

/** The codes caused by the bytes of a packet: thrown by `decodePacket` (v4 and v5) and v5's decoders. */
export type PacketErrorCode = Extract<
  DiscoveryErrorCode,
  | 'TOO_SMALL'
  | 'TOO_LARGE'
  | 'BAD_HASH'
  | 'UNKNOWN_TYPE'
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'BAD_RECORD'
  | 'BAD_HEADER'
  | 'BAD_HANDSHAKE'
  | 'DECRYPT_FAILED'
>

/** The codes of a failed request or a service that is not running. */
export type RequestErrorCode = Extract<
  DiscoveryErrorCode,
  'TIMEOUT' | 'TOO_MANY_REQUESTS' | 'INVALID_RESPONSE' | 'NOT_STARTED' | 'CLOSED'
>

/** The codes of DNS node lists (`@devp2p/discovery/dns`): bad tree text, failed queries. */
export type DnsErrorCode = Extract<
  DiscoveryErrorCode,
  | 'INVALID_ENTRY'
  | 'BAD_RECORD'
  | 'BAD_SIGNATURE'
  | 'HASH_MISMATCH'
  | 'ENTRY_NOT_FOUND'
  | 'UNEXPECTED_ENTRY'
  | 'TREE_TOO_LARGE'
  | 'RESOLVE_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
>

const PACKET_CODES: ReadonlySet<DiscoveryErrorCode> = new Set<PacketErrorCode>([
  'TOO_SMALL',
  'TOO_LARGE',
  'BAD_HASH',
  'UNKNOWN_TYPE',
  'MALFORMED',
  'BAD_SIGNATURE',
  'BAD_RECORD',
  'BAD_HEADER',
  'BAD_HANDSHAKE',
  'DECRYPT_FAILED',
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
