/**
 * NodeDB: per-node and per-address data, records, seeds and expiry (with a fake clock)
 * in memory and on disk; surviving a SIGKILL of the writing process; and resetting with
 * a log line, never crashing, on garbage files or a wrong version stamp.
 */
import { spawn } from 'node:child_process'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { hex, ManualClock } from '@devp2p/testing'
import { ClassicLevel } from 'classic-level'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DB_NODE_EXPIRATION_MS, ENode, EnodeError, Enr, NodeDB } from '../src/index.js'
import { recordingLogger, tempDir } from './support.js'

const HOUR = 3_600_000
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function openDb(
  kind: 'memory' | 'disk',
  clock = new ManualClock(),
  logger = recordingLogger(),
) {
  let path: string | undefined
  if (kind === 'disk') {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    path = dir.path
  }
  const db = await NodeDB.open({ path, clock, logger })
  cleanups.push(() => db.close())
  return { db, clock, logger, path }
}

function recordNode(ip = '10.0.0.1', seq = 1n): ENode {
  return ENode.fromRecord(Enr.create(generatePrivateKey(), { seq, ip, tcp: 30303, udp: 30303 }))
}

for (const kind of ['memory', 'disk'] as const) {
  describe(`NodeDB (${kind})`, () => {
    it('stores ping, pong and find failures per node and address', async () => {
      const { db } = await openDb(kind)
      const n = recordNode()
      expect(await db.lastPing(n.id, '10.0.0.1')).toBeUndefined()
      expect(await db.findFails(n.id, '10.0.0.1')).toBe(0)
      await db.setLastPing(n.id, '10.0.0.1', 1000)
      await db.setLastPong(n.id, '10.0.0.1', 2000)
      await db.setFindFails(n.id, '10.0.0.1', 3)
      await db.setLastPong(n.id, '2001:db8::1', 4000)
      expect(await db.lastPing(n.id, '10.0.0.1')).toBe(1000)
      expect(await db.lastPong(n.id, '10.0.0.1')).toBe(2000)
      expect(await db.findFails(n.id, '10.0.0.1')).toBe(3)
      expect(await db.lastPong(n.id, '2001:db8:0::1')).toBe(4000)
      expect(await db.lastPong(n.id, '10.0.0.2')).toBeUndefined()
      expect(db.inMemory).toBe(kind === 'memory')
    })

    it('stores the latest node, with or without a record', async () => {
      const { db } = await openDb(kind)
      const key = generatePrivateKey()
      const v1 = ENode.fromRecord(Enr.create(key, { seq: 1n, ip: '10.0.0.1', udp: 1 }))
      const v2 = ENode.fromRecord(Enr.create(key, { seq: 2n, ip: '10.0.0.2', udp: 2 }))
      await db.updateNode(v1)
      await db.updateNode(v2)
      const got = await db.node(v1.id)
      expect(got?.record?.encodeText()).toBe(v2.record!.encodeText())
      const urlNode = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
        ip: '2001:db8::7',
        tcp: 30303,
        udp: 30301,
      })
      await db.updateNode(urlNode)
      const back = await db.node(urlNode.id)
      expect(back?.toEnodeUrl()).toBe(urlNode.toEnodeUrl())
      const bare = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()))
      await db.updateNode(bare)
      expect((await db.node(bare.id))?.toEnodeUrl()).toBe(bare.toEnodeUrl())
      await db.deleteNode(v1.id)
      expect(await db.node(v1.id)).toBeUndefined()
    })

    it('keeps the local seq per key', async () => {
      const { db } = await openDb(kind)
      const n = recordNode()
      expect(await db.localSeq(n.id)).toBeUndefined()
      await db.storeLocalSeq(n.id, 2n ** 64n - 1n)
      expect(await db.localSeq(n.id)).toBe(2n ** 64n - 1n)
    })

    it('answers seeds: random nodes with a pong within the max age', async () => {
      const { db, clock } = await openDb(kind)
      const fresh: ENode[] = []
      for (let i = 0; i < 8; i++) {
        const n = recordNode(`10.0.1.${i}`)
        await db.updateNode(n)
        await db.setLastPong(n.id, n.ip!, clock.now() - i * HOUR)
        fresh.push(n)
      }
      const stale = recordNode('10.0.2.1')
      await db.updateNode(stale)
      await db.setLastPong(stale.id, stale.ip!, clock.now() - 10 * HOUR)
      const pingedOnly = recordNode('10.0.2.2')
      await db.updateNode(pingedOnly)
      await db.setLastPing(pingedOnly.id, pingedOnly.ip!, clock.now())

      const seeds = await db.querySeeds(100, 5 * HOUR)
      const ids = new Set(seeds.map((s) => s.idHex))
      expect(ids.size).toBe(seeds.length)
      // Only the six with a pong within 5 h qualify; each seek moves on to an id not yet
      // tried, so with 500 seeks over 10 nodes all six are found.
      expect([...ids].sort()).toEqual(
        fresh
          .slice(0, 6)
          .map((n) => n.idHex)
          .sort(),
      )
      expect((await db.querySeeds(2, 5 * HOUR)).length).toBe(2)
      expect(await db.querySeeds(0, HOUR)).toEqual([])
    })

    it('expires what was unseen for 24 hours, per address and per node', async () => {
      const { db, clock } = await openDb(kind)
      const now = clock.now()
      const old = recordNode('10.0.0.1')
      await db.updateNode(old)
      await db.setLastPong(old.id, '10.0.0.1', now - DB_NODE_EXPIRATION_MS - 1)
      const mixed = recordNode('10.0.0.2')
      await db.updateNode(mixed)
      await db.setLastPing(mixed.id, '10.0.0.2', now - HOUR)
      await db.setLastPong(mixed.id, '10.0.0.3', now - 2 * DB_NODE_EXPIRATION_MS)
      await db.setFindFails(mixed.id, '10.0.0.3', 4)
      const self = recordNode()
      await db.storeLocalSeq(self.id, 9n)

      expect(await db.expire()).toBe(1)
      expect(await db.node(old.id)).toBeUndefined()
      expect(await db.lastPong(old.id, '10.0.0.1')).toBeUndefined()
      expect((await db.node(mixed.id))?.idHex).toBe(mixed.idHex)
      expect(await db.lastPing(mixed.id, '10.0.0.2')).toBe(now - HOUR)
      expect(await db.lastPong(mixed.id, '10.0.0.3')).toBeUndefined()
      expect(await db.findFails(mixed.id, '10.0.0.3')).toBe(0)
      expect(await db.localSeq(self.id)).toBe(9n)
    })

    it('runs expiry on a timer while open, and close stops it', async () => {
      const clock = new ManualClock()
      const { db } = await openDb(kind, clock)
      const day = DB_NODE_EXPIRATION_MS
      const a = recordNode('10.0.0.1')
      const b = recordNode('10.0.0.2')
      for (const [n, age] of [
        [a, day - 1.5 * HOUR],
        [b, day - 0.5 * HOUR],
      ] as const) {
        await db.updateNode(n)
        await db.setLastPong(n.id, n.ip!, clock.now() - age)
      }
      expect(clock.pending).toBe(1)
      clock.advance(HOUR) // first run: b was last seen 24.5 h ago, a 23.5 h ago
      // The run is real I/O: wait for it to reschedule (the clock does not move meanwhile).
      await vi.waitFor(() => expect(clock.pending).toBe(1))
      expect(await db.node(b.id)).toBeUndefined()
      expect((await db.node(a.id))?.idHex).toBe(a.idHex)
      clock.advance(HOUR) // second run: a is 24.5 h old now
      await vi.waitFor(() => expect(clock.pending).toBe(1))
      expect(await db.node(a.id)).toBeUndefined()
      const n = a
      await db.close()
      await db.close()
      expect(clock.pending).toBe(0)
      await expect(db.node(n.id)).rejects.toBeInstanceOf(EnodeError)
    })

    it('refuses misuse', async () => {
      const { db } = await openDb(kind)
      const n = recordNode()
      await expect(db.setLastPong(n.id, 'nope', 1)).rejects.toThrow(RangeError)
      await expect(db.setLastPong(n.id.subarray(1), '1.2.3.4', 1)).rejects.toThrow(RangeError)
      await expect(db.setLastPong(n.id, '1.2.3.4', -1)).rejects.toThrow(RangeError)
      await expect(db.querySeeds(-1, 1)).rejects.toThrow(RangeError)
    })
  })
}

