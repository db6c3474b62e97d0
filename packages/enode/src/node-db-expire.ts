/** The node database's 24-hour expiry, over the key layout of node-db-layout.ts. */
import { NODE_ID_BYTES } from './constants.js'
import type { KvStore } from './kv-store.js'
import { latin1, NODE_END, NODE_PREFIX, readU64, splitKey } from './node-db-layout.js'

/** What expiry deletes of one node. */
export interface StaleEntries {
  /** The node's id. */
  readonly id: Uint8Array
  /** The keys to delete. */
  readonly keys: Uint8Array[]
  /** Whether nothing of the node stays (no address seen since the threshold). */
  readonly removedNode: boolean
  /** Addresses whose entries go while the node stays. */
  readonly removedIps: Uint8Array[]
}

/**
 * Walks every node in `store`, one at a time, and yields what to delete: per-address
 * entries of addresses with no ping or pong since `threshold` (ms since the epoch), and
 * every entry of a node with no such address left. The caller deletes them.
 */
export async function* staleEntries(
  store: KvStore,
  threshold: number,
): AsyncGenerator<StaleEntries, void, undefined> {
  // bounded: the keys of one node at a time (a record and 3 items per address).
  let group: { id: string; keys: Uint8Array[]; seen: Map<string, number> } | undefined
  const judge = (g: NonNullable<typeof group>): StaleEntries | undefined => {
    const fresh = new Set([...g.seen].filter(([, t]) => t >= threshold).map(([ip]) => ip))
    const keys: Uint8Array[] = []
    const removedIps = new Map<string, Uint8Array>()
    for (const key of g.keys) {
      const { ip } = splitKey(key)
      if (fresh.size === 0 || (ip !== undefined && !fresh.has(latin1(ip)))) {
        keys.push(key)
        if (ip !== undefined) removedIps.set(latin1(ip), ip)
      }
    }
    if (keys.length === 0) return undefined
    const { id } = splitKey(g.keys[0]!)
    return { id, keys, removedNode: fresh.size === 0, removedIps: [...removedIps.values()] }
  }
  for await (const [key, value] of store.entries(NODE_PREFIX, NODE_END)) {
    if (key.length < 3 + NODE_ID_BYTES) continue
    const { id, ip, field } = splitKey(key)
    const idText = latin1(id)
    if (group?.id !== idText) {
      const stale = group && judge(group)
      if (stale) yield stale
      group = { id: idText, keys: [], seen: new Map() }
    }
    group.keys.push(key)
    if (ip !== undefined && (field === 'ping' || field === 'pong')) {
      const t = Number(readU64(value) ?? 0n)
      const k = latin1(ip)
      group.seen.set(k, Math.max(group.seen.get(k) ?? 0, t))
    }
  }
  const stale = group && judge(group)
  if (stale) yield stale
}
