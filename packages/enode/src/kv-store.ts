/** One write in a {@link KvStore.batch}. */
export type KvOp =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; key: Uint8Array }

/**
 * The ordered key-value store under the node database: LevelDB on disk (`level-store.ts`,
 * loaded only when a path is given), or a Map.
 */
export interface KvStore {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  batch(ops: readonly KvOp[]): Promise<void>
  /** Entries with `gte <= key < lt`, in key order, at most `limit`. */
  entries(gte: Uint8Array, lt: Uint8Array, limit?: number): AsyncIterable<[Uint8Array, Uint8Array]>
  clear(): Promise<void>
  close(): Promise<void>
}

const latin1 = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const fromLatin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'))

/**
 * The in-memory store. Keys are kept as latin1 strings, whose code-unit order is the
 * byte order of the keys, so range queries sort like LevelDB.
 */
export class MemoryStore implements KvStore {
  // bounded: by what the node database stores; expire() removes nodes unseen for 24 h.
  readonly #map = new Map<string, Uint8Array>()

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#map.get(latin1(key))?.slice()
  }

  async batch(ops: readonly KvOp[]): Promise<void> {
    for (const op of ops) {
      // a copy, also of a Buffer (whose slice() is a view)
      if (op.type === 'put') this.#map.set(latin1(op.key), new Uint8Array(op.value))
      else this.#map.delete(latin1(op.key))
    }
  }

  async *entries(
    gte: Uint8Array,
    lt: Uint8Array,
    limit = Number.POSITIVE_INFINITY,
  ): AsyncIterable<[Uint8Array, Uint8Array]> {
    const lo = latin1(gte)
    const hi = latin1(lt)
    const keys = [...this.#map.keys()].filter((k) => k >= lo && k < hi).sort()
    for (const key of keys.slice(0, limit)) {
      const value = this.#map.get(key)
      if (value !== undefined) yield [fromLatin1(key), value.slice()]
    }
  }

  async clear(): Promise<void> {
    this.#map.clear()
  }

  async close(): Promise<void> {}
}
