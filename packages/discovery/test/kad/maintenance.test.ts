/**
 * The revalidation loop of the shared table, over the protocol seam (a scripted
 * KadProtocol) and a manual clock: geth's liveness rule. A missed Pong divides a node's
 * liveness checks by 3; the node leaves the table only when none are left.
 */
import { silentLogger } from '@devp2p/common'
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, NodeDB } from '@devp2p/enode'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoveryError } from '../../src/errors.js'
import {
  EMPTY_TABLE_RETRY_MIN_MS,
  REFRESH_INTERVAL_MS,
  REVALIDATE_INTERVAL_MS,
} from '../../src/kad/constants.js'
import { Kademlia } from '../../src/kad/kademlia.js'
import { TableMaintenance } from '../../src/kad/maintenance.js'
import type { KadProtocol, LookupTarget } from '../../src/kad/protocol.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const done of cleanup.splice(0)) await done()
})

/** Lets the promise chains started by a timer run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

function targetOf(key: Uint8Array): LookupTarget {
  return { id: keccak256(key), key }
}

/** A protocol whose one remote node answers Pings while `alive`; lookups find nothing. */
class ScriptedProtocol implements KadProtocol {
  alive = true
  pings = 0
  /** The record sequence number the Pongs carry. */
  enrSeq: bigint | undefined
  /** What ENRRequests wait for (default: a timeout at once). */
  enrReply: Promise<never> | undefined
  enrRequests = 0
  async ping(): Promise<{ enrSeq: bigint | undefined }> {
    this.pings++
    if (!this.alive) throw new DiscoveryError('TIMEOUT', 'no pong within 500 ms')
    return { enrSeq: this.enrSeq }
  }
  async findNode(): Promise<ENode[]> {
    return []
  }
  async requestEnr(): Promise<never> {
    this.enrRequests++
    if (this.enrReply) return this.enrReply
    throw new DiscoveryError('TIMEOUT', 'no enrresponse within 500 ms')
  }
  randomTarget(): LookupTarget {
    return targetOf(publicKeyFromPrivate(generatePrivateKey()))
  }
}

async function setup(options: { bootnodes?: boolean } = {}) {
  const clock = new ManualClock()
  const db = await NodeDB.open({ clock, expireIntervalMs: 0 })
  const controller = new AbortController()
  const protocol = new ScriptedProtocol()
  const remote = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
    ip: '1.2.3.4',
    udp: 30303,
  })
  const kad = new Kademlia({
    self: targetOf(publicKeyFromPrivate(generatePrivateKey())),
    protocol,
    db,
    clock,
    random: () => 0.5,
    signal: controller.signal,
  })
  const removed: ENode[] = []
  kad.on('node:removed', (node) => removed.push(node))
  const maintenance = new TableMaintenance({
    kad,
    protocol,
    db,
    bootnodes: options.bootnodes === false ? [] : [remote],
    clock,
    random: () => 0.5, // one revalidation every REVALIDATE_INTERVAL_MS / 2
    log: silentLogger,
  })
  cleanup.push(async () => {
    controller.abort()
    await maintenance.stop()
    await db.close()
  })
  await maintenance.start()
  await settle()
  /** Runs one revalidation of the (only) table node. */
  const revalidate = async (): Promise<void> => {
    const before = protocol.pings
    clock.advance(REVALIDATE_INTERVAL_MS / 2)
    await settle()
    expect(protocol.pings).toBe(before + 1)
  }
  return { kad, protocol, remote, removed, revalidate, maintenance, controller, clock }
}

/** Counts the refreshes (each starts with a lookup of our own id). */
function countRefreshes(kad: Kademlia): { readonly count: number } {
  const counter = { count: 0 }
  const lookup = kad.lookup.bind(kad)
  kad.lookup = (target) => {
    if (target === kad.self) counter.count++
    return lookup(target)
  }
  return counter
}

