import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CryptoError } from '@devp2p/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Node, NodeError } from '../src/index.js'
import { cleanup, recordingLogger, tempDir, testNode } from './support.js'

afterEach(cleanup)

/** The pid of a process that has exited (spawnSync waits for it). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid as number
}

describe('data directory', () => {
  it("lays out geth's files: nodekey (0600), nodes/, LOCK with our pid, devp2p.ipc", async () => {
    const dir = join(tempDir(), 'created')
    const node = testNode({ dataDir: dir })
    await node.start()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'LOCK')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'nodekey')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'nodekey'), 'latin1')).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(dir, 'nodes')).isDirectory()).toBe(true)
    expect(readFileSync(join(dir, 'LOCK'), 'latin1').trim()).toBe(String(process.pid))
    expect(node.endpoints().ipc).toBe(join(dir, 'devp2p.ipc'))
    await node.stop()
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    expect(existsSync(join(dir, 'devp2p.ipc'))).toBe(false)
  })

  it('keeps the key across restarts: the same enode id', async () => {
    const dir = tempDir()
    const first = testNode({ dataDir: dir })
    await first.start()
    const id = first.server.nodeInfo().id
    const seq = first.server.record.seq
    await first.stop()
    const second = testNode({ dataDir: dir })
    await second.start()
    expect(second.server.nodeInfo().id).toBe(id)
    // the node database on disk keeps the record's sequence number growing
    expect(second.server.record.seq > seq).toBe(true)
  })

  it('refuses a data directory locked by a live process, and leaves its LOCK alone', async () => {
    const dir = tempDir()
    const first = testNode({ dataDir: dir })
    await first.start()
    const second = testNode({ dataDir: dir })
    const err = await second.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeError)
    expect((err as NodeError).code).toBe('START_FAILED')
    const cause = (err as NodeError).cause as NodeError
    expect(cause).toBeInstanceOf(NodeError)
    expect(cause.code).toBe('DATADIR_LOCKED')
    expect(readFileSync(join(dir, 'LOCK'), 'latin1').trim()).toBe(String(process.pid))
    // the first node still answers
    expect(await first.attach().call('net_listening')).toBe(true)
  })

  it('refuses a LOCK held by another live process', async () => {
    const dir = tempDir()
    // a process that lives until its stdin closes
    const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    try {
      writeFileSync(join(dir, 'LOCK'), `${holder.pid}\n`)
      const err = (await testNode({ dataDir: dir })
        .start()
        .catch((e: unknown) => e)) as NodeError
      expect((err.cause as NodeError).code).toBe('DATADIR_LOCKED')
      expect((err.cause as NodeError).message).toContain(`process ${holder.pid}`)
      expect(readFileSync(join(dir, 'LOCK'), 'latin1').trim()).toBe(String(holder.pid))
    } finally {
      const exited = once(holder, 'exit')
      holder.stdin?.end()
      await exited
    }
  })

  it('takes over a stale LOCK whose process is gone, with a warning', async () => {
    const dir = tempDir()
    const pid = deadPid()
    writeFileSync(join(dir, 'LOCK'), `${pid}\n`)
    const logger = recordingLogger()
    const node = testNode({ dataDir: dir, logger })
    await node.start()
    expect(readFileSync(join(dir, 'LOCK'), 'latin1').trim()).toBe(String(process.pid))
    const warning = logger.lines.find((l) => l.level === 'warn' && /stale/.test(l.msg))
    expect(warning?.obj).toMatchObject({ pid })
  })

  it('fails to start on a corrupt node key, and leaves the key file and no LOCK behind', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'nodekey'), 'not a key')
    const node = testNode({ dataDir: dir })
    const err = await node.start().catch((e: unknown) => e)
    expect((err as NodeError).code).toBe('START_FAILED')
    expect((err as NodeError).cause).toBeInstanceOf(CryptoError)
    expect(((err as NodeError).cause as CryptoError).code).toBe('KEY_FILE_CORRUPT')
    expect(readFileSync(join(dir, 'nodekey'), 'latin1')).toBe('not a key')
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
  })

  it('uses a given privateKey instead of the nodekey file', async () => {
    const dir = tempDir()
    const privateKey = new Uint8Array(32).fill(7)
    const node = testNode({ dataDir: dir, privateKey })
    await node.start()
    expect(existsSync(join(dir, 'nodekey'))).toBe(false)
    const other = testNode({ privateKey })
    await other.start()
    expect(other.server.nodeInfo().id).toBe(node.server.nodeInfo().id)
  })

  it('puts a relative ipcPath inside the data directory; false turns IPC off', async () => {
    const dir = tempDir()
    const node = testNode({ dataDir: dir, ipcPath: 'x.ipc' })
    await node.start()
    expect(node.endpoints().ipc).toBe(join(dir, 'x.ipc'))
    await node.stop()
    const off = testNode({ dataDir: dir, ipcPath: false })
    await off.start()
    expect(off.endpoints().ipc).toBeUndefined()
  })

  it('makes a relative data directory absolute at construction, as geth', () => {
    const node = new Node({ dataDir: 'relative-dir' })
    expect(node.dataDir).toBe(resolve('relative-dir'))
    expect(new Node().dataDir).toBeUndefined()
  })
})
