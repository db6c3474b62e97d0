import type { Clock } from './clock.js'

/** Options for {@link ExpiringSet}. */
export interface ExpiringSetOptions {
  /** Where `now()` comes from; only `now` is used. */
  clock: Pick<Clock, 'now'>
  /** The most entries the set holds, expired or not (a positive integer). */
  maxSize: number
}

/** One key with its expiry, and where it sits in the heap. */
interface Entry<K> {
  key: K
  /** Absolute expiry, clock milliseconds. */
  expiry: number
  /** Tie-break among equal expiries: the older add expires (and is evicted) first. */
  seq: number
  /** Index in the heap array. */
  index: number
}

/**
 * A bounded set of keys, each with an absolute expiry time in clock milliseconds: the
 * server's inbound throttle (an IP may connect once per 30 s) and dial history (a node
 * is not redialed within 35 s), like geth's `expHeap`.
 *
 * Expired entries are removed lazily, by {@link ExpiringSet.has} and {@link ExpiringSet.expire},
 * or when room is needed. The set never holds more than `maxSize` entries: adding a new
 * key to a full set first removes every expired entry and then, if it is still full,
 * evicts the entry that expires soonest. Every remote party can add keys, so a flood of
 * distinct IPs can only evict throttle entries early; it can never grow memory.
 *
 * An indexed binary min-heap keyed by expiry plus a `Map` from key to heap entry: `add`,
 * `has`, `delete` are O(log n), `expire` is O(log n) per removed entry, `nextExpiry` and
 * `size` O(1); there are no stale heap entries, whatever the mix of ttls.
 *
 * @example
 * ```ts
 * const recent = new ExpiringSet<string>({ clock: systemClock, maxSize: 10_000 })
 * if (recent.has(ip)) return reject('too many attempts')
 * recent.add(ip, 30_000)
 * ```
 */
export class ExpiringSet<K> {
  readonly #clock: Pick<Clock, 'now'>
  readonly #maxSize: number
  // bounded: #entries and #heap hold exactly the same entries, at most #maxSize of them;
  // add() makes room (expired first, then the soonest to expire) before inserting a new key.
  readonly #entries = new Map<K, Entry<K>>()
  /** Min-heap by (expiry, seq); `heap[i].index === i`. */
  readonly #heap: Entry<K>[] = []
  #seq = 0

  /** @throws RangeError when `maxSize` is not a positive safe integer. */
  constructor(options: ExpiringSetOptions) {
    const { clock, maxSize } = options
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new RangeError(`maxSize must be a positive integer, got ${maxSize}`)
    this.#clock = clock
    this.#maxSize = maxSize
  }

  /**
   * Adds `key`, expiring `ttlMs` from now (`Infinity` never expires). An entry for the
   * same key is replaced, whether its expiry was earlier or later. Adding a new key to a
   * full set removes the expired entries, then, if still full, the one expiring soonest.
   *
   * @throws RangeError when `ttlMs` is negative or NaN.
   */
  add(key: K, ttlMs: number): void {
    if (!(ttlMs >= 0)) throw new RangeError(`ttlMs must be a non-negative number, got ${ttlMs}`)
    const now = this.#clock.now()
    const expiry = now + ttlMs
    const seq = ++this.#seq
    const existing = this.#entries.get(key)
    if (existing !== undefined) {
      existing.expiry = expiry
      existing.seq = seq
      this.#fix(existing.index)
      return
    }
    if (this.#entries.size >= this.#maxSize) {
      this.#expireAt(now)
      if (this.#entries.size >= this.#maxSize) this.#removeAt(0)
    }
    const entry: Entry<K> = { key, expiry, seq, index: this.#heap.length }
    this.#heap.push(entry)
    this.#entries.set(key, entry)
    this.#siftUp(entry.index)
  }

  /** Whether `key` is in the set and not expired (`now() < expiry`); removes it if expired. */
  has(key: K): boolean {
    const entry = this.#entries.get(key)
    if (entry === undefined) return false
    if (this.#clock.now() < entry.expiry) return true
    this.#removeAt(entry.index)
    return false
  }

  /** Removes `key`; whether it was there (expired or not). */
  delete(key: K): boolean {
    const entry = this.#entries.get(key)
    if (entry === undefined) return false
    this.#removeAt(entry.index)
    return true
  }

  /** Removes every expired entry; how many were removed. */
  expire(): number {
    return this.#expireAt(this.#clock.now())
  }

  /** The number of entries not yet removed, expired ones included: call `expire()` first. */
  get size(): number {
    return this.#entries.size
  }

  /**
   * The earliest expiry time among the entries, or `undefined` when empty. It may be in
   * the past when expired entries have not been removed yet.
   */
  nextExpiry(): number | undefined {
    return this.#heap[0]?.expiry
  }

  #expireAt(now: number): number {
    let removed = 0
    for (let top = this.#heap[0]; top !== undefined && top.expiry <= now; top = this.#heap[0]) {
      this.#removeAt(0)
      removed++
    }
    return removed
  }

  #removeAt(index: number): void {
    const heap = this.#heap
    const entry = heap[index]!
    const last = heap.pop()!
    this.#entries.delete(entry.key)
    if (last === entry) return
    heap[index] = last
    last.index = index
    this.#fix(index)
  }

  /** Restores heap order around `index` after its entry changed. */
  #fix(index: number): void {
    if (!this.#siftUp(index)) this.#siftDown(index)
  }

  /** Whether `a` leaves the heap before `b`. */
  static #before<K>(a: Entry<K>, b: Entry<K>): boolean {
    return a.expiry < b.expiry || (a.expiry === b.expiry && a.seq < b.seq)
  }

  /** Moves the entry at `index` up; whether it moved. */
  #siftUp(index: number): boolean {
    const heap = this.#heap
    const entry = heap[index]!
    let i = index
    while (i > 0) {
      const parentIndex = (i - 1) >> 1
      const parent = heap[parentIndex]!
      if (!ExpiringSet.#before(entry, parent)) break
      heap[i] = parent
      parent.index = i
      i = parentIndex
    }
    heap[i] = entry
    entry.index = i
    return i !== index
  }

  #siftDown(index: number): void {
    const heap = this.#heap
    const n = heap.length
    const entry = heap[index]!
    let i = index
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && ExpiringSet.#before(heap[right]!, heap[left]!)) child = right
      const smallest = heap[child]!
      if (!ExpiringSet.#before(smallest, entry)) break
      heap[i] = smallest
      smallest.index = i
      i = child
    }
    heap[i] = entry
    entry.index = i
  }
}
