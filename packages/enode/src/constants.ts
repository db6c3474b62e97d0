/** Largest encoded node record (EIP-778). */
export const MAX_RECORD_BYTES = 300

/** Node ids are keccak256 hashes. */
export const NODE_ID_BYTES = 32

/** Entries in the node database unseen for this long are deleted by `expire()` (geth: 24 h). */
export const DB_NODE_EXPIRATION_MS = 24 * 60 * 60 * 1000

/** How often an open node database runs `expire()` (geth: 1 h). */
export const DB_CLEANUP_INTERVAL_MS = 60 * 60 * 1000

/** Bump when the node database layout changes: an older database is reset. */
export const DB_VERSION = 1

/** Endpoint statements needed before the external endpoint is predicted (geth: 10). */
export const ENDPOINT_MIN_STATEMENTS = 10

/** Endpoint statements older than this are forgotten (geth: 5 min). */
export const ENDPOINT_STATEMENT_WINDOW_MS = 5 * 60 * 1000

/** Most endpoint statements kept per address family: one per peer, oldest evicted. */
export const ENDPOINT_MAX_STATEMENTS = 256
