/** The clock shape of @devp2p/common (structurally typed: testing depends on nothing). */
interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  deadline(ms: number, fire: () => void): { cancel(): void }
}

interface Timer {
  at: number
  fn: () => void
  seq: number
}

/**
 * A clock that moves only when the test says so; timers and deadlines fire in time order
 * on `advance` (both are the same kind of timer here).
 */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers = new Set<Timer>()

  /** Starts at `now` (clock milliseconds; default a fixed date in 2027). */
  constructor(now = 1_800_000_000_000) {
    this.#now = now
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.#now + Math.max(0, ms), fn, seq: this.#seq++ }
    this.#timers.add(timer)
    return timer
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as Timer)
  }

  deadline(ms: number, fire: () => void): { cancel(): void } {
    const timer = this.setTimeout(fire, ms)
    return { cancel: () => this.clearTimeout(timer) }
  }

  /** Timers and deadlines waiting to fire. */
  get pending(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms
    for (;;) {
      let next: Timer | undefined
      for (const t of this.#timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t
      }
      if (!next) break
      this.#timers.delete(next)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
    }
    this.#now = end
  }
}
