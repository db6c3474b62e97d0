/**
 * The discovery v4 node table: a Kademlia table keyed by XOR distance from our own id,
 * laid out as go-ethereum's (17 buckets of 16 nodes, each with up to 10 replacements;
 * log distances 241–256 have a bucket each, every closer one shares bucket 0), with
 * geth's eclipse defences (at most 2 nodes per /24 in a bucket and 10 per /24 in the
 * table, LAN addresses exempt).
 *
 * A pure data structure: no I/O, no timers, no clock. The service drives it and passes
 * the time (`now`, milliseconds) into every call that records one.
 *
 * @packageDocumentation
 */

import {
  compareDistance,
  type ENode,
  ipToBytes,
  isLan,
  logDistance,
  type NodeId,
  type NodeIdHex,
  nodeIdHex,
} from '@devp2p/enode'

/** Re-exported for the table's users: nodes per bucket (geth: `bucketSize`). */
export { BUCKET_SIZE }

import { BUCKET_SIZE } from './constants.js'

/** Replacement candidates kept per bucket (geth: `maxReplacements`). */
export const MAX_REPLACEMENTS = 10
/** Number of buckets: 256 / 15, the upper 1/15 of distances (geth: `nBuckets`). */
export const N_BUCKETS = 17
/**
 * geth's `bucketMinDistance`: bucket `i ≥ 1` holds log distance `BUCKET_MIN_DISTANCE + 1 + i`
 * and bucket 0 every distance up to `BUCKET_MIN_DISTANCE + 1` (= 240), as in geth's
 * `bucketAtDistance`.
 */
export const BUCKET_MIN_DISTANCE = 256 - N_BUCKETS
/** Nodes from one subnet allowed in one bucket, replacements included (geth: `bucketIPLimit`). */
export const BUCKET_IP_LIMIT = 2
/** Nodes from one subnet allowed in the whole table, replacements included (geth: `tableIPLimit`). */
export const TABLE_IP_LIMIT = 10
/**
 * The prefix length, in bits, that groups addresses into one subnet for the IP limits:
 * a /24, for IPv4 and for IPv6 alike (geth applies its `bucketSubnet`/`tableSubnet` of 24
 * to the address as it is, so IPv6 nodes are grouped by their first 24 bits).
 */
export const BUCKET_SUBNET_BITS = 24

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
  /** Successful revalidations, divided by 3 on each failure (geth's `livenessChecks`). */
  readonly livenessChecks: number
  /** When the node last proved liveness (bonded, or answered a revalidation), ms. */
  readonly lastSeen: number | undefined
  /** When the node was last revalidated (either outcome), ms. */
  readonly lastChecked: number | undefined
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

/** The mutable record behind a {@link TableEntry}. */
interface Slot<N extends TableNode> {
  node: N
  addedAt: number
  livenessChecks: number
  lastSeen: number | undefined
  lastChecked: number | undefined
  revalidateSoon: boolean
  /** The IP-limit subnet of `node.ip`, or `undefined` for an exempt (LAN) address. */
  subnet: string | undefined
  /** In the bucket's entries (true) or its replacements (false). */
  inBucket: boolean
}

interface Bucket<N extends TableNode> {
  /** bounded: bucketSize; most recently seen first. */
  entries: Slot<N>[]
  /** bounded: maxReplacements; most recently added first. */
  replacements: Slot<N>[]
  /** bounded: one key per slot of this bucket (entries + replacements); subnet → count. */
  ips: Map<string, number>
}

/** The result of checking a node's address: its subnet (undefined = exempt) or a reason. */
type AddressCheck = { ok: true; subnet: string | undefined } | { ok: false; reason: RejectReason }

/**
 * The IP-limit group of an address: the first {@link BUCKET_SUBNET_BITS} bits, tagged by
 * family. IPv4-mapped IPv6 addresses count as IPv4 (`ipToBytes` unmaps them).
 */
function subnetOf(bytes: Uint8Array): string {
  const full = BUCKET_SUBNET_BITS >> 3
  const rest = BUCKET_SUBNET_BITS & 7
  const parts: number[] = Array.from(bytes.subarray(0, full))
  if (rest !== 0) parts.push(bytes[full]! & (0xff << (8 - rest)) & 0xff)
  return `${bytes.length === 4 ? 4 : 6}:${parts.join('.')}`
}

