/**
 * The in-memory node database's bound: which nodes (and which of their addresses) it
 * holds, in the order they were last seen, so that a flood of new senders evicts the
 * least recently seen instead of growing memory.
 */
import { type Field, itemKey, latin1, recordKey } from './node-db-layout.js'
import type { NodeId } from './node-id.js'

const FIELDS: readonly Field[] = ['ping', 'pong', 'fail']
const fromLatin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'))

/**
 * Node ids, least recently seen first, each with its addresses, least recently seen
 * first. {@link touch} notes a write and returns the keys of whatever no longer fits.
 */
export class RecencyIndex {
  readonly #maxNodes: number
  readonly #maxIpsPerNode: number
  // bounded: maxNodes ids, each with at most maxIpsPerNode addresses; the least recently
  // seen is evicted first (Map iteration order is insertion order; a sighting re-inserts)
  readonly #nodes = new Map<string, Map<string, true>>()

  constructor(maxNodes: number, maxIpsPerNode: number) {
    this.#maxNodes = maxNodes
    this.#maxIpsPerNode = maxIpsPerNode
  }

  /** Nodes held. */
  get size(): number {
    return this.#nodes.size
  }

  /**
   * Notes a write about node `id` (at `ip`, for per-address items). A sighting (`seen`:
   * a ping, a pong, a stored record) makes the node and address the most recent; other
   * writes only add what is new. Returns the keys to delete: those of evicted nodes and
   * addresses, never a key of `id` at `ip`.
   */
  touch(id: NodeId, ip: Uint8Array | undefined, seen: boolean): Uint8Array[] {
    const idKey = latin1(id)
    const known = this.#nodes.get(idKey)
    const ips = known ?? new Map<string, true>()
    if (known === undefined || seen) {
      this.#nodes.delete(idKey)
      this.#nodes.set(idKey, ips)
    }
    const dropped = ip === undefined ? [] : this.#addIp(id, ips, ip, seen)
    while (this.#nodes.size > this.#maxNodes) {
      const [oldest, oldIps] = this.#nodes.entries().next().value!
      this.#nodes.delete(oldest)
      dropped.push(...nodeKeys(fromLatin1(oldest) as NodeId, oldIps.keys()))
    }
    return dropped
  }

  #addIp(id: NodeId, ips: Map<string, true>, ip: Uint8Array, seen: boolean): Uint8Array[] {
    const ipKey = latin1(ip)
    if (ips.has(ipKey)) {
      if (!seen) return []
      ips.delete(ipKey)
    }
    ips.set(ipKey, true)
    const dropped: Uint8Array[] = []
    while (ips.size > this.#maxIpsPerNode) {
      const oldest = ips.keys().next().value!
      ips.delete(oldest)
      dropped.push(...addressKeys(id, fromLatin1(oldest)))
    }
    return dropped
  }

  /** Forgets a node that was deleted. */
  forget(id: Uint8Array): void {
    this.#nodes.delete(latin1(id))
  }

  /** Forgets one address of a node whose entries for it were deleted. */
  forgetIp(id: Uint8Array, ip: Uint8Array): void {
    this.#nodes.get(latin1(id))?.delete(latin1(ip))
  }
}

function addressKeys(id: NodeId, ip: Uint8Array): Uint8Array[] {
  return FIELDS.map((field) => itemKey(id, ip, field))
}

function nodeKeys(id: NodeId, ips: Iterable<string>): Uint8Array[] {
  const keys = [recordKey(id)]
  for (const ip of ips) keys.push(...addressKeys(id, fromLatin1(ip)))
  return keys
}
