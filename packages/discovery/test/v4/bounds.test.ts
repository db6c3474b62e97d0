/**
 * The maps a remote sender can grow in discovery v4, each at its named limit: the
 * unbonded-reply rate limiter (per IP), the bond cache (per node id and IP) and the
 * requests being handled while the node database is slow.
 */
import { keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, NodeDB, type NodeIdHex, nodeIdHex } from '@devp2p/enode'
import { ManualClock, MemoryNetwork } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { Bonds } from '../../src/v4/bonds.js'
import {
  BOND_CACHE_MAX_ENTRIES,
  MAX_HANDLERS_IN_FLIGHT,
  MAX_PENDING_REPLIES,
  RESPONSE_TIMEOUT_MS,
  UNBONDED_RATE_MAX_IPS,
  UNBONDED_RATE_PER_IP,
  UNBONDED_RATE_WINDOW_MS,
} from '../../src/v4/constants.js'
import { DiscoveryError } from '../../src/v4/index.js'
import { emptyStats } from '../../src/v4/stats.js'
import { UnbondedRateLimiter } from '../../src/v4/unbonded-rate.js'
import { createDiscv4, stopDiscv4 } from './helpers/discv4.js'
import { floodKey, floodPingBody, sealCheaply } from './helpers/ping-flood.js'

const publicIp = (i: number): string => `1.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

describe('UnbondedRateLimiter', () => {
  it('answers UNBONDED_RATE_PER_IP packets per window from one public IP', () => {
    const clock = new ManualClock()
    const limiter = new UnbondedRateLimiter(clock)
    const allowed = Array.from({ length: 50 }, () => limiter.allow('1.2.3.4'))
    expect(allowed.filter(Boolean)).toHaveLength(UNBONDED_RATE_PER_IP)
    clock.advance(UNBONDED_RATE_WINDOW_MS)
    expect(limiter.allow('1.2.3.4')).toBe(true)
  })

  it('exempts LAN and loopback senders', () => {
    const limiter = new UnbondedRateLimiter(new ManualClock())
    for (let i = 0; i < 100; i++) expect(limiter.allow('10.0.0.1')).toBe(true)
    expect(limiter.size).toBe(0)
  })

  it('remembers at most UNBONDED_RATE_MAX_IPS IPs, the oldest window forgotten first', () => {
    const limiter = new UnbondedRateLimiter(new ManualClock())
    for (let i = 0; i < UNBONDED_RATE_MAX_IPS * 2; i++) limiter.allow(publicIp(i))
    expect(limiter.size).toBe(UNBONDED_RATE_MAX_IPS)
    // the newest IP is still counted: its window is remembered
    for (let i = 1; i < UNBONDED_RATE_PER_IP; i++)
      limiter.allow(publicIp(UNBONDED_RATE_MAX_IPS * 2 - 1))
    expect(limiter.allow(publicIp(UNBONDED_RATE_MAX_IPS * 2 - 1))).toBe(false)
  })
})

describe('the bond cache', () => {
  it('holds at most BOND_CACHE_MAX_ENTRIES pairs, the least recently used evicted', async () => {
    const clock = new ManualClock(1_000)
    const db = await NodeDB.open({ clock, expireIntervalMs: 0 })
    const bonds = new Bonds({
      db,
      clock,
      stats: emptyStats(),
      signal: new AbortController().signal,
      ping: () => Promise.resolve(),
    })
    const id = (i: number): Uint8Array => keccak256(Uint8Array.of(i >> 16, i >> 8, i & 255))
    const hexOf = (bytes: Uint8Array): NodeIdHex => nodeIdHex(bytes)
    const first = id(1 << 20)
    const second = id((1 << 20) + 1)
    bonds.recordPing(first, hexOf(first), '1.0.0.1')
    bonds.recordPing(second, hexOf(second), '1.0.0.1')
    clock.advance(1)
    bonds.recordPong(first, hexOf(first), '1.0.0.1') // used again
    for (let i = 0; i < BOND_CACHE_MAX_ENTRIES - 1; i++) {
      const other = id(i)
      bonds.recordPing(other, hexOf(other), '2.0.0.1')
    }
    expect(bonds.cachedPairs).toBe(BOND_CACHE_MAX_ENTRIES)
    expect(bonds.cached(hexOf(second), '1.0.0.1')).toBeUndefined()
    expect(bonds.cached(hexOf(first), '1.0.0.1')).toEqual({
      pingReceived: 1_000,
      pongReceived: 1_001,
    })
    await db.close()
  })
})

describe('handlers in flight', () => {
  it('a flood faster than the node database answers is dropped beyond MAX_HANDLERS_IN_FLIGHT', async () => {
    const clock = new ManualClock()
    const net = new MemoryNetwork()
    const transport = net.bind('10.0.0.1', 30303)
    // a database that has stopped answering reads (a busy disk, slower than the flood)
    const db = await NodeDB.open({ expireIntervalMs: 0 })
    const stuck = (): Promise<never> => new Promise<never>(() => {})
    Object.assign(db, { lastPing: stuck, lastPong: stuck })
    const disc = await createDiscv4({ privateKey: floodKey(-1 >>> 0), transport, clock, db })
    await disc.start()
    const sender = net.bind('10.0.0.2', 30303)
    const pings = MAX_HANDLERS_IN_FLIGHT + 500
    try {
      const { body, digest } = floodPingBody(clock.now())
      const ignoredBefore = disc.stats.ignored
      for (let i = 0; i < pings; i++) {
        sender.send(sealCheaply(body, digest, floodKey(i + 1)), transport.address)
      }
      await net.idle()
      expect(disc.stats.ignored - ignoredBefore).toBe(pings - MAX_HANDLERS_IN_FLIGHT)
    } finally {
      await stopDiscv4(disc)
      await db.close()
      await sender.close()
    }
  })
})

describe('pings back to new senders', () => {
  it('a flood of new senders leaves pending slots for our own requests', async () => {
    const clock = new ManualClock()
    const net = new MemoryNetwork()
    const transport = net.bind('10.0.0.1', 30303)
    const disc = await createDiscv4({ privateKey: floodKey(-1 >>> 0), transport, clock })
    await disc.start()
    const sender = net.bind('10.0.0.2', 30303)
    try {
      const { body, digest } = floodPingBody(clock.now())
      // more new senders than there are pending slots, none of which answers our Ping back
      for (let i = 0; i < MAX_PENDING_REPLIES + 100; i++) {
        sender.send(sealCheaply(body, digest, floodKey(i + 1)), transport.address)
        if (i % 500 === 499) await net.idle()
      }
      await net.idle()
      // our own Ping to a node (that does not answer) is sent and times out, instead of
      // failing at once for want of a pending slot
      const silent = net.bind('10.0.0.3', 30303)
      const node = ENode.fromPublicKey(publicKeyFromPrivate(floodKey(1 << 30)), {
        ip: '10.0.0.3',
        udp: 30303,
      })
      let sent = 0
      silent.onMessage(() => sent++)
      const result = disc.ping(node).catch((err: unknown) => err)
      await net.idle()
      clock.advance(RESPONSE_TIMEOUT_MS + 1)
      const err = await result
      expect(err).toBeInstanceOf(DiscoveryError)
      expect(err).toMatchObject({ code: 'TIMEOUT' })
      expect((err as Error).message).toMatch(/no pong within/)
      expect(sent).toBe(1)
      await silent.close()
    } finally {
      await stopDiscv4(disc)
      await sender.close()
    }
  })
})
