/**
 * Limits, timeouts and defaults of the Kademlia part shared by the discovery protocols:
 * the table's layout (go-ethereum's), its maintenance, lookups and the dial-candidate
 * stream. Discovery v4's own wire limits are in `../v4/constants.ts`.
 */

/** k: nodes per bucket, and nodes one FindNode answer or one lookup returns (geth: `bucketSize`). */
export const BUCKET_SIZE = 16
/** Replacement candidates kept per bucket (geth: `maxReplacements`). */
export const MAX_REPLACEMENTS = 10
/** Number of buckets: 256 / 15, the upper 1/15 of distances (geth: `nBuckets`). */
export const N_BUCKETS = 17
/**
 * geth's `bucketMinDistance`: bucket `i ≥ 1` holds log distance `BUCKET_MIN_DISTANCE + 1 + i`
 * and bucket 0 every distance up to `BUCKET_MIN_DISTANCE + 1` (= 240), as in geth's
 * `bucketAtDistance`.
 */
export const BUCKET_MIN_DISTANCE = 256 - N_BUCKETS
/** Nodes from one subnet allowed in one bucket, replacements included (geth: `bucketIPLimit`). */
export const BUCKET_IP_LIMIT = 2
/** Nodes from one subnet allowed in the whole table, replacements included (geth: `tableIPLimit`). */
export const TABLE_IP_LIMIT = 10
/**
 * The prefix length, in bits, that groups addresses into one subnet for the IP limits:
 * a /24, for IPv4 and for IPv6 alike (geth applies its `bucketSubnet`/`tableSubnet` of 24
 * to the address as it is, so IPv6 nodes are grouped by their first 24 bits).
 */
export const BUCKET_SUBNET_BITS = 24

/** Concurrent FindNode requests of one lookup (Kademlia's α). */
export const LOOKUP_ALPHA = 3
/** FindNode failures after which a node leaves the table (geth: 5). */
export const MAX_FINDNODE_FAILURES = 5
/** How often the table is refreshed with a self lookup and random ones (geth: 30 min). */
export const REFRESH_INTERVAL_MS = 30 * 60_000
/**
 * When the table is empty (the bootnodes did not answer, or every node was dropped), it
 * is seeded and refreshed again after this long, then twice as long each time it is
 * still empty, up to {@link REFRESH_INTERVAL_MS}; geth would wait for its next refresh.
 */
export const EMPTY_TABLE_RETRY_MIN_MS = 5_000
/** Random lookups of one refresh, after the self lookup (geth: 3). */
export const REFRESH_RANDOM_LOOKUPS = 3
/** Revalidation pings one table node every 0 to this many ms, 5 s on average (geth: 10 s). */
export const REVALIDATE_INTERVAL_MS = 10_000
/** Nodes from the database seeded at start (geth: 30) … */
export const SEED_COUNT = 30
/** … seen within this long (geth: 5 days). */
export const SEED_MAX_AGE_MS = 5 * 24 * 3600_000
/** `randomNodes` offers the same node again only after this long (the dialer's history is 35 s). */
export const REOFFER_AFTER_MS = 30_000
/** Node ids one `randomNodes` stream remembers offering; the oldest offer is forgotten first. */
export const REOFFER_MAX_IDS = 1000
/** `randomNodes` waits this long before the next lookup when one brought nothing fresh. */
export const STREAM_IDLE_PAUSE_MS = 1000
