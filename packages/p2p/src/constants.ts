/**
 * The package's limits, timeouts and defaults, in one place (docs/LIMITS.md lists them
 * under the same names).
 */

// ---- server, dialing, inbound ------------------------------------------------------

/** Our client name as Hello sends it, unless the `name` option says otherwise. */
export const DEFAULT_CLIENT_NAME = 'devp2p-ts'
/** Where the server listens unless `listenAddr` says otherwise (every address). */
export const DEFAULT_LISTEN_ADDR = ':30303'
/** Most peers at once, trusted ones not counted (geth: 50 in its default config). */
export const DEFAULT_MAX_PEERS = 50
/** Handshakes in progress at most, per direction (geth: 50). */
export const DEFAULT_MAX_PENDING_PEERS = 50
/** geth's default DialRatio: a third of the peers may be dialed by us. */
export const DEFAULT_DIAL_RATIO = 3
/**
 * When a protocol has `wantsPeer`, `reservedPeers` defaults to maxPeers / this (a fifth):
 * the last slots are kept for the peers it wants (pss's simulation: 5 of 25 took delivery
 * under churn from 96 % to 100 %).
 */
export const RESERVED_PEERS_DIVISOR = 5
/** The encryption handshake and the Hello exchange each get this long (geth: 5 s). */
export const HANDSHAKE_TIMEOUT_MS = 5_000
/** TCP connect deadline for a dial (geth: 15 s). */
export const DIAL_TIMEOUT_MS = 15_000
/** An IP may connect to us once per this long, unless it is on the LAN (geth: 30 s). */
export const INBOUND_THROTTLE_MS = 30_000
/** Remote IPs the inbound throttle remembers at most; the ones closest to expiry go first. */
export const INBOUND_THROTTLE_MAX_IPS = 10_000
/** Peer events buffered per `subscribeEvents` subscriber before it is ended. */
export const MAX_SUBSCRIBER_BACKLOG = 4096

/** A node is not dialed again within this long of the last attempt (geth: 35 s). */
export const DIAL_HISTORY_MS = 35_000
/** Node ids the dial history remembers at most (the oldest go first). */
export const DIAL_HISTORY_MAX_IDS = 4096
/** First wait after a static node's host name failed to resolve (geth: 60 s). */
export const RESOLVE_BACKOFF_MIN_MS = 60_000
/** Longest wait between resolve attempts (geth: 1 h). */
export const RESOLVE_BACKOFF_MAX_MS = 3_600_000

/**
 * Inbound handshakes in progress from one remote IP at most (LAN and loopback included).
 * Its further connections wait, even while other slots are free, so one address cannot
 * take every pending slot.
 */
export const MAX_PENDING_PER_IP = 8
/**
 * Inbound connections waiting for a slot from one remote IP at most (LAN and loopback
 * included); a connection beyond it is closed at once.
 */
export const MAX_WAITING_PER_IP = 32
/**
 * Inbound connections waiting for a slot at most, all IPs together. When it is full, a
 * new connection takes the place of the oldest waiter of the IP with the most waiters.
 */
export const MAX_WAITING_INBOUND = 128

// ── peer, ping, messages ────────────────────────────────────────────────────────────

/** The p2p base protocol version we speak (snappy from 5 on). */
export const BASE_PROTOCOL_VERSION = 5
/** Codes 0x00–0x0f belong to the base protocol; capabilities start at 0x10. */
export const BASE_PROTOCOL_LENGTH = 16
/** Largest Hello we accept, in bytes (geth: 2 KiB). */
export const MAX_HELLO_BYTES = 2048
/**
 * Largest frame accepted until Hello is done: a Hello's payload plus its one-byte code.
 * Checked from the frame header, so a larger frame ends the connection before its body
 * is read.
 */
export const MAX_HELLO_FRAME_BYTES = MAX_HELLO_BYTES + 1

/** How often we ping a peer, busy or idle (geth: 15 s). */
export const PING_INTERVAL_MS = 15_000
/** How long a Disconnect may take to send before the connection is closed anyway (geth: 1 s). */
export const DISCONNECT_WRITE_TIMEOUT_MS = 1_000

/** Pongs a peer gets per {@link PING_RATE_WINDOW_MS} at most; later Pings go unanswered. */
export const PING_RATE_MAX = 10
/** The window Pings are counted in. A well-behaved peer pings once per 15 s (geth). */
export const PING_RATE_WINDOW_MS = 10_000
/**
 * Pings in one window at which the peer is dropped (`PING_FLOOD`, "breach of protocol"):
 * it kept pinging after its Pongs stopped, which no client does by accident.
 */
export const PING_FLOOD_MAX = 2 * PING_RATE_MAX

// ── logging ─────────────────────────────────────────────────────────────────────────

/**
 * Refused connections (inbound, or dialed from discovery's candidates) logged at info per
 * {@link REFUSED_LOG_WINDOW_MS} at most; the rest of the window at debug. Failures of
 * static and trusted nodes are always at info.
 */
export const REFUSED_LOG_MAX = 10
/** The window {@link REFUSED_LOG_MAX} counts in. */
export const REFUSED_LOG_WINDOW_MS = 60_000
