/**
 * Every limit, timeout and default of `@devp2p/p2p` (docs/LIMITS.md lists them with
 * their reasons). Other files import them from here.
 */

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
