import {
  READ_YIELD_AFTER_MS,
  READ_YIELD_CHECK_EVERY_MSGS,
  READ_YIELD_EVERY_MSGS,
} from './constants.js'

const CHECK_MASK = READ_YIELD_CHECK_EVERY_MSGS - 1

/**
 * When a reader of remote input should give the event loop a turn: after
 * {@link READ_YIELD_EVERY_MSGS} messages, or once {@link READ_YIELD_AFTER_MS} have
 * passed since its last yield (the clock is read every
 * {@link READ_YIELD_CHECK_EVERY_MSGS} messages, so the common case costs one increment).
 *
 * Counting continues across waits for bytes on purpose: a wait that is served from the
 * same socket event (libuv reads up to 32 chunks per event, each followed by a microtask
 * drain) does not give the loop a turn, so only a yield resets the budget.
 *
 * The time is `performance.now()`, not the injected `Clock`: a yield is not a timeout
 * (nothing waits on it or fails by it), and the budget is real CPU time spent on the
 * loop, which a fake test clock would not measure.
 * @internal
 */
export class ReadYield {
  #count = 0
  #since = performance.now()

  /** Counts one message; true when the reader should {@link yield} before handling it. */
  due(): boolean {
    const count = ++this.#count
    if (count >= READ_YIELD_EVERY_MSGS) return true
    return (count & CHECK_MASK) === 0 && performance.now() - this.#since >= READ_YIELD_AFTER_MS
  }

  /** Resolves in the event loop's next check phase, after pending I/O and timers ran. */
  async yield(): Promise<void> {
    await new Promise<void>(nextCheckPhase)
    this.#count = 0
    this.#since = performance.now()
  }
}

function nextCheckPhase(resolve: () => void): void {
  setImmediate(resolve)
}
