import { randomBytes as randomBytesNode } from 'node:crypto'
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  KEY_HEX_CHARS,
  MAX_KEY_FILE_BYTES,
  NODE_KEY_DIR_MODE,
  NODE_KEY_FILE_MODE,
  NODE_KEY_TEMP_STALE_MS,
} from './constants.js'
import { CryptoError } from './errors.js'
import { generatePrivateKey, isValidPrivateKey } from './secp256k1.js'

const HEX_RE = /^[0-9a-fA-F]{64}$/

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined
}

function ioError(action: string, path: string, cause: unknown): CryptoError {
  const code = errnoCode(cause)
  return new CryptoError('KEY_FILE_IO', `cannot ${action} ${path}${code ? ` (${code})` : ''}`, {
    cause,
  })
}

function corrupt(path: string, detail: string): CryptoError {
  // Never include the file's content: it may be a (slightly damaged) private key.
  return new CryptoError('KEY_FILE_CORRUPT', `node key file ${path} is corrupt: ${detail}`)
}

/** Parses a key file's bytes exactly as geth's `crypto.LoadECDSA` does. */
function parseKeyFile(path: string, content: Uint8Array): Uint8Array {
  if (content.length > MAX_KEY_FILE_BYTES) {
    throw corrupt(path, `longer than ${KEY_HEX_CHARS} hex characters and a line end`)
  }
  let end = content.length
  while (end > KEY_HEX_CHARS && (content[end - 1] === 0x0a || content[end - 1] === 0x0d)) end--
  if (end !== KEY_HEX_CHARS) {
    throw corrupt(
      path,
      `want exactly ${KEY_HEX_CHARS} hex characters, optionally followed by a line end`,
    )
  }
  const text = Buffer.from(content.buffer, content.byteOffset, KEY_HEX_CHARS).toString('latin1')
  if (!HEX_RE.test(text)) throw corrupt(path, 'not hexadecimal')
  const key = Uint8Array.from(Buffer.from(text, 'hex'))
  if (!isValidPrivateKey(key)) throw corrupt(path, 'not a valid secp256k1 private key (0 < k < n)')
  return key
}

/** Reads at most MAX_KEY_FILE_BYTES + 1 bytes, so a huge file cannot exhaust memory. */
async function readKeyFile(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r')
  try {
    const buf = new Uint8Array(MAX_KEY_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length === buf.length) break
    }
    return buf.subarray(0, length)
  } finally {
    await fh.close()
  }
}

/**
 * Loads an existing node key file (64 hex characters, geth's format).
 *
 * @returns the 32-byte private key.
 * @throws CryptoError `KEY_FILE_MISSING` when it does not exist; `KEY_FILE_CORRUPT` when
 *   it does not hold exactly a valid key; `KEY_FILE_IO` when it cannot be read.
 * @throws TypeError when `path` is not a non-empty string.
 */
export async function loadNodeKey(path: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('path must be a non-empty string')
  let content: Uint8Array
  try {
    content = await readKeyFile(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new CryptoError('KEY_FILE_MISSING', `node key file ${path} does not exist`, {
        cause: err,
      })
    }
    throw ioError('read node key file', path, err)
  }
  try {
    return parseKeyFile(path, content)
  } finally {
    content.fill(0)
  }
}

/**
 * Loads the node's private key from `path`, or creates it there when the file does not
 * exist. The file holds 64 hex characters like geth's `nodekey`, so the two can share a
 * key file.
 *
 * - An existing file is only read, never modified. One that is not exactly a valid key
 *   (64 hex characters, optionally followed by up to two `\n`/`\r`) is an error: a node
 *   never silently gets a new identity. Its permissions are not checked.
 * - A new key is written to a uniquely named temporary file (mode 0600) in the same
 *   directory, flushed, and hard-linked to `path`, which fails if `path` appeared in the
 *   meantime; then the directory is flushed. A crash leaves either no key file or a
 *   complete one. Missing parent directories are created with mode 0700.
 * - Concurrent calls, in one process or several, return the same key: the link is
 *   exclusive, and a caller that loses the race loads the winner's key. (On a file system
 *   without hard links a rename is used instead, which narrows the guarantee to "the
 *   file is never partial".)
 * - Temporary files left by a crash (`.<name>.<random>.tmp`, older than a minute: each
 *   may hold a complete private key) are removed on every call, whether the key was
 *   loaded or created, so a normal restart cleans them up. Younger ones may be another
 *   process's key being written and are left alone. ({@link loadNodeKey} only reads.)
 *
 * @returns the 32-byte private key, owned by the caller.
 * @throws CryptoError `KEY_FILE_CORRUPT` when the file exists but is not a valid key;
 *   `KEY_FILE_IO` when it cannot be read or created.
 * @throws TypeError when `path` is not a non-empty string.
 *
 * @example
 * ```ts
 * const privateKey = await loadOrCreateNodeKey(join(dataDir, 'nodekey'))
 * ```
 */
