import { addDeadline } from './system-deadlines.js'

/** An opaque timer handle from {@link Clock.setTimeout}. */
export type TimerHandle = unknown

/** A pending {@link Clock.deadline}; `cancel` is idempotent. */
export interface Deadline {
  cancel(): void
}

/**
 * Where time comes from, so tests can drive every timeout with a fake clock
 * (`ManualClock` in the workspace's testing helpers) instead of sleeping.
 *
 * Two kinds of timer, for two jobs:
 * - {@link Clock.setTimeout}: background work (maintenance, retries, pings). It must not
 *   keep the process alive on its own: the system clock unrefs it.
 * - {@link Clock.deadline}: the time limit of something a caller awaits (a handshake, a
 *   read, a write, a dial). A pending deadline keeps the process alive, as the awaited
 *   operation does. The system clock keeps every deadline on one timer, so a process with
 *   thousands of waiting reads makes no timer per read.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  /** Calls `fire` once, `ms` from now, unless the deadline is cancelled first. */
  deadline(ms: number, fire: () => void): Deadline
}

/**
 * The real clock: `Date.now`, unref'd Node timers, and deadlines measured on
 * `performance.now()` (immune to wall-clock steps) on one shared timer.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  deadline: (ms, fire) => addDeadline(performance.now() + Math.max(0, ms), fire),
}

/**
 * An `AbortSignal` aborted `ms` from now on `clock` (as `AbortSignal.timeout`, but a fake
 * clock drives it), with `reason` (default a `TimeoutError` `DOMException`). With
 * `signal`, it also aborts when that one does, and the deadline is then cancelled.
 */
export function timeoutSignal(
  clock: Clock,
  ms: number,
  options: { signal?: AbortSignal | undefined; reason?: unknown } = {},
): AbortSignal {
  const controller = new AbortController()
  const { signal: outer } = options
  if (outer?.aborted) {
    controller.abort(outer.reason)
    return controller.signal
  }
  const onOuterAbort = (): void => {
    deadline.cancel()
    controller.abort(outer!.reason)
  }
  const deadline = clock.deadline(ms, () => {
    outer?.removeEventListener('abort', onOuterAbort)
    controller.abort(options.reason ?? new DOMException(`timed out after ${ms} ms`, 'TimeoutError'))
  })
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  return controller.signal
}
