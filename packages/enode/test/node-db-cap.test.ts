/**
 * The in-memory node database is bounded: at most `maxMemoryNodes` nodes (default
 * DB_MEMORY_MAX_NODES), the least recently seen evicted first, and at most
 * DB_MEMORY_MAX_IPS_PER_NODE addresses per node. The store itself is counted, not the
 * index that keeps the bound.
 */

import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DB_MEMORY_MAX_IPS_PER_NODE,
  DB_MEMORY_MAX_NODES,
  DB_NODE_EXPIRATION_MS,
  ENode,
  NodeDB,
  type NodeId,
} from '../src/index.js'
import { tempDir } from './support.js'

const opened: NodeDB[] = []
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close()
})

async function open(options: Parameters<typeof NodeDB.open>[0] = {}): Promise<NodeDB> {
  const db = await NodeDB.open({ clock: new ManualClock(), expireIntervalMs: 0, ...options })
  opened.push(db)
  return db
}

/** A distinct 32-byte id per i (the database does not check that it is a key's hash). */
const id = (i: number): NodeId => keccak256(Uint8Array.of(i >> 24, i >> 16, i >> 8, i)) as NodeId
const T = 1_800_000_000_000

describe('NodeDB in memory: bounded', () => {
  it('holds at most DB_MEMORY_MAX_NODES nodes after a flood of new ones', async () => {
    const db = await open()
    const flood = DB_MEMORY_MAX_NODES * 3
    for (let i = 0; i < flood; i++) await db.setLastPing(id(i), '10.0.0.1', T + i)
    expect(await db.countNodes()).toBe(DB_MEMORY_MAX_NODES)
    // the newest are kept, the oldest evicted
    expect(await db.lastPing(id(flood - 1), '10.0.0.1')).toBe(T + flood - 1)
    expect(await db.lastPing(id(0), '10.0.0.1')).toBeUndefined()
  })

  it('evicts the least recently seen node, not the oldest written', async () => {
    const db = await open({ maxMemoryNodes: 3 })
    await db.setLastPing(id(1), '10.0.0.1', T)
    await db.setLastPing(id(2), '10.0.0.1', T)
    await db.setLastPing(id(3), '10.0.0.1', T)
    await db.setLastPong(id(1), '10.0.0.1', T + 1) // node 1 seen again: node 2 is now oldest
    await db.setLastPing(id(4), '10.0.0.1', T + 2)
    expect(await db.lastPing(id(2), '10.0.0.1')).toBeUndefined()
    expect(await db.lastPong(id(1), '10.0.0.1')).toBe(T + 1)
    expect(await db.lastPing(id(3), '10.0.0.1')).toBe(T)
    expect(await db.countNodes()).toBe(3)
  })

  it('evicts every entry of a node: its record and each address', async () => {
    const db = await open({ maxMemoryNodes: 1 })
    const node = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '10.0.0.9',
      udp: 30303,
    })
    await db.updateNode(node)
    await db.setLastPong(node.id, '10.0.0.9', T)
    await db.setFindFails(node.id, '10.0.0.8', 2)
    await db.setLastPing(id(1), '10.0.0.1', T)
    expect(await db.node(node.id)).toBeUndefined()
    expect(await db.lastPong(node.id, '10.0.0.9')).toBeUndefined()
    expect(await db.findFails(node.id, '10.0.0.8')).toBe(0)
    expect(await db.countNodes()).toBe(1)
  })

  it('a failure count does not make a node recently seen', async () => {
    const db = await open({ maxMemoryNodes: 2 })
    await db.setLastPing(id(1), '10.0.0.1', T)
    await db.setLastPing(id(2), '10.0.0.1', T)
    await db.setFindFails(id(1), '10.0.0.1', 1)
    await db.setLastPing(id(3), '10.0.0.1', T)
    expect(await db.findFails(id(1), '10.0.0.1')).toBe(0)
    expect(await db.lastPing(id(2), '10.0.0.1')).toBe(T)
  })

  it('holds at most DB_MEMORY_MAX_IPS_PER_NODE addresses of one node (forged source IPs)', async () => {
    const db = await open()
    for (let i = 0; i < 100; i++) await db.setLastPing(id(1), `10.0.1.${i}`, T + i)
    expect(await db.lastPing(id(1), '10.0.1.99')).toBe(T + 99)
    let kept = 0
    for (let i = 0; i < 100; i++)
      if ((await db.lastPing(id(1), `10.0.1.${i}`)) !== undefined) kept++
    expect(kept).toBe(DB_MEMORY_MAX_IPS_PER_NODE)
  })

  it('a node removed by expire() or deleteNode() frees its place', async () => {
    const clock = new ManualClock(T)
    const db = await open({ maxMemoryNodes: 3, clock })
    await db.setLastPing(id(1), '10.0.0.1', T - DB_NODE_EXPIRATION_MS - 1) // stale
    await db.setLastPing(id(2), '10.0.0.1', T)
    await db.setLastPing(id(3), '10.0.0.1', T)
    expect(await db.expire()).toBe(1)
    await db.deleteNode(id(2))
    await db.setLastPing(id(4), '10.0.0.1', T)
    await db.setLastPing(id(5), '10.0.0.1', T)
    // node 3 is still there: the removed nodes 1 and 2 took no place
    expect(await db.lastPing(id(3), '10.0.0.1')).toBe(T)
    expect(await db.countNodes()).toBe(3)
  })

  it('rejects a cap that is not a positive integer', async () => {
    await expect(NodeDB.open({ maxMemoryNodes: 0 })).rejects.toThrow(RangeError)
    await expect(NodeDB.open({ maxMemoryNodes: 1.5 })).rejects.toThrow(RangeError)
  })

  it('on disk the cap does not apply (only the 24 h expiry, as in geth)', async () => {
    const dir = await tempDir()
    try {
      const db = await open({ path: dir.path, maxMemoryNodes: 2 })
      for (let i = 0; i < 5; i++) await db.setLastPing(id(i), '10.0.0.1', T)
      expect(await db.countNodes()).toBe(5)
      await db.close()
    } finally {
      await dir.remove()
    }
  })
})
