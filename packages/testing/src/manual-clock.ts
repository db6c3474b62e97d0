/** The clock shape of @devp2p/enode (structurally typed: testing depends on nothing). */
interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

interface Timer {
  at: number
  fn: () => void
  seq: number
}

/** A clock that moves only when the test says so; timers fire in time order on `advance`. */
export class ManualClock implements Clock {
  #now = 1_800_000_000_000
  #seq = 0
  readonly #timers = new Set<Timer>()

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

  /** Timers waiting to fire. */
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
