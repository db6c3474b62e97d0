/**
 * The maps a remote sender can grow in discovery v4, each at its named limit: the
 * unbonded-reply rate limiter (per IP) and the bond cache (per node id and IP).
 */
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { BondCache } from '../../src/v4/bond-cache.js'
import {
  BOND_CACHE_MAX_ENTRIES,
  UNBONDED_RATE_MAX_IPS,
  UNBONDED_RATE_PER_IP,
  UNBONDED_RATE_WINDOW_MS,
} from '../../src/v4/index.js'
import { UnbondedRateLimiter } from '../../src/v4/unbonded-rate.js'

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

describe('BondCache', () => {
  it('holds at most BOND_CACHE_MAX_ENTRIES pairs, the least recently used evicted', () => {
    const cache = new BondCache()
    cache.remember('first', { pingReceived: 1, pongReceived: 1 })
    cache.remember('second', { pingReceived: 2, pongReceived: 2 })
    cache.remember('first', { pingReceived: 3, pongReceived: 3 }) // used again
    for (let i = 0; i < BOND_CACHE_MAX_ENTRIES - 1; i++)
      cache.remember(`n${i}`, { pingReceived: 0, pongReceived: 0 })
    expect(cache.size).toBe(BOND_CACHE_MAX_ENTRIES)
    expect(cache.get('second')).toBeUndefined()
    expect(cache.get('first')).toEqual({ pingReceived: 3, pongReceived: 3 })
  })
})
