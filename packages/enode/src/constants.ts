/** Largest encoded node record (EIP-778). */
export const MAX_RECORD_BYTES = 300

/**
 * Longest record text (`enr:` + unpadded base64url of {@link MAX_RECORD_BYTES}); longer
 * text is refused before it is decoded.
 */
export const MAX_RECORD_TEXT_CHARS = 'enr:'.length + Math.ceil((MAX_RECORD_BYTES * 4) / 3)

/** Longer `enode://` text is refused before it is looked at (the longest real URL is about 420). */
export const MAX_ENODE_URL_CHARS = 1024

/** The longest NetList entry text quoted in an error message. */
export const NETLIST_MAX_QUOTED_CHARS = 100

/** Node ids are keccak256 hashes. */
export const NODE_ID_BYTES = 32

/** Entries in the node database unseen for this long are deleted by `expire()` (geth: 24 h). */
export const DB_NODE_EXPIRATION_MS = 24 * 60 * 60 * 1000

/** How often an open node database runs `expire()` (geth: 1 h). */
export const DB_CLEANUP_INTERVAL_MS = 60 * 60 * 1000

/**
 * Nodes the in-memory node database holds at most; a write about a new node beyond it
 * evicts the least recently seen (ping, pong or stored record). 5,000 is over ten times
 * what a discovery table holds (17 buckets of 16 plus 10 replacements each: 442 nodes), so
 * the table's nodes and those of recent lookups keep their bonds, while a flood of new
 * senders costs at most ~5,000 × 1 KiB. geth has no such cap (its in-memory database is
 * LevelDB on a memory store, pruned only by the 24 h expiry).
 */
export const DB_MEMORY_MAX_NODES = 5_000

/**
 * Addresses (IPs) per node the in-memory node database holds; the least recently seen is
 * dropped first. A Ping's source IP can be forged, so one key could otherwise fill
 * memory with addresses. Four leaves room for IPv4 and IPv6 and an address change.
 */
export const DB_MEMORY_MAX_IPS_PER_NODE = 4

/** Bump when the node database layout changes: an older database is reset. */
export const DB_VERSION = 1

/** Endpoint statements needed before the external endpoint is predicted (geth: 10). */
export const ENDPOINT_MIN_STATEMENTS = 10

/** Endpoint statements older than this are forgotten (geth: 5 min). */
export const ENDPOINT_STATEMENT_WINDOW_MS = 5 * 60 * 1000

/** Most endpoint statements kept per address family: one per peer, oldest evicted. */
export const ENDPOINT_MAX_STATEMENTS = 256