describe('revalidation (geth liveness checks)', () => {
  it('one missed Pong does not evict a node that answered its checks before', async () => {
    const { kad, protocol, remote, removed, revalidate } = await setup()
    expect(kad.table.get(remote.id)).toBeDefined()
    for (let i = 0; i < 3; i++) await revalidate()
    expect(kad.table.get(remote.id)?.livenessChecks).toBe(3)

    protocol.alive = false
    await revalidate()
    const entry = kad.table.get(remote.id)
    expect(entry).toBeDefined() // still in the table: 3 checks / 3 = 1 left
    expect(entry?.livenessChecks).toBe(1)
    expect(entry?.revalidateSoon).toBe(true)
    expect(removed).toEqual([])

    // it answers again: back to counting up, still there
    protocol.alive = true
    await revalidate()
    expect(kad.table.get(remote.id)?.livenessChecks).toBe(2)
  })

  it('a node that keeps failing is dropped once its liveness checks run out', async () => {
    const { kad, protocol, remote, removed, revalidate } = await setup()
    for (let i = 0; i < 9; i++) await revalidate()
    expect(kad.table.get(remote.id)?.livenessChecks).toBe(9)
    protocol.alive = false
    await revalidate() // 9 → 3
    await revalidate() // 3 → 1
    expect(kad.table.get(remote.id)?.livenessChecks).toBe(1)
    expect(removed).toEqual([])
    await revalidate() // 1 → 0: dropped
    expect(kad.table.get(remote.id)).toBeUndefined()
    expect(kad.table.size).toBe(0)
    expect(removed.map((n) => n.idHex)).toEqual([remote.idHex])
  })

  it('a node that never answered is dropped at its first missed Pong', async () => {
    const { kad, protocol, remote, removed, revalidate } = await setup()
    protocol.alive = false
    await revalidate()
    expect(kad.table.get(remote.id)).toBeUndefined()
    expect(removed.map((n) => n.idHex)).toEqual([remote.idHex])
  })
})

describe('stop', () => {
  it('waits for a revalidation in flight, and leaves no timer behind', async () => {
    const { protocol, maintenance, controller, clock } = await setup()
    let failEnr!: (err: Error) => void
    protocol.enrSeq = 5n // newer than the table's record: the check asks for it
    protocol.enrReply = new Promise<never>((_, reject) => {
      failEnr = reject
    })
    clock.advance(REVALIDATE_INTERVAL_MS / 2)
    await settle()
    expect(protocol.enrRequests).toBe(1)

    controller.abort()
    let stopped = false
    const stopping = maintenance.stop().then(() => {
      stopped = true
    })
    await settle()
    expect(stopped).toBe(false) // the revalidation still runs
    failEnr(new DiscoveryError('CLOSED', 'discovery is stopped'))
    await stopping
    expect(clock.pending).toBe(0)
  })
})

describe('an empty table', () => {
  it('is seeded again EMPTY_TABLE_RETRY_MIN_MS after its last node left, not at the next 30-min refresh', async () => {
    const { kad, protocol, remote, revalidate, clock } = await setup()
    protocol.alive = false
    await revalidate() // the bootnode never answered: dropped, the table is empty
    expect(kad.table.size).toBe(0)
    clock.advance(EMPTY_TABLE_RETRY_MIN_MS - 1)
    await settle()
    expect(kad.table.get(remote.id)).toBeUndefined()
    clock.advance(1)
    await settle()
    expect(kad.table.get(remote.id)).toBeDefined()
  })

  it('is refreshed again with a backoff while it stays empty, then every REFRESH_INTERVAL_MS', async () => {
    const { kad, clock } = await setup({ bootnodes: false })
    const refreshes = countRefreshes(kad)
    expect(kad.table.size).toBe(0)
    const waits = [1, 2, 4, 8].map((n) => n * EMPTY_TABLE_RETRY_MIN_MS)
    for (const [i, wait] of waits.entries()) {
      clock.advance(wait - 1)
      await settle()
      expect(refreshes.count).toBe(i)
      clock.advance(1)
      await settle()
      expect(refreshes.count).toBe(i + 1)
    }
    // the backoff stops at the normal interval
    for (let i = 0; i < 12; i++) {
      clock.advance(REFRESH_INTERVAL_MS)
      await settle()
    }
    const before = refreshes.count
    clock.advance(REFRESH_INTERVAL_MS)
    await settle()
    expect(refreshes.count).toBe(before + 1)
  })
})
