/**
 * Issue #15, "bounded discovery state": a flood of validly signed Pings, each from a fresh
 * key, to a Discv4 service with the default in-memory node database. Every Ping is
 * answered (10.0.0.0/8 is a LAN: no rate limit), yet the heap after garbage collection
 * stays flat once every bounded structure is full (the bond cache's 10,000 entries, the
 * database's DB_MEMORY_MAX_NODES), and the database holds at most DB_MEMORY_MAX_NODES
 * nodes. Before the cap each Ping kept ~300 bytes for 24 h: +4.3 MiB from 15,000 to
 * 30,000 Pings here, +23 MiB from 20,000 to 100,000 (`bench/ping-flood.ts` prints those).
 *
 * 30,000 rather than 100,000 Pings: each costs the service a signature recovery and a
 * signed Pong (~0.5 ms of CPU on a busy 2-core machine), and every bound is reached after
 * 10,000; `bench/ping-flood.ts` runs the full 100,000. Our side signs with nonce 1
 * (helpers/ping-flood.ts), almost free, as an attacker's flood of fresh keys would be.
 */
import { DB_MEMORY_MAX_NODES, NodeDB } from '@devp2p/enode'
import { expect, it } from 'vitest'
import { pingFlood, settledHeapBytes } from './helpers/ping-flood.js'

const PINGS = 30_000
/** Heap growth allowed over the second half: noise, well below the 4.3 MiB of the leak. */
const MAX_GROWTH_BYTES = 2 * 2 ** 20

it('keeps memory flat under a flood of Pings from fresh keys', async () => {
  // the database the service would open itself: in memory, default options
  const db = await NodeDB.open({ expireIntervalMs: 0 })
  const heap = new Map<number, number>()
  try {
    const { pongs } = await pingFlood({
      count: PINGS,
      db,
      checkpointEvery: PINGS / 2,
      onCheckpoint: (sent) => {
        heap.set(sent, settledHeapBytes())
      },
    })
    expect(pongs).toBe(PINGS)
    const growth = heap.get(PINGS)! - heap.get(PINGS / 2)!
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES)
    const nodes = await db.countNodes()
    expect(nodes).toBeLessThanOrEqual(DB_MEMORY_MAX_NODES)
    expect(nodes).toBeGreaterThan(DB_MEMORY_MAX_NODES / 2)
  } finally {
    await db.close()
  }
}, 300_000)
