/** The node database's seed query, over the key layout of node-db-layout.ts. */
import { randomBytes } from 'node:crypto'
import { NODE_ID_BYTES } from './constants.js'
import type { KvStore } from './kv-store.js'
import {
  concat,
  latin1,
  NODE_END,
  NODE_PREFIX,
  nodeEnd,
  nodePrefix,
  readU64,
  splitKey,
} from './node-db-layout.js'

/**
 * Up to `n` distinct random nodes in `store` with a pong at or after `since` (ms since
 * the epoch), read with `load` (which gives undefined for a node without a readable
 * record). Seeks to random ids, at most `5 n` times, as geth does, and walks on from ids
 * already tried, so a small database gives every qualifying node.
 */
export async function querySeeds<T>(
  store: KvStore,
  n: number,
  since: number,
  load: (id: Uint8Array) => Promise<T | undefined>,
): Promise<T[]> {
  // bounded: at most n nodes and 5 n ids.
  const found: T[] = []
  const tried = new Set<string>()
  for (let seeks = 0; found.length < n && seeks < n * 5; seeks++) {
    const id = await nextUntried(store, concat(NODE_PREFIX, randomBytes(NODE_ID_BYTES)), tried)
    if (id === undefined) break
    tried.add(latin1(id))
    let seen = false
    for await (const [key, value] of store.entries(nodePrefix(id), nodeEnd(id))) {
      const { field } = splitKey(key)
      if (field === 'pong' && Number(readU64(value) ?? 0n) >= since) seen = true
    }
    if (!seen) continue
    const node = await load(id)
    if (node !== undefined) found.push(node)
  }
  return found
}

/**
 * The first node id at or after `seek` that is not in `tried`, wrapping around once.
 * Walking on from a tried id (instead of counting a wasted seek) lets a small database
 * give every qualifying node.
 */
async function nextUntried(
  store: KvStore,
  seek: Uint8Array,
  tried: ReadonlySet<string>,
): Promise<Uint8Array | undefined> {
  for (const [from, to] of [
    [seek, NODE_END],
    [NODE_PREFIX, seek],
  ] as const) {
    for await (const [key] of store.entries(from, to)) {
      if (key.length < 3 + NODE_ID_BYTES) continue
      const id = key.subarray(2, 2 + NODE_ID_BYTES)
      if (!tried.has(latin1(id))) return id.slice()
    }
  }
  return undefined
}
