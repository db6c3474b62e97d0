/**
 * The rate at which we answer senders that have no bond with us: a Ping from a forged
 * source address must not make us a reflector for traffic at someone else.
 */
import type { Clock } from '@devp2p/common'
import { isLan } from '@devp2p/enode'

/** Replies we send per window to one IP that has no bond with us. */
export const UNBONDED_RATE_PER_IP = 10
/** The window of {@link UNBONDED_RATE_PER_IP}. */
export const UNBONDED_RATE_WINDOW_MS = 1000
/** IPs whose window we remember; beyond it the oldest window is forgotten first. */
export const UNBONDED_RATE_MAX_IPS = 10_000

/** A fixed-window counter per IP; LAN and loopback senders are exempt. */
export class UnbondedRateLimiter {
  readonly #clock: Clock
  // bounded: UNBONDED_RATE_MAX_IPS IPs, the oldest window forgotten first (a forgotten IP
  // only gets a fresh window, never more than UNBONDED_RATE_PER_IP in one)
  readonly #windows = new Map<string, { windowStart: number; count: number }>()

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
    const entry = this.#windows.get(ip)
    if (!entry || now - entry.windowStart >= UNBONDED_RATE_WINDOW_MS) {
      this.#windows.delete(ip)
      this.#windows.set(ip, { windowStart: now, count: 1 })
      if (this.#windows.size > UNBONDED_RATE_MAX_IPS) {
        this.#windows.delete(this.#windows.keys().next().value!)
      }
      return true
    }
    entry.count++
    return entry.count <= UNBONDED_RATE_PER_IP
  }
}
