/**
 * Bonds on a manual clock: a bond wait never outlives its failed Ping or the service's
 * stop (its deadline would keep the process alive and count as expired after stop), and
 * reading a bond does not reorder the bond cache.
 */
import { keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, NodeDB, type NodeId, nodeIdHex } from '@devp2p/enode'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoveryError } from '../../src/errors.js'
import { Bonds } from '../../src/v4/bonds.js'
import {
  BOND_CACHE_MAX_ENTRIES,
  BOND_EXPIRATION_MS,
  RESPONSE_TIMEOUT_MS,
} from '../../src/v4/constants.js'
import { emptyStats } from '../../src/v4/stats.js'
import { otherKey } from './helpers.js'

const dbs: NodeDB[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close()
})

const remote = ENode.fromPublicKey(publicKeyFromPrivate(otherKey), { ip: '1.2.3.4', udp: 30303 })

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

async function setup(ping: (node: ENode) => Promise<unknown>) {
  const clock = new ManualClock(10 * BOND_EXPIRATION_MS)
  const db = await NodeDB.open({ clock, expireIntervalMs: 0 })
  dbs.push(db)
  const stats = emptyStats()
  const controller = new AbortController()
  let pings = 0
  const bonds = new Bonds({
    db,
    clock,
    stats,
    signal: controller.signal,
    ping: (node) => {
      pings++
      return ping(node)
    },
  })
  return { clock, stats, controller, bonds, pings: () => pings }
}

describe('waiting for a bond', () => {
  it('a failed Ping leaves no deadline behind', async () => {
    const { clock, stats, bonds, pings } = await setup(() =>
      Promise.reject(new DiscoveryError('CLOSED', 'discovery is stopped')),
    )
    expect(clock.pending).toBe(0)
    await bonds.ensureBond(remote)
    expect(pings()).toBe(1)
    expect(clock.pending).toBe(0)
    clock.advance(RESPONSE_TIMEOUT_MS)
    expect(stats.bondWaitsExpired).toBe(0)
  })

  it('after the service stopped, no Ping is sent and no deadline made', async () => {
    const { clock, controller, bonds, pings } = await setup(() => Promise.resolve())
    controller.abort()
    const bonding = bonds.ensureBond(remote)
    await settle()
    expect(pings()).toBe(0)
    expect(clock.pending).toBe(0)
    clock.advance(RESPONSE_TIMEOUT_MS) // lets a wait made by mistake end
    await bonding
  })

  it('an answered Ping still waits for the node to ping back, up to one response timeout', async () => {
    const { clock, stats, bonds } = await setup(() => Promise.resolve())
    let done = false
    const bonding = bonds.ensureBond(remote).then(() => {
      done = true
    })
    await settle()
    expect(done).toBe(false)
    expect(clock.pending).toBe(1)
    clock.advance(RESPONSE_TIMEOUT_MS)
    await bonding
    expect(stats.bondWaitsExpired).toBe(1)
    expect(clock.pending).toBe(0)
  })
})

describe('the bond cache order', () => {
  it('reading a bond does not make it recently used', async () => {
    const { bonds } = await setup(() => Promise.resolve())
    const id = (i: number): NodeId => keccak256(Uint8Array.of(i >> 16, i >> 8, i & 255))
    const [a, b] = [id(1 << 20), id((1 << 20) + 1)]
    bonds.recordPing(a, nodeIdHex(a), '1.0.0.1')
    bonds.recordPing(b, nodeIdHex(b), '1.0.0.1')
    expect(await bonds.hasBond(nodeIdHex(a), '1.0.0.1')).toBe(false) // a read: order kept
    for (let i = 0; i < BOND_CACHE_MAX_ENTRIES - 1; i++) {
      const other = id(i)
      bonds.recordPing(other, nodeIdHex(other), '2.0.0.1')
    }
    // one pair pushed out: the oldest written, though it was read since
    expect(bonds.cached(nodeIdHex(a), '1.0.0.1')).toBeUndefined()
    expect(bonds.cached(nodeIdHex(b), '1.0.0.1')).toBeDefined()
  })
})
