/**
 * The system clock's deadlines (`systemClock.deadline`), on one timer: a wait adds its
 * deadline and removes it when it ends, and the one timer is armed for the earliest
 * deadline while any wait exists. A process with connections waiting all the time keeps
 * one timer instead of making and clearing one per wait (Node's timer lists are made and
 * deleted as they empty, so that churn is the expensive part).
 *
 * When the last wait ends the timer stays armed but unref'd: it no longer keeps the
 * process alive (no handle is left behind), and the next wait, usually a moment later
 * (a read that waits for each message of a request/response exchange), refs it again
 * instead of making a new one. Deadlines are added later and later as time passes, so the
 * armed timer is usually the earliest one: it fires at most once per deadline length,
 * finds nothing due and re-arms for what waits (or goes when nothing does).
 *
 * bounded: one entry per pending deadline: a connection has at most one read, one write
 * and one handshake deadline at a time, a discovery request one reply deadline.
 */

/** One registered deadline; `at` is a `performance.now()` value. */
export class SystemDeadline {
  readonly at: number
  readonly fire: () => void
  /** Tie-break among equal `at`: the earlier registration fires first. */
  readonly seq: number
  /** Where it sits in the heap; -1 once fired or cancelled. */
  index = -1

  constructor(at: number, fire: () => void, seq: number) {
    this.at = at
    this.fire = fire
    this.seq = seq
  }

  /** Forgets the deadline (idempotent); a method, so no closure is made per deadline. */
  cancel(): void {
    cancelDeadline(this)
  }
}

// bounded: one entry per pending deadline (see above); a binary min-heap by (at, seq),
// so adding, cancelling and firing one deadline are O(log n) however many wait
const heap: SystemDeadline[] = []
let seq = 0
let timer: NodeJS.Timeout | undefined
/** When the timer fires (`performance.now()` value), if armed. */
let armedAt = Number.POSITIVE_INFINITY

function before(a: SystemDeadline, b: SystemDeadline): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

function place(d: SystemDeadline, i: number): void {
  heap[i] = d
  d.index = i
}

function siftUp(i: number): void {
  const d = heap[i]!
  while (i > 0) {
    const parent = (i - 1) >> 1
    const p = heap[parent]!
    if (!before(d, p)) break
    place(p, i)
    i = parent
  }
  place(d, i)
}

function siftDown(i: number): void {
  const d = heap[i]!
  const n = heap.length
  for (;;) {
    const left = 2 * i + 1
    if (left >= n) break
    const right = left + 1
    const child = right < n && before(heap[right]!, heap[left]!) ? right : left
    const c = heap[child]!
    if (!before(c, d)) break
    place(c, i)
    i = child
  }
  place(d, i)
}

/** Takes `heap[i]` out, keeping the heap in order. */
function removeAt(i: number): void {
  const d = heap[i]!
  const last = heap.pop()!
  d.index = -1
  if (last === d) return
  place(last, i)
  siftDown(i)
  siftUp(last.index)
}

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer)
  armedAt = at
  // not unref'd: a wait keeps the process alive until its deadline, as a timer of its
  // own did (the timer goes as soon as nothing waits)
  timer = setTimeout(expire, Math.max(0, at - performance.now()))
}

function expire(): void {
  timer = undefined
  // (also when nothing waits: the unref'd timer of the last wait ends here)
  armedAt = Number.POSITIVE_INFINITY
  const now = performance.now()
  const due: SystemDeadline[] = []
  while (heap.length > 0 && heap[0]!.at <= now) {
    due.push(heap[0]!)
    removeAt(0)
  }
  if (heap.length > 0) arm(heap[0]!.at)
  for (const d of due) d.fire()
}

/** Calls `fire` at `at` (a `performance.now()` value) unless cancelled first. */
export function addDeadline(at: number, fire: () => void): SystemDeadline {
  const d = new SystemDeadline(at, fire, seq++)
  d.index = heap.length
  heap.push(d)
  siftUp(d.index)
  if (at < armedAt) arm(at)
  else if (heap.length === 1) timer?.ref() // left unref'd when the last wait ended
  return d
}

/** Forgets `d` (idempotent); when nothing waits any more the timer is unref'd. */
export function cancelDeadline(d: SystemDeadline): void {
  if (d.index < 0) return
  removeAt(d.index)
  if (heap.length === 0) timer?.unref()
}

/** For tests: how many deadlines are registered (not exported from the package). */
export function pendingDeadlines(): number {
  return heap.length
}

/** For tests: whether the one timer exists, and whether it keeps the process alive. */
export function deadlineTimer(): 'none' | 'ref' | 'unref' {
  if (timer === undefined) return 'none'
  return timer.hasRef() ? 'ref' : 'unref'
}
