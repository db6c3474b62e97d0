import type { BucketNodeSnapshot, Discv4 } from '@devp2p/discovery/v4'

/** One node of `debug_discoveryV4Table`, as geth's `discover.BucketNode` marshals to JSON. */
export interface BucketNodeJson {
  /** The node: its record as `enr:…` text, or its `enode://` URL when we hold no record (as geth's `enode.Node` text). */
  readonly node: string
  /** When the node entered the table, RFC 3339 (UTC, milliseconds). */
  readonly addedToTable: string
  /** When the node last moved into its bucket, RFC 3339. */
  readonly addedToBucket: string
  /** Liveness checks: successful revalidations, divided by 3 on each miss. */
  readonly checks: number
  /** Whether the node answered a revalidation and kept its endpoint since. */
  readonly live: boolean
}

function bucketNodeJson(entry: BucketNodeSnapshot): BucketNodeJson {
  const { node } = entry
  return {
    node: node.record === undefined ? node.toEnodeUrl() : node.toEnrText(),
    addedToTable: new Date(entry.addedToTable).toISOString(),
    addedToBucket: new Date(entry.addedToBucket).toISOString(),
    checks: entry.checks,
    live: entry.live,
  }
}

/** `debug_*`: geth's `node.p2pDebugAPI`. */
export class DebugApi {
  readonly #discovery: () => Discv4 | undefined

  constructor(discovery: () => Discv4 | undefined) {
    this.#discovery = discovery
  }

  /**
   * Discovery v4's table, one array per bucket (17, closest first), geth's
   * `[][]discover.BucketNode`; `null` when discovery v4 does not run, as geth.
   */
  discoveryV4Table(): BucketNodeJson[][] | null {
    const disc = this.#discovery()
    return disc === undefined ? null : disc.tableBuckets().map((b) => b.map(bucketNodeJson))
  }
}
