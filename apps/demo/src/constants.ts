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

/** How many nodes the relay scenario (`--relay`) runs unless told otherwise. */
export const RELAY_DEFAULT_NODES = 8
/** The fewest nodes the relay scenario accepts: fewer cannot hold two nodes 2 hops apart. */
export const RELAY_MIN_NODES = 4
/**
 * Peers per node in the relay scenario: with geth's dial ratio (3) each node dials one
 * and takes at most two inbound, so the network is sparse and most pairs are not peers.
 */
export const RELAY_MAX_PEERS = 3
/**
 * Dials (and inbound handshakes) in progress per node in the relay scenario: one, so
 * a node that has its dialed peer has no other dial on the way and the graph stays as
 * it settled.
 */
export const RELAY_MAX_PENDING_PEERS = 1
/** The pss topic of the relay chat. */
export const RELAY_TOPIC_NAME = 'relay-chat'
/**
 * The relay chat, in order: which of the two nodes says what (0 the first, 1 the other),
 * and how it is encrypted: `asym` to the other's public key, `sym` under the key a
 * handshake agreed (the handshake runs before the first `sym` line).
 */
export const RELAY_CHAT: readonly (readonly [0 | 1, 'asym' | 'sym', string])[] = [
  [0, 'asym', 'hello, can you read me?'],
  [1, 'asym', 'loud and clear, through nodes that cannot read us'],
  [0, 'sym', 'now under the keys we just agreed'],
  [1, 'sym', 'same here. bye!'],
]
