/** The shapes the Kademlia {@link Table} takes and gives: nodes, entries, results, options. */
import type { ENode, NodeId, NodeIdHex } from '@devp2p/enode'

/**
 * What the table needs of a node. {@link ENode} has all of it; tests and other callers
 * may pass any object of this shape (an `ENode` cannot be built from an id alone).
 */
export interface TableNode {
  /** The 32-byte node id. */
  readonly id: NodeId
  /** `id` as hex; must match `id`. */
  readonly idHex: NodeIdHex
  /** The IP address that discovery talks to. */
  readonly ip: string | undefined
  /** The discovery (UDP) port. */
  readonly udp: number | undefined
  /** The record's sequence number (0 without a record). */
  readonly seq: bigint
}

/** One node in the table (in a bucket or a replacement list). A live view: read, don't keep. */
export interface TableEntry<N extends TableNode = ENode> {
  /** The node, with the endpoint and record we currently hold for it. */
  readonly node: N
  /** When the node entered the table (bucket or replacement list), ms. */
  readonly addedAt: number
  /** When the node last moved into its bucket, ms; `undefined` while it is a replacement (geth's `addedToBucket`). */
  readonly addedToBucket: number | undefined
  /** Successful revalidations, divided by 3 on each failure (geth's `livenessChecks`). */
  readonly livenessChecks: number
  /** When the node last proved liveness (bonded, or answered a revalidation), ms. */
  readonly lastSeen: number | undefined
  /** When the node was last revalidated (either outcome), ms. */
  readonly lastChecked: number | undefined
  /**
   * Whether the node answered its last revalidation and its endpoint has not changed since
   * (geth's `isValidatedLive`); false for a node not yet revalidated.
   */
  readonly live: boolean
  /**
   * Whether the node should be checked before the others: it is new in its bucket (added,
   * promoted from the replacements), its endpoint changed, or its last check failed.
   * geth keeps these nodes in its "fast" revalidation list.
   */
  readonly revalidateSoon: boolean
}

/** Why a node was not taken. */
export type RejectReason =
  | 'rejected:self'
  | 'rejected:no-ip'
  | 'rejected:no-udp'
  | 'rejected:bucket-ip-limit'
  | 'rejected:table-ip-limit'

/**
 * The outcome of {@link Table.addFoundNode} and {@link Table.addVerifiedNode}:
 * - `added`: the node is now in its bucket;
 * - `replacement`: its bucket is full, it is now in the bucket's replacement list;
 * - `exists`: the node was already in the table (bucket or replacements) and stays there;
 * - `rejected:*`: nothing changed, for the reason given. For a known node whose new
 *   endpoint breaks an IP limit, the node stays with its old endpoint.
 */
export type AddResult = 'added' | 'replacement' | 'exists' | RejectReason

/** The outcome of {@link Table.markRevalidated}. */
export type RevalidationResult<N extends TableNode = ENode> =
  | { readonly status: 'unknown' }
  | { readonly status: 'alive'; readonly entry: TableEntry<N> }
  | { readonly status: 'failed'; readonly entry: TableEntry<N> }
  | { readonly status: 'removed'; readonly promoted: N | undefined }

/** Options of a {@link Table}. */
export interface TableOptions {
  /** Our own node id: never in the table, the origin of every distance. */
  readonly self: NodeId
  /** Nodes per bucket; default {@link BUCKET_SIZE}. */
  readonly bucketSize?: number
  /** Replacements per bucket; default {@link MAX_REPLACEMENTS}. */
  readonly maxReplacements?: number
  /** Nodes per /24 in one bucket; default {@link BUCKET_IP_LIMIT}. */
  readonly bucketIpLimit?: number
  /** Nodes per /24 in the table; default {@link TABLE_IP_LIMIT}. */
  readonly tableIpLimit?: number
  /** Uniform random numbers in [0, 1); default `Math.random`. */
  readonly rand?: () => number
}

/** A read-only copy of one bucket's lists. */
export interface BucketView<N extends TableNode = ENode> {
  /** Most recently seen first. */
  readonly entries: readonly TableEntry<N>[]
  /** Most recently added first. */
  readonly replacements: readonly TableEntry<N>[]
}

/** The mutable record behind a {@link TableEntry} (internal to the table's modules). */
export interface Slot<N extends TableNode> {
  node: N
  addedAt: number
  addedToBucket: number | undefined
  livenessChecks: number
  lastSeen: number | undefined
  lastChecked: number | undefined
  live: boolean
  revalidateSoon: boolean
  /** The IP-limit subnet of `node.ip`, or `undefined` for an exempt (LAN) address. */
  subnet: string | undefined
  /** In the bucket's entries (true) or its replacements (false). */
  inBucket: boolean
}

/** One bucket (internal to the table's modules). */
export interface Bucket<N extends TableNode> {
  /** bounded: bucketSize; most recently seen first. */
  entries: Slot<N>[]
  /** bounded: maxReplacements; most recently added first. */
  replacements: Slot<N>[]
  /** bounded: one key per slot of this bucket (entries + replacements); subnet → count. */
  ips: Map<string, number>
}
