import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock, Logger } from '@devp2p/common'
import { generatePrivateKey, loadOrCreateNodeKey } from '@devp2p/crypto'
import { NodeDB } from '@devp2p/enode'
import { DATA_DIR_MODE, LOCK_FILE, NODE_DB_DIR, NODE_KEY_FILE } from './constants.js'
import { NodeError } from './errors.js'
import { acquireLock, type DirLock } from './lock.js'

/** What an opened data directory (or its in-memory stand-in) gives the node. */
export interface OpenedDir {
  readonly privateKey: Uint8Array
  readonly db: NodeDB
  /** Closes the database and releases the lock (in that order). */
  close(): Promise<void>
}

/**
 * Opens the data directory: creates it (0700), takes its `LOCK`, loads or creates
 * `nodekey` (unless a key is given) and opens the node database in `nodes/`. Without a
 * directory: the given key or a new one, and a node database in memory. On failure
 * whatever was opened is closed again.
 */
export async function openDataDir(options: {
  readonly dataDir: string | undefined
  readonly privateKey: Uint8Array | undefined
  readonly logger: Logger
  readonly clock: Clock
}): Promise<OpenedDir> {
  const { dataDir, logger, clock } = options
  if (dataDir === undefined) {
    const privateKey = options.privateKey ?? generatePrivateKey()
    const db = await NodeDB.open({ logger, clock })
    return { privateKey, db, close: () => db.close() }
  }
  try {
    await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE })
  } catch (err) {
    throw new NodeError('DATADIR_IO', `cannot create the data directory ${dataDir}`, {
      cause: err,
    })
  }
  const lock: DirLock = await acquireLock(join(dataDir, LOCK_FILE), logger)
  try {
    const privateKey =
      options.privateKey ?? (await loadOrCreateNodeKey(join(dataDir, NODE_KEY_FILE)))
    const db = await NodeDB.open({ path: join(dataDir, NODE_DB_DIR), logger, clock })
    return {
      privateKey,
      db,
      async close() {
        try {
          await db.close()
        } finally {
          await lock.release()
        }
      },
    }
  } catch (err) {
    await lock.release()
    throw err
  }
}