export async function loadOrCreateNodeKey(path: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('path must be a non-empty string')
  let key: Uint8Array
  try {
    key = await loadNodeKey(path)
  } catch (err) {
    if (!(err instanceof CryptoError) || err.code !== 'KEY_FILE_MISSING') throw err
    return createNodeKey(path)
  }
  await removeStaleTemporaries(dirname(path), basename(path))
  return key
}

async function createNodeKey(path: string): Promise<Uint8Array> {
  const dir = dirname(path)
  const name = basename(path)
  try {
    await mkdir(dir, { recursive: true, mode: NODE_KEY_DIR_MODE })
  } catch (err) {
    throw ioError('create directory', dir, err)
  }

  const key = generatePrivateKey()
  const tmp = join(dir, `.${name}.${randomBytesNode(8).toString('hex')}.tmp`)
  const text = Buffer.from(Buffer.from(key).toString('hex'), 'latin1')
  try {
    const fh = await open(tmp, 'wx', NODE_KEY_FILE_MODE)
    try {
      await fh.writeFile(text)
      await fh.sync()
    } finally {
      await fh.close()
    }
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw ioError('write temporary key file in', dir, err)
  } finally {
    text.fill(0)
  }

  let outcome: 'linked' | 'renamed' | 'exists'
  try {
    outcome = await publish(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw ioError('create node key file', path, err)
  }
  // The temporary name is no longer needed: linked (the key now has two names) or lost.
  if (outcome !== 'renamed') await unlink(tmp).catch(() => {})
  await syncDirectory(dir)
  await removeStaleTemporaries(dir, name)
  if (outcome === 'linked') return key
  // Another caller created the file first (its key is the node's key), or our rename may
  // have been overtaken by another one: what is on disk now is the answer.
  key.fill(0)
  return loadNodeKey(path)
}

/**
 * Makes the complete temporary file visible as `path`. A hard link never replaces an
 * existing file; the rename fallback could, in the short window after its check.
 */
async function publish(tmp: string, path: string): Promise<'linked' | 'renamed' | 'exists'> {
  try {
    await link(tmp, path)
    return 'linked'
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'EEXIST') return 'exists'
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
      throw err
    }
  }
  // No hard links here (e.g. FAT, some network file systems): rename is atomic too but
  // replaces a file created in the meantime, so check first and reload afterwards.
  try {
    await stat(path)
    return 'exists'
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err
  }
  await rename(tmp, path)
  return 'renamed'
}

/** fsync the directory so the new name survives a power loss; not possible everywhere. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  } catch {
    // Windows cannot open directories; the rename/link is still atomic there.
  }
}

/**
 * Removes `.<name>.<16 hex>.tmp` files in `dir` older than NODE_KEY_TEMP_STALE_MS: crash
 * leftovers of createNodeKey. Never throws: a file it cannot remove is left.
 */
async function removeStaleTemporaries(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return
  }
  const staleBefore = Date.now() - NODE_KEY_TEMP_STALE_MS
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue
    const middle = entry.slice(prefix.length, -'.tmp'.length)
    if (!/^[0-9a-f]{16}$/.test(middle)) continue
    const file = join(dir, entry)
    try {
      if ((await stat(file)).mtimeMs < staleBefore) await unlink(file)
    } catch {
      // Gone already, or not ours to remove: leaving it is harmless.
    }
  }
}
