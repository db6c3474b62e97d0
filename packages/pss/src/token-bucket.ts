import type { Clock } from '@devp2p/common'

/**
 * A token bucket on an injected clock: `rate` tokens per second refill a bucket of
 * `burst` tokens. A peer's receive limit is two of them, one in messages and one in bytes.
 */
export class TokenBucket {
  readonly #clock: Pick<Clock, 'now'>
  readonly #ratePerMs: number
  readonly #burst: number
  #tokens: number
  #at: number

  /** @throws RangeError when `ratePerS` or `burst` is not a positive number. */
  constructor(clock: Pick<Clock, 'now'>, ratePerS: number, burst: number) {
    if (!(ratePerS > 0) || !(burst > 0))
      throw new RangeError(
        `a token bucket needs a positive rate and burst, got ${ratePerS}/${burst}`,
      )
    this.#clock = clock
    this.#ratePerMs = ratePerS / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#at = clock.now()
  }

  /** Whether `n` tokens are available now (nothing is taken). */
  has(n: number): boolean {
    this.#refill()
    return this.#tokens >= n
  }

  /** Whether `n` tokens were available; they are taken only if they were. */
  take(n: number): boolean {
    if (!this.has(n)) return false
    this.#tokens -= n
    return true
  }

  #refill(): void {
    const now = this.#clock.now()
    // a clock that steps back refills nothing
    if (now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#ratePerMs)
    }
    this.#at = now
  }
}
