/**
 * The iterative Kademlia lookup: α FindNodes in flight, each answer merged into the
 * result (the k closest seen so far), until no closer node is left to ask. Protocol-free:
 * the caller supplies the query.
 */
import { compareDistance, type ENode, type NodeId, type NodeIdHex } from '@devp2p/enode'
import { BUCKET_SIZE, LOOKUP_ALPHA } from './constants.js'

/** Options of a lookup. */
export interface LookupOptions {
  readonly signal?: AbortSignal
  /** Filled in as the lookup runs (for simulations and benchmarks). */
  readonly stats?: LookupStats
}

/** What one lookup did. */
export interface LookupStats {
  /** FindNode requests sent. */
  queries: number
  /** Requests that brought no node (timeouts included). */
  failed: number
  /** The longest chain of answers a queried node was learned through (1 = from the table). */
  hops: number
}

/** What {@link iterativeLookup} needs. */
export interface LookupContext {
  /** Our own id as hex: never asked, never in the result. */
  readonly selfIdHex: NodeIdHex
  /** The nodes to start from (the table's closest to the target). */
  readonly start: readonly ENode[]
  /** One FindNode; resolves with what `node` sent, `[]` when it failed (never rejects). */
  query(node: ENode): Promise<ENode[]>
  /** Called once for every node the lookup learns of. */
  onFound(node: ENode): void
  /** Whether the lookup must stop asking (the service stopped). */
  stopped(): boolean
}

/** Looks up the {@link BUCKET_SIZE} nodes closest to `targetId`; resolves closest first. */
export async function iterativeLookup(
  ctx: LookupContext,
  targetId: NodeId,
  options: LookupOptions = {},
): Promise<ENode[]> {
  // bounded: BUCKET_SIZE results; `seen` and `depth` grow by at most BUCKET_SIZE per
  // query, and queries by the nodes that ever were in the result
  let result: ENode[] = ctx.start.slice(0, BUCKET_SIZE)
  const seen = new Set<NodeIdHex>([ctx.selfIdHex, ...result.map((n) => n.idHex)])
  const asked = new Set<NodeIdHex>()
  // how many FindNode answers led to each node: the hop count of a lookup
  const depth = new Map<NodeIdHex, number>(result.map((n) => [n.idHex, 0]))
  const { stats, signal } = options
  let inFlight = 0

  const merge = (found: readonly ENode[], hop: number): void => {
    for (const node of found) {
      if (seen.has(node.idHex)) continue
      seen.add(node.idHex)
      depth.set(node.idHex, hop)
      ctx.onFound(node)
      result.push(node)
    }
    result.sort((a, b) => compareDistance(targetId, a.id, b.id))
    if (result.length > BUCKET_SIZE) result = result.slice(0, BUCKET_SIZE)
  }

  await new Promise<void>((resolve) => {
    const advance = (): void => {
      if (ctx.stopped() || signal?.aborted) {
        if (inFlight === 0) resolve()
        return
      }
      while (inFlight < LOOKUP_ALPHA) {
        const next = result.find((n) => !asked.has(n.idHex))
        if (!next) break
        asked.add(next.idHex)
        inFlight++
        const hop = (depth.get(next.idHex) ?? 0) + 1
        if (stats) {
          stats.queries++
          stats.hops = Math.max(stats.hops, hop)
        }
        void ctx.query(next).then((found) => {
          inFlight--
          if (stats && found.length === 0) stats.failed++
          merge(found, hop)
          advance()
        })
      }
      if (inFlight === 0) resolve()
    }
    advance()
  })
  return result
}
