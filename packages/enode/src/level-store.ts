import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@devp2p/common'
import type { ClassicLevel } from 'classic-level'
import { type ClassicLevelModule, importClassicLevel } from './classic-level-module.js'
import { EnodeError } from './errors.js'
import type { KvOp, KvStore } from './kv-store.js'

/** LevelDB's own file names; only these are removed when a corrupt database is reset. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst))$/

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof cause === 'string' ? cause : typeof code === 'string' ? code : undefined
}

/**
 * `classic-level`, imported on the first on-disk open.
 *
 * @throws EnodeError `DB_LEVELDB_MISSING` when it is not installed or does not load.
 */
async function loadClassicLevel(): Promise<ClassicLevelModule> {
  try {
    return await importClassicLevel()
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new EnodeError(
      'DB_LEVELDB_MISSING',
      `an on-disk node database needs LevelDB: install the classic-level package ` +
        `(npm install classic-level) or open the database without a path (${reason})`,
      { cause: err },
    )
  }
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
   * @throws EnodeError `DB_LEVELDB_MISSING` when `classic-level` cannot be loaded;
   *   `DB_UNAVAILABLE` when the database is locked or cannot be opened after a reset.
   */
  static async open(path: string, logger: Logger): Promise<LevelStore> {
    const { ClassicLevel } = await loadClassicLevel()
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
