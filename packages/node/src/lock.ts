import { open, readFile, unlink } from 'node:fs/promises'
import type { Logger } from '@devp2p/common'
import { LOCK_FILE_MODE } from './constants.js'
import { NodeError } from './errors.js'

/** A held data-directory lock; `release()` removes the file (idempotent). */
export interface DirLock {
  readonly path: string
  release(): Promise<void>
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function createExclusive(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', LOCK_FILE_MODE)
    try {
      await fh.writeFile(`${process.pid}\n`)
    } finally {
      await fh.close()
    }
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new NodeError('DATADIR_IO', `cannot create the lock file ${path}`, { cause: err })
  }
}

/** The pid in a lock file, or undefined when it holds none (a crash while writing it). */
async function lockHolder(path: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(path, 'latin1')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new NodeError('DATADIR_IO', `cannot read the lock file ${path}`, { cause: err })
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/**
 * Takes the lock file at `path`: created exclusively, holding our pid. A lock held by a
 * live process is refused (`DATADIR_LOCKED`); one whose process is gone (or that holds
 * no pid) is stale: it is removed with a warning and taken once more.
 */
export async function acquireLock(path: string, log: Logger): Promise<DirLock> {
  if (!(await createExclusive(path))) {
    const pid = await lockHolder(path)
    if (pid !== undefined && processAlive(pid)) {
      const who = pid === process.pid ? 'another node in this process' : `process ${pid}`
      throw new NodeError('DATADIR_LOCKED', `the data directory is in use by ${who} (${path})`)
    }
    log.warn({ path, pid }, 'taking over a stale data directory lock')
    try {
      await unlink(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new NodeError('DATADIR_IO', `cannot remove the stale lock file ${path}`, {
          cause: err,
        })
      }
    }
    // another process taking it over at the same moment wins; we refuse
    if (!(await createExclusive(path))) {
      throw new NodeError('DATADIR_LOCKED', `the data directory was locked meanwhile (${path})`)
    }
  }
  let released = false
  return {
    path,
    async release() {
      if (released) return
      released = true
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') {
          throw new NodeError('DATADIR_IO', `cannot remove the lock file ${path}`, { cause: err })
        }
      })
    },
  }
}
