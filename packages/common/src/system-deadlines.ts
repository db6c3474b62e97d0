/**
 * The system clock's deadlines (`systemClock.deadline`), on one timer: a wait adds its
 * deadline and removes it when it ends, and the one timer is armed for the earliest deadline while
 * any wait exists. A process with connections waiting all the time keeps one timer
 * instead of making and clearing one per wait (Node's timer lists are made and deleted
 * as they empty, so that churn is the expensive part); with nothing waiting there is no
 * timer at all, so no handle is left behind.
 *
 * bounded: one entry per waiting read; a firing scans the entries (a connection waits on
 * at most one read, one write and one handshake at a time).
 */

/** One registered deadline; `at` is a `performance.now()` value. */
export interface SystemDeadline {
  readonly at: number
  readonly fire: () => void
}

const waiting = new Set<SystemDeadline>()
let timer: NodeJS.Timeout | undefined
/** When the timer fires (`performance.now()` value), if armed. */
let armedAt = Number.POSITIVE_INFINITY

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer)
  armedAt = at
  // not unref'd: a wait keeps the process alive until its deadline, as a timer of its
  // own did (the timer goes as soon as nothing waits)
  timer = setTimeout(expire, Math.max(0, at - performance.now()))
}

function expire(): void {
  timer = undefined
  armedAt = Number.POSITIVE_INFINITY
  const now = performance.now()
  const due: SystemDeadline[] = []
  let next = Number.POSITIVE_INFINITY
  for (const d of waiting) {
    if (d.at <= now) due.push(d)
    else if (d.at < next) next = d.at
  }
  for (const d of due) waiting.delete(d)
  if (next !== Number.POSITIVE_INFINITY) arm(next)
  for (const d of due) d.fire()
}

/** Calls `fire` at `at` (a `performance.now()` value) unless cancelled first. */
export function addDeadline(at: number, fire: () => void): SystemDeadline {
  const d: SystemDeadline = { at, fire }
  waiting.add(d)
  if (at < armedAt) arm(at)
  return d
}

/** Forgets `d`; the timer goes when nothing waits any more. */
export function cancelDeadline(d: SystemDeadline): void {
  if (!waiting.delete(d) || waiting.size > 0) return
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  armedAt = Number.POSITIVE_INFINITY
}

/** For tests: how many deadlines are registered (not exported from the package). */
export function pendingDeadlines(): number {
  return waiting.size
}
