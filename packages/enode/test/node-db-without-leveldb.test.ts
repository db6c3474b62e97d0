/**
 * NodeDB without `classic-level` installed (an optional peer dependency): in memory it
 * opens and works; with a path it is a typed error that says what to install. The failed
 * import is simulated by replacing the one module that imports `classic-level`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EnodeError, NodeDB } from '../src/index.js'
import { tempDir } from './support.js'

const importClassicLevel = vi.hoisted(() => vi.fn())
vi.mock('../src/classic-level-module.js', () => ({ importClassicLevel }))

const notFound = Object.assign(
  new Error("Cannot find package 'classic-level' imported from /app/node_modules/@devp2p/enode"),
  { code: 'ERR_MODULE_NOT_FOUND' },
)

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  importClassicLevel.mockReset()
})

describe('NodeDB without classic-level', () => {
  it('opens in memory without loading LevelDB', async () => {
    importClassicLevel.mockRejectedValue(notFound)
    const db = await NodeDB.open()
    cleanups.push(() => db.close())
    await db.setLastPong(new Uint8Array(32).fill(1), '10.0.0.1', 1000)
    expect(await db.lastPong(new Uint8Array(32).fill(1), '10.0.0.1')).toBe(1000)
    expect(importClassicLevel).not.toHaveBeenCalled()
  })

  it('with a path, throws DB_LEVELDB_MISSING naming the package to install', async () => {
    importClassicLevel.mockRejectedValue(notFound)
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const err = await NodeDB.open({ path: dir.path }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EnodeError)
    expect((err as EnodeError).code).toBe('DB_LEVELDB_MISSING')
    expect((err as EnodeError).message).toContain('npm install classic-level')
    expect((err as EnodeError).cause).toBe(notFound)
    expect(importClassicLevel).toHaveBeenCalledTimes(1)
  })

  it('with a path, opens on disk once the module loads', async () => {
    importClassicLevel.mockImplementation(() => import('classic-level'))
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const db = await NodeDB.open({ path: dir.path })
    cleanups.push(() => db.close())
    expect(db.inMemory).toBe(false)
    expect(importClassicLevel).toHaveBeenCalledTimes(1)
  })
})
