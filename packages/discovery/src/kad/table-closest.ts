/** The table's search for the nodes closest to a target, bucket by bucket. */
import { compareDistance, type NodeId } from '@devp2p/enode'
import { N_BUCKETS } from './constants.js'
import type { Bucket, Slot, TableEntry, TableNode } from './table-types.js'

/**
 * The up to `n` bucket entries closest to `target`, closest first, optionally only those
 * `filter` accepts; `own` is the bucket `target` falls in. Visits buckets in distance
 * order and stops as soon as the rest cannot be closer (see `Table.closest`).
 */
export function closestInBuckets<N extends TableNode>(
  buckets: readonly Bucket<N>[],
  own: number,
  target: NodeId,
  n: number,
  filter?: (entry: TableEntry<N>) => boolean,
): Slot<N>[] {
  // bounded: n (kept sorted, the farthest dropped)
  const result: Slot<N>[] = []
  if (!(n >= 1)) return result
  const limit = Math.floor(n)
  const visit = (b: Bucket<N>): void => {
    for (const slot of b.entries) {
      if (filter !== undefined && !filter(slot)) continue
      const id = slot.node.id
      let i = result.length
      if (i === limit && compareDistance(target, id, result[i - 1]!.node.id) >= 0) continue
      while (i > 0 && compareDistance(target, id, result[i - 1]!.node.id) < 0) i--
      result.splice(i, 0, slot)
      if (result.length > limit) result.pop()
    }
  }
  visit(buckets[own]!)
  if (result.length < limit) {
    for (let i = 0; i < own; i++) visit(buckets[i]!)
  }
  for (let i = own + 1; i < N_BUCKETS && result.length < limit; i++) visit(buckets[i]!)
  return result
}
