/**
 * The Kademlia node table shared by the discovery protocols: keyed by XOR distance from
 * our own id, laid out as go-ethereum's (17 buckets of 16 nodes, each with up to 10
 * replacements; log distances 241–256 have a bucket each, every closer one shares bucket
 * 0), with geth's eclipse defences (at most 2 nodes per /24 in a bucket and 10 per /24 in
 * the table, LAN addresses exempt; see `table-ips.ts`).
 *
 * A pure data structure: no I/O, no timers, no clock. Its owner drives it and passes the
 * time (`now`, milliseconds) into every call that records one.
 *
 * @packageDocumentation
 */

import { type ENode, logDistance, type NodeId, type NodeIdHex, nodeIdHex } from '@devp2p/enode'
import {
  BUCKET_IP_LIMIT,
  BUCKET_MIN_DISTANCE,
  BUCKET_SIZE,
  MAX_REPLACEMENTS,
  N_BUCKETS,
  TABLE_IP_LIMIT,
} from './constants.js'
import { checkId, checkTime, positiveInt } from './table-args.js'
import { closestInBuckets } from './table-closest.js'
import { checkAddress, type IpCounts, moveIp, releaseIp, takeIp } from './table-ips.js'
import { recordCheck, slotToRevalidate } from './table-revalidation.js'
import type {
  AddResult,
  Bucket,
  BucketView,
  RevalidationResult,
  Slot,
  TableEntry,
  TableNode,
  TableOptions,
} from './table-types.js'

function endpointChanged(a: TableNode, b: TableNode): boolean {
  return a.ip !== b.ip || a.udp !== b.udp
}

/**
 * The Kademlia table (see the module comment).
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
   *
   * @param now the current time, ms (the promoted node's `addedToBucket`).
   */
  replace(id: NodeId, now: number): N | undefined {
    checkTime(now)
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
    promoted.addedToBucket = now
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
    return closestInBuckets(this.#buckets, this.bucketOf(target), target, n, filter)
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
    return slotToRevalidate(this.#buckets, rand, exclude)
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
    const outcome = recordCheck(slot, ok, now)
    if (outcome === 'dead') return { status: 'removed', promoted: this.replace(id, now) }
    if (outcome === 'alive') this.#moveToFront(this.#bucketFor(slot.node.id).entries, slot)
    return { status: outcome, entry: slot }
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
          const refused = moveIp(this.#counts(b), slot.subnet, address.subnet)
          if (refused !== undefined) return refused
          slot.subnet = address.subnet
          slot.revalidateSoon = true
          slot.live = false
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
        slot.addedToBucket = now
        slot.revalidateSoon = true
        if (verified) b.entries.unshift(slot)
        else b.entries.push(slot)
        this.#size++
        return 'added'
      }
      if (verified) this.#moveToFront(b.replacements, slot)
      return 'exists'
    }

    const refused = takeIp(this.#counts(b), address.subnet)
    if (refused !== undefined) return refused
    const fresh: Slot<N> = {
      node,
      addedAt: now,
      addedToBucket: undefined,
      livenessChecks: 0,
      lastSeen: verified ? now : undefined,
      lastChecked: undefined,
      live: false,
      revalidateSoon: true,
      subnet: address.subnet,
      inBucket: b.entries.length < this.bucketSize,
    }
    if (fresh.inBucket) fresh.addedToBucket = now
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
    releaseIp(this.#counts(b), slot.subnet)
  }

  #counts(b: Bucket<N>): IpCounts {
    return {
      table: this.#ips,
      tableLimit: this.tableIpLimit,
      bucket: b.ips,
      bucketLimit: this.bucketIpLimit,
    }
  }
}
