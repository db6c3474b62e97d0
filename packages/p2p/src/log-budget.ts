import type { Clock } from '@devp2p/common'

/**
 * How many log entries of one kind may go out at a visible level per window: the rest of
 * the window they go out at debug, so a remote party (an inbound flood, discovery's
 * churn of dial candidates) cannot fill an operator's log.
 */
export class LogBudget {
  readonly #clock: Clock
  readonly #max: number
  readonly #windowMs: number
  #windowStart = Number.NEGATIVE_INFINITY
  #used = 0

  constructor(clock: Clock, max: number, windowMs: number) {
    this.#clock = clock
    this.#max = max
    this.#windowMs = windowMs
  }

  /** Whether one more entry may be visible now (and counts it). */
  take(): boolean {
    const now = this.#clock.now()
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now
      this.#used = 0
    }
    if (this.#used >= this.#max) return false
    this.#used++
    return true
  }
}
