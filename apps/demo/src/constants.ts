/** The demo's defaults and limits. */

/** How many nodes the demo runs unless told otherwise. */
export const DEFAULT_NODES = 3
/** The fewest nodes `--nodes` accepts (one pair). */
export const MIN_NODES = 2
/** The most nodes `--nodes` accepts. */
export const MAX_NODES = 16
/** How long the whole exchange may take before the demo gives up. */
export const DEMO_TIMEOUT_MS = 30_000
/** Peers per node: geth's default; a third (16) may be dialed, enough for MAX_NODES. */
export const MAX_PEERS = 50
/** node0's data directory when `--datadir` is not given, inside apps/demo. */
export const DEFAULT_DATA_DIR = '.data'
/** Nodes of earlier runs forgotten per query of node0's database before it starts. */
export const FORGET_BATCH_NODES = 64
/**
 * Interrupts closer together than this are one Ctrl-C: under `npm run` the script gets
 * the terminal's SIGINT and npm's forwarded copy of it at once. A later one exits at once.
 */
export const SAME_INTERRUPT_MS = 1_000
