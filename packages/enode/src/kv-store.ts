import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@devp2p/common'
import { ClassicLevel } from 'classic-level'
import { EnodeError } from './errors.js'

/** One write in a {@link KvStore.batch}. */
export type KvOp =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'del'; key: Uint8Array }

/** The ordered key-value store under the node database: LevelDB on disk, or a Map. */
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

/** LevelDB's own file names; only these are removed when a corrupt database is reset. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst))$/

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof cause === 'string' ? cause : typeof code === 'string' ? code : undefined
}

/** LevelDB through classic-level. */
export class LevelStore implements KvStore {
  readonly #db: ClassicLevel<Uint8Array, Uint8Array>

  private constructor(db: ClassicLevel<Uint8Array, Uint8Array>) {
    this.#db = db
  }

  /**
   * Opens (creating) the database at `path`. A database that fails to open for any
   * reason but a lock held by another process is reset: LevelDB's files in the directory
   * are removed (nothing else is touched) and it is opened afresh.
   *
   * @throws EnodeError `DB_UNAVAILABLE` when it is locked or cannot be opened after a reset.
   */
  static async open(path: string, logger: Logger): Promise<LevelStore> {
    const attempt = async () => {
      const db = new ClassicLevel<Uint8Array, Uint8Array>(path, {
        keyEncoding: 'view',
        valueEncoding: 'view',
      })
      await db.open()
      return new LevelStore(db)
    }
    try {
      return await attempt()
    } catch (err) {
      if (errorCode(err) === 'LEVEL_LOCKED') {
        throw new EnodeError(
          'DB_UNAVAILABLE',
          `node database ${path} is in use by another process`,
          {
            cause: err,
          },
        )
      }
      logger.warn({ path, code: errorCode(err) }, 'node database cannot be opened, resetting it')
    }
    try {
      for (const name of await readdir(path)) {
        if (LEVELDB_FILE.test(name)) await rm(join(path, name), { force: true, recursive: true })
      }
      return await attempt()
    } catch (err) {
      throw new EnodeError('DB_UNAVAILABLE', `node database ${path} cannot be opened`, {
        cause: err,
      })
    }
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = await this.#db.get(key)
    return value === undefined ? undefined : new Uint8Array(value)
  }

  async batch(ops: readonly KvOp[]): Promise<void> {
    await this.#db.batch(ops as KvOp[])
  }

  async *entries(
    gte: Uint8Array,
    lt: Uint8Array,
    limit = -1,
  ): AsyncIterable<[Uint8Array, Uint8Array]> {
    for await (const [key, value] of this.#db.iterator({ gte, lt, limit })) {
      yield [new Uint8Array(key), new Uint8Array(value)]
    }
  }

  async clear(): Promise<void> {
    await this.#db.clear()
  }

  async close(): Promise<void> {
    await this.#db.close()
  }
}