describe('NodeDB on disk', () => {
  it('keeps data across close and reopen', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const n = recordNode()
    const db = await NodeDB.open({ path: dir.path, clock: new ManualClock() })
    await db.updateNode(n)
    await db.setFindFails(n.id, n.ip!, 2)
    await db.close()
    const again = await NodeDB.open({ path: dir.path, clock: new ManualClock() })
    cleanups.push(() => again.close())
    expect((await again.node(n.id))?.toEnrText()).toBe(n.toEnrText())
    expect(await again.findFails(n.id, n.ip!)).toBe(2)
  })

  it('keeps what a process wrote before it was killed with SIGKILL', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const key = generatePrivateKey()
    const fixture = new URL('./fixtures/kill-after-write.ts', import.meta.url).pathname
    const child = spawn(
      process.execPath,
      [
        '--conditions=@devp2p/source',
        '--import',
        'tsx',
        fixture,
        dir.path,
        hex(key),
        '1700000000000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, s) => resolve(s)),
    )
    expect(err).toBe('')
    expect(out).toBe('written\n')
    expect(signal).toBe('SIGKILL')

    const db = await NodeDB.open({ path: dir.path, clock: new ManualClock() })
    cleanups.push(() => db.close())
    const expected = ENode.fromRecord(Enr.create(key, { seq: 5n, ip: '10.0.0.7', udp: 30303 }))
    expect((await db.node(expected.id))?.toEnrText()).toBe(expected.toEnrText())
    expect(await db.lastPong(expected.id, '10.0.0.7')).toBe(1_700_000_000_000)
    expect(await db.localSeq(expected.id)).toBe(1234n)
  })

  it('resets a database whose files are garbage, with a log line', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const n = recordNode()
    const db = await NodeDB.open({ path: dir.path })
    await db.updateNode(n)
    await db.close()
    for (const name of await readdir(dir.path)) {
      if (name !== 'LOCK') await writeFile(join(dir.path, name), 'garbage, not leveldb')
    }
    await writeFile(join(dir.path, 'unrelated.txt'), 'kept')
    const logger = recordingLogger()
    const again = await NodeDB.open({ path: dir.path, logger })
    cleanups.push(() => again.close())
    expect(logger.lines.some((l) => l.level === 'warn' && /resetting/.test(l.msg ?? ''))).toBe(true)
    expect(await again.node(n.id)).toBeUndefined()
    await again.updateNode(n)
    expect((await again.node(n.id))?.idHex).toBe(n.idHex)
    expect(await readdir(dir.path)).toContain('unrelated.txt')
  })

  it('resets a database with another version stamp, with a log line', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const n = recordNode()
    const db = await NodeDB.open({ path: dir.path })
    await db.updateNode(n)
    await db.close()
    // Write an old version stamp (and a stray key) with LevelDB directly.
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
    })
    await raw.put(new TextEncoder().encode('version'), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0))
    await raw.close()
    const logger = recordingLogger()
    const again = await NodeDB.open({ path: dir.path, logger })
    cleanups.push(() => again.close())
    expect(logger.lines.some((l) => l.level === 'warn' && /version/.test(l.msg ?? ''))).toBe(true)
    expect(await again.node(n.id)).toBeUndefined()
    await again.updateNode(n)
    expect((await again.node(n.id))?.idHex).toBe(n.idHex)
    await again.close()
    // The reset wrote the current stamp: reopening keeps the data and logs nothing.
    const quiet = recordingLogger()
    const third = await NodeDB.open({ path: dir.path, logger: quiet })
    cleanups.push(() => third.close())
    expect((await third.node(n.id))?.idHex).toBe(n.idHex)
    expect(quiet.lines).toEqual([])
  })

  it('drops an unreadable stored node instead of failing', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const n = recordNode()
    const db = await NodeDB.open({ path: dir.path })
    await db.updateNode(n)
    await db.close()
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
    })
    const key = new Uint8Array([
      ...new TextEncoder().encode('n:'),
      ...n.id,
      ...new TextEncoder().encode(':record'),
    ])
    expect(await raw.get(key)).toBeDefined()
    await raw.put(key, Uint8Array.of(0xc1, 0x05))
    await raw.close()
    const logger = recordingLogger()
    const again = await NodeDB.open({ path: dir.path, logger })
    cleanups.push(() => again.close())
    expect(await again.node(n.id)).toBeUndefined()
    expect(logger.lines.some((l) => l.level === 'warn')).toBe(true)
  })

  it('is unavailable, not reset, while another process holds it', async () => {
    const dir = await tempDir()
    cleanups.push(dir.remove)
    const raw = new ClassicLevel(dir.path)
    await raw.open()
    cleanups.push(() => raw.close())
    const err = await NodeDB.open({ path: dir.path }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EnodeError)
    expect((err as EnodeError).code).toBe('DB_UNAVAILABLE')
  })
})
