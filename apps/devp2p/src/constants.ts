/** The `devp2p` command's limits, intervals and defaults (listed in docs/LIMITS.md). */

/** geth's `--verbosity`: 0 silent, 1 error, 2 warn, 3 info (default), 4 debug, 5 trace (as debug). */
export const DEFAULT_VERBOSITY = 3

/** How often `discv4 crawl` prints its progress line. */
export const CRAWL_PROGRESS_INTERVAL_MS = 1_000
/** How long the crawl waits before the next lookup when one brought no new node. */
export const CRAWL_IDLE_PAUSE_MS = 1_000

/**
 * Messages per peer `--foobar` logs at info; the rest at debug, so a peer that floods
 * "foo" cannot flood the operator's log (each is still answered, one at a time).
 */
export const FOO_INFO_LOGS_PER_PEER = 100

/**
 * The most memory a keystore's scrypt may ask for (128·N·r bytes) before `dns sign`
 * refuses it, before any work: geth's standard keystore (N = 2^18, r = 8) needs 256 MiB.
 */
export const KEYSTORE_MAX_SCRYPT_MEMORY_BYTES = 512 * 1024 * 1024
/** A keystore's scrypt p (passes, each as costly as the first) above this is refused. */
export const KEYSTORE_MAX_SCRYPT_P = 16
/** A keystore's PBKDF2 iteration count above this is refused (geth's is 2^18). */
export const KEYSTORE_MAX_PBKDF2_ROUNDS = 1 << 22
