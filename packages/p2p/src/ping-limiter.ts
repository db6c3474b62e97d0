import type { Clock } from '@devp2p/common'
import { PING_FLOOD_MAX, PING_RATE_MAX, PING_RATE_WINDOW_MS } from './constants.js'

/** What to do with one Ping. */
export type PingVerdict = 'answer' | 'ignore' | 'drop'

/**
 * Counts a peer's Pings in fixed windows on the injected clock: the first
 * {@link PING_RATE_MAX} of a window are answered, the rest ignored, and the
 * {@link PING_FLOOD_MAX}-th drops the peer. A window starts at the first Ping after the
 * last one ended, so an idle peer costs nothing.
 *
 * bounded: two numbers per peer.
 * @internal
 */
export class PingLimiter {
  readonly #clock: Clock
  #windowEnd = Number.NEGATIVE_INFINITY
  #count = 0

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Counts one Ping and says what to do with it. */
  take(): PingVerdict {
    const now = this.#clock.now()
    if (now >= this.#windowEnd) {
      this.#windowEnd = now + PING_RATE_WINDOW_MS
      this.#count = 0
    }
    const count = ++this.#count
    if (count <= PING_RATE_MAX) return 'answer'
    return count >= PING_FLOOD_MAX ? 'drop' : 'ignore'
  }
}