function checkAddress(node: TableNode): AddressCheck {
  const ip = node.ip
  const bytes = ip === undefined ? undefined : ipToBytes(ip)
  if (ip === undefined || bytes === undefined || bytes.every((b) => b === 0)) {
    return { ok: false, reason: 'rejected:no-ip' }
  }
  const udp = node.udp
  if (udp === undefined || !Number.isInteger(udp) || udp <= 0 || udp > 65535) {
    return { ok: false, reason: 'rejected:no-udp' }
  }
  return { ok: true, subnet: isLan(ip) ? undefined : subnetOf(bytes) }
}

function endpointChanged(a: TableNode, b: TableNode): boolean {
  return a.ip !== b.ip || a.udp !== b.udp
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer ≥ 1`)
  return value
}

function checkId(id: unknown, name: string): asserts id is NodeId {
  if (!(id instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (id.length !== 32) throw new RangeError(`${name} must be 32 bytes, got ${id.length}`)
}

function checkTime(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw new TypeError('now must be a finite number')
}

/**
 * The Kademlia table of discovery v4 (see the module comment).
 *
 * Each bucket holds its nodes most recently seen first: a node learned from a Neighbors
 * reply joins at the end, a node that proved liveness (bonded, or answered a revalidation)
 * moves to the front. A full bucket sends newcomers to its replacement list (most recent
 * first, bounded); when a bucket node dies, {@link replace} promotes a random replacement,
 * as geth does.
 *
 * IP limits count replacements too (as in geth): in a bucket at most `bucketIpLimit`
 * nodes per /24 (IPv4 or IPv6), in the table at most `tableIpLimit`; LAN addresses
 * (loopback, 10/8, 172.16/12, 192.168/16, 0/8, fe80::/10, fc00::/7) are exempt. Our own
 * id, and nodes without an IP address or a UDP port, are never taken.
 *
 * Memory is bounded: at most 17 × (bucketSize + maxReplacements) nodes.
 *
 * @typeParam N the node type; {@link ENode} unless a caller brings its own {@link TableNode}.
 */
export class Table<N extends TableNode = ENode> {
  /** Our own id. */
  readonly self: NodeId
  readonly bucketSize: number
  readonly maxReplacements: number
  readonly bucketIpLimit: number
  readonly tableIpLimit: number
  readonly #selfHex: NodeIdHex
  readonly #rand: () => number
  /** bounded: N_BUCKETS. */
  readonly #buckets: Bucket<N>[]
  /** bounded: N_BUCKETS × (bucketSize + maxReplacements); every slot, by id. */
  readonly #index = new Map<NodeIdHex, Slot<N>>()
  /** bounded: one key per slot of the table; subnet → count over entries and replacements. */
  readonly #ips = new Map<string, number>()
  #size = 0

  /**
   * @throws TypeError when `self` is not a `Uint8Array` or `rand` not a function.
   * @throws RangeError when `self` is not 32 bytes or a size or limit is not an integer ≥ 1.
   */
  constructor(options: TableOptions) {
    checkId(options.self, 'self')
    this.self = Uint8Array.from(options.self)
    this.#selfHex = nodeIdHex(this.self)
    this.bucketSize = positiveInt(options.bucketSize, BUCKET_SIZE, 'bucketSize')
    this.maxReplacements = positiveInt(options.maxReplacements, MAX_REPLACEMENTS, 'maxReplacements')
    this.bucketIpLimit = positiveInt(options.bucketIpLimit, BUCKET_IP_LIMIT, 'bucketIpLimit')
    this.tableIpLimit = positiveInt(options.tableIpLimit, TABLE_IP_LIMIT, 'tableIpLimit')
    const rand = options.rand ?? Math.random
    if (typeof rand !== 'function') throw new TypeError('rand must be a function')
    this.#rand = rand
    this.#buckets = Array.from({ length: N_BUCKETS }, () => ({
      entries: [],
      replacements: [],
      ips: new Map(),
    }))
  }

  /** The number of nodes in the buckets (replacements not counted). */
  get size(): number {
    return this.#size
  }

  /**
   * The bucket index (0 … {@link N_BUCKETS} − 1) that `id` belongs to: for log distance
   * d from us, d − 240 when d > 240, else 0 (geth's `bucketAtDistance`: distances 241–256
   * have a bucket each, all closer ones share bucket 0). Our own id maps to bucket 0 but is
   * never stored.
   *
   * @throws TypeError / RangeError when `id` is not 32 bytes.
   */
  bucketOf(id: NodeId): number {
    const d = logDistance(this.self, id)
    return d <= BUCKET_MIN_DISTANCE + 1 ? 0 : d - BUCKET_MIN_DISTANCE - 1
  }

  /**
   * A copy of bucket `index`'s lists (entries most recently seen first, replacements most
   * recently added first).
   *
   * @throws RangeError when `index` is not 0 … {@link N_BUCKETS} − 1.
   */
  bucket(index: number): BucketView<N> {
    const b = Number.isInteger(index) ? this.#buckets[index] : undefined
    if (b === undefined) throw new RangeError(`bucket index must be 0–${N_BUCKETS - 1}`)
    return { entries: [...b.entries], replacements: [...b.replacements] }
  }

  /** The bucket entry of `id`, or `undefined` when it is not in a bucket (replacements are not). */
  get(id: NodeId): TableEntry<N> | undefined {
    const slot = this.#index.get(nodeIdHex(id))
    return slot?.inBucket ? slot : undefined
  }

  /** Whether `id` is in a bucket (replacements are not). */
  has(id: NodeId): boolean {
    return this.get(id) !== undefined
  }

  /** Every bucket entry, bucket by bucket (closest bucket first), most recently seen first in each. */
  nodes(): TableEntry<N>[] {
    const out: TableEntry<N>[] = []
    for (const b of this.#buckets) for (const slot of b.entries) out.push(slot)
    return out
  }

  /**
   * Adds a node learned from someone else (a Neighbors reply, a seed): not verified.
   *
   * - Known (bucket or replacements): only a higher record `seq` is taken (with its
   *   endpoint, IP limits checked again; a new endpoint also resets `livenessChecks` and
   *   asks for a quick revalidation). A replacement moves into its bucket if there is room.
   * - New, bucket has room: appended at the end (the least recently seen end).
   * - New, bucket full: put at the front of the bucket's replacement list, dropping the
   *   oldest replacement beyond the limit.
   *
   * @param now the current time, ms.
   */
  addFoundNode(node: N, now: number): AddResult {
    return this.#add(node, now, false)
  }

  /**
   * Adds a node that proved liveness (it answered our ping, or pinged us and we bonded).
   * As {@link addFoundNode}, except that a known node moves to the front of its list (most
   * recently seen) with `lastSeen = now`, and its endpoint and node object are replaced
   * when the endpoint changed or the new `seq` is not lower (IP limits checked again; when
   * they refuse the new endpoint, the node is left as it was). A new node goes to the front.
   *
   * @param now the current time, ms.
   */
  addVerifiedNode(node: N, now: number): AddResult {
    return this.#add(node, now, true)
  }

  /**
   * Removes `id` from the table (bucket or replacement list) without promoting a
   * replacement. Returns whether it was there.
   */
  delete(id: NodeId): boolean {
    const idHex = nodeIdHex(id)
    const slot = this.#index.get(idHex)
    if (slot === undefined) return false
    const b = this.#bucketFor(slot.node.id)
    const list = slot.inBucket ? b.entries : b.replacements
    list.splice(list.indexOf(slot), 1)
    if (slot.inBucket) this.#size--
    this.#forget(b, slot)
    return true
  }

  /**
   * Removes the bucket node `id` (found dead) and promotes a replacement in its place: a
   * random one from the bucket's replacement list, as geth does, appended at the end of
   * the bucket and marked for a quick revalidation. Returns the promoted node, or
   * `undefined` when there was no replacement. Does nothing (and returns `undefined`)
   * when `id` is not in a bucket.
   */
  replace(id: NodeId): N | undefined {
    const slot = this.#index.get(nodeIdHex(id))
    if (slot === undefined || !slot.inBucket) return undefined
    const b = this.#bucketFor(slot.node.id)
    b.entries.splice(b.entries.indexOf(slot), 1)
    this.#size--
    this.#forget(b, slot)
    if (b.replacements.length === 0) return undefined
    const pick = Math.min(
      Math.floor(this.#rand() * b.replacements.length),
      b.replacements.length - 1,
    )
    const [promoted] = b.replacements.splice(Math.max(0, pick), 1)
    if (promoted === undefined) return undefined
    promoted.inBucket = true
    promoted.revalidateSoon = true
    b.entries.push(promoted) // its IP is already counted: replacements count toward the limits
    this.#size++
    return promoted.node
  }

  /**
   * The up to `n` bucket nodes closest to `target` by XOR distance, closest first,
   * optionally only those `filter` accepts.
   *
   * Visits buckets in distance order and stops as soon as the rest cannot be closer: for
   * d = logdist(self, target) > 240, the nodes of d's own bucket are closest, then those of
   * the lower buckets (all at log distance d from the target), then each higher bucket in
   * turn; for d ≤ 240, bucket 0 (all within log distance 240 of the target), then bucket
   * 1, 2, … in turn.
   *
   * @throws TypeError / RangeError when `target` is not 32 bytes.
   */
  closest(target: NodeId, n: number, filter?: (entry: TableEntry<N>) => boolean): TableEntry<N>[] {
    checkId(target, 'target')
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
    const own = this.bucketOf(target)
    visit(this.#buckets[own]!)
    if (result.length < limit) {
      for (let i = 0; i < own; i++) visit(this.#buckets[i]!)
    }
    for (let i = own + 1; i < N_BUCKETS && result.length < limit; i++) visit(this.#buckets[i]!)
    return result
  }

  /**
   * Up to `n` distinct bucket entries in random order (for seeding a dial iterator).
   * Uses the table's `rand`.
   */
  randomNodes(n: number): TableEntry<N>[] {
    // bounded: the table's size
    const all = this.nodes()
    const count = Math.max(0, Math.min(Math.floor(n), all.length))
    for (let i = 0; i < count; i++) {
      const j = i + Math.min(Math.floor(this.#rand() * (all.length - i)), all.length - i - 1)
      const t = all[i]!
      all[i] = all[j]!
      all[j] = t
    }
    return all.slice(0, count)
  }

  /**
   * The bucket entry the revalidation loop should ping next, or `undefined` when there is
   * none. A simplification of geth's fast/slow lists: entries marked `revalidateSoon`
   * (new, promoted, endpoint changed, last check failed — geth's fast list) come first,
   * then the entry checked least recently. Ties are broken at random with `rand`.
   *
   * @param rand uniform random numbers in [0, 1); the table's by default.
   * @param exclude ids to skip (say, those with a ping in flight).
   */
  nodeToRevalidate(
    rand: () => number = this.#rand,
    exclude?: { has(idHex: NodeIdHex): boolean },
  ): TableEntry<N> | undefined {
    // bounded: the table's size
    let best: Slot<N>[] = []
    let bestKey = Number.POSITIVE_INFINITY
    for (const b of this.#buckets) {
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
   * Records the outcome of a revalidation ping to bucket node `id` (geth's rules):
   * - answered: `livenessChecks` + 1, `lastSeen` = `lastChecked` = `now`, moved to the
   *   front of its bucket;
   * - no answer: `livenessChecks` divided by 3 (rounded down); at 0 the node is removed
   *   and a replacement promoted ({@link replace}); otherwise it is marked
   *   `revalidateSoon`.
   *
   * Returns `{ status: 'unknown' }` when `id` is not in a bucket.
   */
  markRevalidated(id: NodeId, ok: boolean, now: number): RevalidationResult<N> {
    checkTime(now)
    const slot = this.#index.get(nodeIdHex(id))
    if (slot === undefined || !slot.inBucket) return { status: 'unknown' }
    slot.lastChecked = now
    if (ok) {
      slot.livenessChecks++
      slot.lastSeen = now
      slot.revalidateSoon = false
      this.#moveToFront(this.#bucketFor(slot.node.id).entries, slot)
      return { status: 'alive', entry: slot }
    }
    slot.livenessChecks = Math.floor(slot.livenessChecks / 3)
    if (slot.livenessChecks === 0) return { status: 'removed', promoted: this.replace(id) }
    slot.revalidateSoon = true
    return { status: 'failed', entry: slot }
  }

  // ---- internals ------------------------------------------------------------------

  #bucketFor(id: NodeId): Bucket<N> {
    return this.#buckets[this.bucketOf(id)]!
  }

  #add(node: N, now: number, verified: boolean): AddResult {
    checkTime(now)
    checkId(node.id, 'node.id')
    if (node.idHex === this.#selfHex) return 'rejected:self'
    const address = checkAddress(node)
    if (!address.ok) return address.reason
    const b = this.#bucketFor(node.id)
    const slot = this.#index.get(node.idHex)

    if (slot !== undefined) {
      const changed = endpointChanged(slot.node, node)
      const take = verified ? changed || node.seq >= slot.node.seq : node.seq > slot.node.seq
      if (take) {
        if (changed) {
          const refused = this.#moveIp(b, slot, address.subnet)
          if (refused !== undefined) return refused
          slot.revalidateSoon = true
          if (!verified) slot.livenessChecks = 0
        }
        slot.node = node
      }
      if (verified) slot.lastSeen = now
      if (slot.inBucket) {
        if (verified) this.#moveToFront(b.entries, slot)
        return 'exists'
      }
      if (b.entries.length < this.bucketSize) {
        // a replacement, and its bucket has room: it moves in (its IP is already counted)
        b.replacements.splice(b.replacements.indexOf(slot), 1)
        slot.inBucket = true
        slot.revalidateSoon = true
        if (verified) b.entries.unshift(slot)
        else b.entries.push(slot)
        this.#size++
        return 'added'
      }
      if (verified) this.#moveToFront(b.replacements, slot)
      return 'exists'
    }

    const refused = this.#takeIp(b, address.subnet)
    if (refused !== undefined) return refused
    const fresh: Slot<N> = {
      node,
      addedAt: now,
      livenessChecks: 0,
      lastSeen: verified ? now : undefined,
      lastChecked: undefined,
      revalidateSoon: true,
      subnet: address.subnet,
      inBucket: b.entries.length < this.bucketSize,
    }
    this.#index.set(node.idHex, fresh)
    if (fresh.inBucket) {
      if (verified) b.entries.unshift(fresh)
      else b.entries.push(fresh)
      this.#size++
      return 'added'
    }
    b.replacements.unshift(fresh)
    if (b.replacements.length > this.maxReplacements) {
      const dropped = b.replacements.pop()!
      this.#forget(b, dropped)
    }
    return 'replacement'
  }

  #moveToFront(list: Slot<N>[], slot: Slot<N>): void {
    const i = list.indexOf(slot)
    if (i <= 0) return
    list.splice(i, 1)
    list.unshift(slot)
  }

  /** Drops a slot (already out of its list) from the index and the IP counts. */
  #forget(b: Bucket<N>, slot: Slot<N>): void {
    this.#index.delete(slot.node.idHex)
    this.#releaseIp(b, slot.subnet)
  }

  /** Counts an address against the limits, or says which limit refuses it. */
  #takeIp(b: Bucket<N>, subnet: string | undefined): RejectReason | undefined {
    if (subnet === undefined) return undefined
    const inTable = this.#ips.get(subnet) ?? 0
    if (inTable >= this.tableIpLimit) return 'rejected:table-ip-limit'
    const inBucket = b.ips.get(subnet) ?? 0
    if (inBucket >= this.bucketIpLimit) return 'rejected:bucket-ip-limit'
    this.#ips.set(subnet, inTable + 1)
    b.ips.set(subnet, inBucket + 1)
    return undefined
  }

  #releaseIp(b: Bucket<N>, subnet: string | undefined): void {
    if (subnet === undefined) return
    decrement(this.#ips, subnet)
    decrement(b.ips, subnet)
  }

  /** Moves a slot's IP count to a new subnet; on refusal the old count stays. */
  #moveIp(b: Bucket<N>, slot: Slot<N>, subnet: string | undefined): RejectReason | undefined {
    this.#releaseIp(b, slot.subnet)
    const refused = this.#takeIp(b, subnet)
    if (refused !== undefined) {
      this.#takeIp(b, slot.subnet) // cannot fail: it was just released
      return refused
    }
    slot.subnet = subnet
    return undefined
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = map.get(key)
  if (n === undefined) return
  if (n <= 1) map.delete(key)
  else map.set(key, n - 1)
}
