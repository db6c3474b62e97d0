/**
 * The rate at which we answer senders that have no bond with us: a Ping from a forged
 * source address must not make us a reflector for traffic at someone else.
 */
import { BoundedMap, type Clock } from '@devp2p/common'
import { isLan } from '@devp2p/enode'
import {
  UNBONDED_RATE_MAX_IPS,
  UNBONDED_RATE_PER_IP,
  UNBONDED_RATE_WINDOW_MS,
} from './constants.js'

/** A fixed-window counter per IP; LAN and loopback senders are exempt. */
export class UnbondedRateLimiter {
  readonly #clock: Clock
  // bounded: UNBONDED_RATE_MAX_IPS IPs, the oldest window forgotten first (a forgotten IP
  // only gets a fresh window, never more than UNBONDED_RATE_PER_IP in one)
  readonly #windows = new BoundedMap<string, { windowStart: number; count: number }>({
    maxSize: UNBONDED_RATE_MAX_IPS,
    evict: 'insertion',
  })

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** IPs remembered (for tests). */
  get size(): number {
    return this.#windows.size
  }

  /** Whether we may answer one more packet from `ip`; counts it when we may. */
  allow(ip: string): boolean {
    // LAN and loopback senders are exempt, as from the server's inbound throttle: many
    // nodes of one machine or network share an address
    if (isLan(ip)) return true
    const now = this.#clock.now()
    const entry = this.#windows.peek(ip)
    if (!entry || now - entry.windowStart >= UNBONDED_RATE_WINDOW_MS) {
      // a new window is the newest entry: delete first, so it moves to the end
      this.#windows.delete(ip)
      this.#windows.set(ip, { windowStart: now, count: 1 })
      return true
    }
    entry.count++
    return entry.count <= UNBONDED_RATE_PER_IP
  }
}
