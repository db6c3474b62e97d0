import type { Clock } from '@devp2p/common'

/** Pongs a peer gets per {@link PING_RATE_WINDOW_MS} at most; later Pings go unanswered. */
export const PING_RATE_MAX = 10
/** The window Pings are counted in. A well-behaved peer pings once per 15 s (geth). */
export const PING_RATE_WINDOW_MS = 10_000
/**
 * Pings in one window at which the peer is dropped (`PING_FLOOD`, "breach of protocol"):
 * it kept pinging after its Pongs stopped, which no client does by accident.
 */
export const PING_FLOOD_MAX = 2 * PING_RATE_MAX

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
