import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NODE_KEY_TEMP_STALE_MS } from '../src/constants.js'
import { CryptoError, isValidPrivateKey, loadNodeKey, loadOrCreateNodeKey } from '../src/index.js'
import { bigToBytes, hex, N } from './support.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-crypto-nodekey-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    if (err instanceof CryptoError) return err.code
    throw err
  }
  return undefined
}

const KEY_HEX = '49a7b37aa6f6645917e7b807e9d1c00d4fa71f18343b0d4122a4d2df64dd6fee'

describe('loadOrCreateNodeKey', () => {
  it('creates a valid key as 64 lower-case hex characters with mode 0600, in a new 0700 directory, and reloads the same key', async () => {
    const path = join(dir, 'data', 'keys', 'nodekey')
    const key = await loadOrCreateNodeKey(path)
    expect(key.length).toBe(32)
    expect(isValidPrivateKey(key)).toBe(true)
    const text = await readFile(path, 'latin1')
    expect(text).toBe(hex(key))
    expect(text).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'data', 'keys'))).mode & 0o777).toBe(0o700)
    expect(hex(await loadOrCreateNodeKey(path))).toBe(hex(key))
    expect(hex(await loadNodeKey(path))).toBe(hex(key))
    // Only the key file remains: the temporary file is gone.
    expect(await readdir(join(dir, 'data', 'keys'))).toEqual(['nodekey'])
  })

  it.each([
    ['no line end (geth writes this)', KEY_HEX],
    ['\\n', `${KEY_HEX}\n`],
    ['\\r\\n', `${KEY_HEX}\r\n`],
    ['\\n\\n', `${KEY_HEX}\n\n`],
    ['upper-case hex', KEY_HEX.toUpperCase()],
  ])('loads an existing geth-style key file with %s', async (_name, content) => {
    const path = join(dir, 'nodekey')
    await writeFile(path, content)
    expect(hex(await loadOrCreateNodeKey(path))).toBe(KEY_HEX)
  })

  it.each([
    ['empty', ''],
    ['63 hex characters', KEY_HEX.slice(1)],
    ['65 hex characters', `${KEY_HEX}0`],
    ['a non-hex character', `${KEY_HEX.slice(0, 63)}g`],
    ['a 0x prefix', `0x${KEY_HEX}`],
    ['a trailing space', `${KEY_HEX} `],
    ['three trailing newlines', `${KEY_HEX}\n\n\n`],
    ['leading whitespace', ` ${KEY_HEX}`],
    ['the zero key', '0'.repeat(64)],
    ['k = n', hex(bigToBytes(N))],
    ['k = n + 1', hex(bigToBytes(N + 1n))],
    ['k = 2²⁵⁶ − 1', 'f'.repeat(64)],
    ['1 MiB of hex', 'a'.repeat(1 << 20)],
    ['binary key bytes instead of hex', Buffer.from(KEY_HEX, 'hex').toString('latin1')],
  ])(
    'refuses a corrupt key file (%s) with KEY_FILE_CORRUPT and leaves it untouched',
    async (_name, content) => {
      const path = join(dir, 'nodekey')
      await writeFile(path, content, 'latin1')
      const before = await stat(path)
      expect(await codeOf(loadOrCreateNodeKey(path))).toBe('KEY_FILE_CORRUPT')
      expect(await codeOf(loadNodeKey(path))).toBe('KEY_FILE_CORRUPT')
      expect(await readFile(path, 'latin1')).toBe(content)
      expect((await stat(path)).mtimeMs).toBe(before.mtimeMs)
      expect(await readdir(dir)).toEqual(['nodekey'])
    },
  )

  it('does not put the file content into the error message', async () => {
    const path = join(dir, 'nodekey')
    await writeFile(path, `${KEY_HEX.slice(0, 63)}z`)
    const err = await loadOrCreateNodeKey(path).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CryptoError)
    expect((err as Error).message).not.toContain(KEY_HEX.slice(0, 20))
  })

  it('loads a key file with loose permissions (0644) and leaves them alone', async () => {
    const path = join(dir, 'nodekey')
    await writeFile(path, KEY_HEX)
    await chmod(path, 0o644)
    expect(hex(await loadOrCreateNodeKey(path))).toBe(KEY_HEX)
    expect((await stat(path)).mode & 0o777).toBe(0o644)
  })

  it('creates the key despite temporary files left by a crash, removes the stale ones and leaves young or foreign ones', async () => {
    const path = join(dir, 'nodekey')
    const stale = join(dir, '.nodekey.0123456789abcdef.tmp')
    const young = join(dir, '.nodekey.fedcba9876543210.tmp')
    const foreign = join(dir, '.nodekey.backup.tmp')
    await writeFile(stale, KEY_HEX.slice(0, 30)) // a half-written key
    await writeFile(young, KEY_HEX)
    await writeFile(foreign, 'not ours')
    const old = new Date(Date.now() - 3_600_000)
    await utimes(stale, old, old)
    await utimes(foreign, old, old)

    const key = await loadOrCreateNodeKey(path)
    expect(hex(key)).not.toBe(KEY_HEX)
    expect(await readFile(path, 'latin1')).toBe(hex(key))
    expect((await readdir(dir)).sort()).toEqual([
      '.nodekey.backup.tmp',
      '.nodekey.fedcba9876543210.tmp',
      'nodekey',
    ])
  })

  it('removes a stale temporary key file on a restart that loads the existing key, and leaves a young one', async () => {
    const path = join(dir, 'nodekey')
    const first = await loadOrCreateNodeKey(path)
    // a crash while creating a key left a complete private key behind; another process
    // is writing its temporary file right now
    const stale = join(dir, '.nodekey.0123456789abcdef.tmp')
    const young = join(dir, '.nodekey.fedcba9876543210.tmp')
    await writeFile(stale, '11'.repeat(32), { mode: 0o600 })
    await writeFile(young, '22'.repeat(32), { mode: 0o600 })
    const old = new Date(Date.now() - NODE_KEY_TEMP_STALE_MS - 60_000)
    await utimes(stale, old, old)

    const again = await loadOrCreateNodeKey(path) // the restart
    expect(hex(again)).toBe(hex(first))
    expect((await readdir(dir)).sort()).toEqual(['.nodekey.fedcba9876543210.tmp', 'nodekey'])
  })

  it('parallel calls on a missing file all return the same key, the one on disk', async () => {
    const path = join(dir, 'nodekey')
    const keys = await Promise.all(Array.from({ length: 16 }, () => loadOrCreateNodeKey(path)))
    const onDisk = await readFile(path, 'latin1')
    for (const key of keys) expect(hex(key)).toBe(onDisk)
    expect(await readdir(dir)).toEqual(['nodekey'])
  })

  it('reports a missing file as KEY_FILE_MISSING from loadNodeKey (which never creates one)', async () => {
    const path = join(dir, 'nodekey')
    expect(await codeOf(loadNodeKey(path))).toBe('KEY_FILE_MISSING')
    expect(await readdir(dir)).toEqual([])
  })

  it('reports unreadable or uncreatable paths as KEY_FILE_IO', async () => {
    await mkdir(join(dir, 'a-directory'))
    expect(await codeOf(loadOrCreateNodeKey(join(dir, 'a-directory')))).toBe('KEY_FILE_IO')
    await writeFile(join(dir, 'a-file'), 'x')
    expect(await codeOf(loadOrCreateNodeKey(join(dir, 'a-file', 'nodekey')))).toBe('KEY_FILE_IO')
  })

  it('misuse: an empty or non-string path is a TypeError', async () => {
    await expect(loadOrCreateNodeKey('')).rejects.toThrow(TypeError)
    await expect(loadNodeKey(42 as unknown as string)).rejects.toThrow(TypeError)
  })
})
