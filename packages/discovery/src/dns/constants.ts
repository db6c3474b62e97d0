/**
 * Limits, timeouts and fixed values of DNS node lists (EIP-1459, devp2p dnsdisc.md), with
 * go-ethereum's choices (p2p/dnsdisc, cmd/devp2p) where the spec leaves one open. Every
 * other file of `src/dns/` imports its limits from here.
 */

/** The text that starts a root entry. */
export const ROOT_PREFIX = 'enrtree-root:v1'
/** The text that starts a branch entry. */
export const BRANCH_PREFIX = 'enrtree-branch:'
/** The text that starts a link entry (and a tree's URL). */
export const LINK_PREFIX = 'enrtree://'
/** The text that starts a node record leaf. */
export const ENR_PREFIX = 'enr:'

/**
 * Children per branch entry we build (geth: 370 bytes of hashes, so that a branch's TXT
 * answer stays under 512 bytes of UDP). Branches we read may have more; their text
 * length is bounded by {@link MAX_ENTRY_TEXT_CHARS}.
 */
export const MAX_BRANCH_CHILDREN = 13

/** Bytes of keccak256 a subdomain name carries: base32 of 16 bytes is 26 characters. */
export const HASH_BYTES = 16
/** The shortest hash we accept in a branch or root, in bytes (geth's minHashLength). */
export const MIN_HASH_BYTES = 12
/** The longest hash we accept, in bytes: all of keccak256. */
export const MAX_HASH_BYTES = 32

/**
 * The longest entry text we read, in characters, checked before it is parsed or hashed.
 * The longest real ones: an `enr:` leaf of 300 bytes (404 characters), a link with a
 * 253-character domain (317), a branch of 13 children (366).
 */
export const MAX_ENTRY_TEXT_CHARS = 1024
/** The longest domain name of a tree (RFC 1035: 253 characters written out). */
export const MAX_DOMAIN_CHARS = 253
/** The length of one string inside a TXT record, in bytes (RFC 1035 character-string). */
export const MAX_TXT_STRING_BYTES = 255
/** TXT records a name may return that we look through for a tree entry. */
export const MAX_TXT_RECORDS_PER_NAME = 16

/** How often a synced tree's root is fetched again to see whether it changed (geth: 30 min). */
export const ROOT_RECHECK_INTERVAL_MS = 30 * 60_000
/** Wait after the first failed root fetch, doubled per further failure up to the recheck interval. */
export const ROOT_RETRY_MIN_MS = 5_000
/** Failed entry fetches in a row after which the root is fetched again (geth: more than 5). */
export const ROOT_RECHECK_AFTER_FAILURES = 5

/** DNS queries per second, the token bucket's rate (geth: 3). */
export const DNS_RATE_LIMIT_PER_S = 3
/** Queries the token bucket lets through at once after a quiet time (geth: 10). */
export const DNS_RATE_BURST = 10
/** Time limit of one TXT query, retries included (geth: 5 s). */
export const DNS_TIMEOUT_MS = 5_000
/** TXT queries one client has in flight at once; more wait their turn. */
export const MAX_QUERIES_IN_FLIGHT = 4

/** Entries (root, branches, leaves and links) cached per client, least recently used evicted (geth: 1000). */
export const ENTRY_CACHE_MAX_ENTRIES = 1_000
/** Entries of one tree we visit before the sync fails with `TREE_TOO_LARGE`. */
export const MAX_TREE_ENTRIES = 20_000
/** Branch levels below the root of a subtree (13^8 leaves would be 8e8); deeper is `TREE_TOO_LARGE`. */
export const MAX_TREE_DEPTH = 8
/** Trees reached through links from the URLs of one stream or sync, the given ones included. */
export const MAX_LINKED_TREES = 32
/** Links followed from a given URL: a tree linked from a tree linked from it is 2. */
export const MAX_LINK_DEPTH = 4

/** TTL of the root record in zone files we write, in seconds (geth's `dns to-*`: 30 min). */
export const ROOT_TTL_S = 30 * 60
/** TTL of every other record in zone files we write, in seconds (geth: 4 weeks). */
export const TREE_NODE_TTL_S = 4 * 7 * 24 * 60 * 60
