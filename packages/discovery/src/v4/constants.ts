/**
 * Limits, timeouts and fixed values of discovery v4 (devp2p discv4.md, EIP-8, EIP-868),
 * with go-ethereum's choices where the spec leaves one open. The table's, the lookups'
 * and the maintenance's are in `../kad/constants.ts`.
 */

/** The largest packet anyone may send or we accept, in bytes (discv4.md "Wire Protocol"). */
export const MAX_PACKET_BYTES = 1280

/** hash(32) ‖ signature(65): what precedes the packet type. */
export const HEADER_BYTES = 97

/** The smallest packet that can be one: the header and the packet-type byte. */
export const MIN_PACKET_BYTES = HEADER_BYTES + 1

/** Neighbors entries per packet (geth: what fits in 1280 bytes with IPv6 addresses). */
export const MAX_NEIGHBORS_PER_PACKET = 12

/** Seconds from now to the `expiration` of a packet we send (geth: 20 s). */
export const EXPIRATION_S = 20

/** The `version` field of the Ping we send. Receivers ignore a different value (EIP-8). */
export const PROTOCOL_VERSION = 4

/** The packet-type byte of each packet. */
export const PACKET_TYPES = {
  ping: 0x01,
  pong: 0x02,
  findnode: 0x03,
  neighbors: 0x04,
  enrrequest: 0x05,
  enrresponse: 0x06,
} as const

/** The UDP listen address when none is given. */
export const DEFAULT_LISTEN_ADDR = ':30303'

/** How long we wait for a reply to a request (geth: 500 ms). */
export const RESPONSE_TIMEOUT_MS = 500
/** A Pong from a node proves its endpoint for this long (geth: 24 h; the spec says 12 h). */
export const BOND_EXPIRATION_MS = 24 * 3600_000
/**
 * (node id, IP) pairs whose bond times are cached; the least recently written (loaded, or
 * a Ping or Pong recorded) go first: a read does not reorder.
 */
export const BOND_CACHE_MAX_ENTRIES = 10_000

/** Requests awaiting replies, at most. */
export const MAX_PENDING_REPLIES = 2048
/** Pings back to new senders (their endpoint proof) awaiting Pongs, at most: half the pending slots. */
export const MAX_PING_BACKS_IN_FLIGHT = MAX_PENDING_REPLIES / 2
/** Incoming requests (Ping, FindNode, ENRRequest) being handled at once; beyond it they are dropped. */
export const MAX_HANDLERS_IN_FLIGHT = 1024

/** Replies we send per window to one IP that has no bond with us. */
export const UNBONDED_RATE_PER_IP = 10
/** The window of {@link UNBONDED_RATE_PER_IP}. */
export const UNBONDED_RATE_WINDOW_MS = 1000
/** IPs whose window we remember; beyond it the oldest window is forgotten first. */
export const UNBONDED_RATE_MAX_IPS = 10_000
