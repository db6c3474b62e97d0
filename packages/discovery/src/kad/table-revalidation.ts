/**
 * The table's revalidation rules, over its slots (go-ethereum's liveness checks): which
 * bucket node to check next, and what one check's outcome does to a node's record.
 */
import type { NodeIdHex } from '@devp2p/enode'
import type { Bucket, Slot, TableNode } from './table-types.js'

/**
 * The bucket slot to check next (see `Table.nodeToRevalidate`): slots marked
 * `revalidateSoon` first, then the one checked least recently; ties broken with `rand`.
 */
export function slotToRevalidate<N extends TableNode>(
  buckets: readonly Bucket<N>[],
  rand: () => number,
  exclude?: { has(idHex: NodeIdHex): boolean },
): Slot<N> | undefined {
  // bounded: the table's size
  let best: Slot<N>[] = []
  let bestKey = Number.POSITIVE_INFINITY
  for (const b of buckets) {
    for (const slot of b.entries) {
      if (exclude?.has(slot.node.idHex)) continue
      const key = slot.revalidateSoon
        ? Number.NEGATIVE_INFINITY
        : (slot.lastChecked ?? Number.NEGATIVE_INFINITY)
      if (key < bestKey || best.length === 0) {
        best = [slot]
        bestKey = key
      } else if (key === bestKey) best.push(slot)
    }
  }
  if (best.length === 0) return undefined
  const i = Math.min(Math.max(0, Math.floor(rand() * best.length)), best.length - 1)
  return best[i]
}

/**
 * Records one check of a bucket slot at `now`: an answer adds a liveness check; a missed
 * one divides them by 3 (rounded down) and marks the slot to be checked soon. `'dead'`
 * when none are left: the table then removes the node. Moving the slot is the table's.
 */
export function recordCheck<N extends TableNode>(
  slot: Slot<N>,
  ok: boolean,
  now: number,
): 'alive' | 'failed' | 'dead' {
  slot.lastChecked = now
  if (ok) {
    slot.livenessChecks++
    slot.lastSeen = now
    slot.live = true
    slot.revalidateSoon = false
    return 'alive'
  }
  slot.livenessChecks = Math.floor(slot.livenessChecks / 3)
  if (slot.livenessChecks === 0) return 'dead'
  slot.revalidateSoon = true
  return 'failed'
}
