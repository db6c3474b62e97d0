/** The in-memory cache of bond times in front of the node database. */

/** (node id, IP) pairs whose bond times are cached; the least recently used go first. */
export const BOND_CACHE_MAX_ENTRIES = 10_000

/** When we last received a Ping and a Pong from one node at one IP (ms; 0 = never). */
export interface BondTimes {
  pingReceived: number
  pongReceived: number
}

/** An LRU of bond times keyed by `id@ip`; the node database keeps what falls out. */
export class BondCache {
  // bounded: BOND_CACHE_MAX_ENTRIES pairs, least recently used evicted first
  readonly #entries = new Map<string, BondTimes>()

  /** Pairs cached (for tests). */
  get size(): number {
    return this.#entries.size
  }

  get(key: string): BondTimes | undefined {
    return this.#entries.get(key)
  }

  /** Stores `times` as the most recently used entry, evicting the least recently used. */
  remember(key: string, times: BondTimes): void {
    this.#entries.delete(key)
    this.#entries.set(key, times)
    if (this.#entries.size > BOND_CACHE_MAX_ENTRIES)
      this.#entries.delete(this.#entries.keys().next().value!)
  }
}
