/** A read-only copy of the table's buckets, in geth's `discover.BucketNode` terms. */
import type { ENode } from '@devp2p/enode'
import { N_BUCKETS } from './constants.js'
import type { Table } from './table.js'

/** One bucket node as geth's `debug_discoveryV4Table` shows it (times in ms). */
export interface BucketNodeSnapshot {
  /** The node with the endpoint and record the table holds for it. */
  readonly node: ENode
  /** When the node entered the table (bucket or replacement list), ms. */
  readonly addedToTable: number
  /** When the node last moved into its bucket, ms. */
  readonly addedToBucket: number
  /** Liveness checks (successful revalidations, divided by 3 on each miss). */
  readonly checks: number
  /** Whether the node answered a revalidation and kept its endpoint since. */
  readonly live: boolean
}

/**
 * Every bucket's nodes, closest bucket first, most recently seen first in each (geth's
 * `Table.Nodes`); replacements are not shown. Copies: later table changes do not show.
 * Without a table, {@link N_BUCKETS} empty buckets.
 */
export function bucketSnapshot(table: Table | undefined): BucketNodeSnapshot[][] {
  return Array.from({ length: N_BUCKETS }, (_, i) =>
    (table?.bucket(i).entries ?? []).map((entry) => ({
      node: entry.node,
      addedToTable: entry.addedAt,
      addedToBucket: entry.addedToBucket ?? entry.addedAt,
      checks: entry.livenessChecks,
      live: entry.live,
    })),
  )
}
