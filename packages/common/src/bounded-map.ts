/** Options of {@link BoundedMap}. */
export interface BoundedMapOptions<K, V> {
  /** The most entries the map holds (a positive integer); name it after what it bounds. */
  readonly maxSize: number
  /**
   * Which entry goes when a new key arrives at a full map: the oldest inserted
   * (`insertion`, the default), or the least recently read or written (`recency`, an LRU).
   */
  readonly evict?: 'insertion' | 'recency'
  /** Called with each entry pushed out by a new one (not for `delete` or `clear`). */
  readonly onEvict?: (key: K, value: V) => void
}

/**
 * A `Map` that never holds more than `maxSize` entries: a remote party can add keys but
 * cannot grow memory. `set` of a new key at a full map first evicts the oldest entry (or
 * the least recently used one). All operations are O(1).
 *
 * @example
 * ```ts
 * export const BOND_CACHE_MAX_ENTRIES = 10_000
 * const bonds = new BoundedMap<string, BondTimes>({ maxSize: BOND_CACHE_MAX_ENTRIES, evict: 'recency' })
 * ```
 */
export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly maxSize: number
  readonly #recency: boolean
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  // bounded: at most maxSize entries, enforced by set()
  readonly #map = new Map<K, V>()

  /** @throws RangeError when `maxSize` is not a positive safe integer. */
  constructor(options: BoundedMapOptions<K, V>) {
    const { maxSize } = options
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new RangeError(`maxSize must be a positive integer, got ${maxSize}`)
    this.maxSize = maxSize
    this.#recency = options.evict === 'recency'
    this.#onEvict = options.onEvict
  }

  get size(): number {
    return this.#map.size
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /** The value of `key`; with `evict: 'recency'` this also marks it recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (this.#recency && value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  /** The value of `key`, without marking it used. */
  peek(key: K): V | undefined {
    return this.#map.get(key)
  }

  /** Stores `value` under `key`, evicting one entry if a new key meets a full map. */
  set(key: K, value: V): this {
    if (this.#map.has(key)) {
      if (this.#recency) this.#map.delete(key)
      this.#map.set(key, value)
      return this
    }
    if (this.#map.size >= this.maxSize) {
      const [oldKey, oldValue] = this.#map.entries().next().value as [K, V]
      this.#map.delete(oldKey)
      this.#onEvict?.(oldKey, oldValue)
    }
    this.#map.set(key, value)
    return this
  }

  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  clear(): void {
    this.#map.clear()
  }

  keys(): IterableIterator<K> {
    return this.#map.keys()
  }

  values(): IterableIterator<V> {
    return this.#map.values()
  }

  entries(): IterableIterator<[K, V]> {
    return this.#map.entries()
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#map.entries()
  }
}
