/**
 * Issue #15, "bounded discovery state": a flood of validly signed Pings, each from a fresh
 * key, to a Discv4 service with the default in-memory node database. Every Ping is
 * answered (10.0.0.0/8 is a LAN: no rate limit), yet the heap after garbage collection
 * stays flat once every bounded structure is full (the bond cache's 10,000 entries, the
 * database's DB_MEMORY_MAX_NODES), and the database holds at most DB_MEMORY_MAX_NODES
 * nodes. Before the cap each Ping kept ~300 bytes for 24 h: +23 MiB from the 20,000th
 * to the 100,000th Ping (`bench/ping-flood.ts` prints the heap every 10,000).
 *
 * Each Ping costs the service a signature recovery and a signed Pong (~0.45 ms of CPU
 * here, ~45 s for the flood on an idle 2-core machine); every bound is reached after
 * 10,000. Our side signs with nonce 1 (helpers/ping-flood.ts), almost free, as an
 * attacker's flood of fresh keys would be.
 */
import { DB_MEMORY_MAX_NODES, NodeDB } from '@devp2p/enode'
import { expect, it } from 'vitest'
import { pingFlood, settledHeapBytes } from './helpers/ping-flood.js'

const PINGS = 100_000
/** Where the flat part starts: every bounded structure is full by then. */
const FULL_AT = 20_000
/** Heap growth allowed from FULL_AT to PINGS: noise, far below the leak's 23 MiB. */
const MAX_GROWTH_BYTES = 4 * 2 ** 20

it('keeps memory flat under a flood of Pings from fresh keys', async () => {
  // the database the service would open itself: in memory, default options
  const db = await NodeDB.open({ expireIntervalMs: 0 })
  const heap = new Map<number, number>()
  try {
    const { pongs } = await pingFlood({
      count: PINGS,
      db,
      checkpointEvery: FULL_AT,
      onCheckpoint: (sent) => {
        heap.set(sent, settledHeapBytes())
      },
    })
    expect(pongs).toBe(PINGS)
    const growth = heap.get(PINGS)! - heap.get(FULL_AT)!
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES)
    const nodes = await db.countNodes()
    expect(nodes).toBeLessThanOrEqual(DB_MEMORY_MAX_NODES)
    expect(nodes).toBeGreaterThan(DB_MEMORY_MAX_NODES / 2)
  } finally {
    await db.close()
  }
}, 900_000)
