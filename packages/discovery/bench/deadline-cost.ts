/**
 * What a request's deadline costs the reply matcher: MAX_PENDING_REPLIES requests
 * registered and then answered (each deadline cancelled), with the system clock's
 * shared deadline timer beside one Node timer per request (how the matcher worked before
 * it used `clock.deadline`). Run: npx tsx --conditions=@devp2p/source bench/deadline-cost.ts
 */
import { type Clock, systemClock } from '@devp2p/common'
import { MAX_PENDING_REPLIES } from '../src/v4/constants.js'
import { ReplyMatcher } from '../src/v4/reply-matcher.js'
import { emptyStats } from '../src/v4/stats.js'

/** The system clock, but a deadline is a timer of its own (unref'd), as before. */
const timerPerDeadline: Clock = {
  ...systemClock,
  deadline(ms, fire) {
    const t = setTimeout(fire, ms).unref()
    return { cancel: () => clearTimeout(t) }
  },
}

const done = () => ({ matched: true, done: true })
const noop = (): void => {}
const pong = { type: 'pong' } as never
const from = { ip: '1.2.3.4', port: 30303 }
const decoded = { nodeIdHex: '00' } as never

function round(clock: Clock, inFlight: number): void {
  const controller = new AbortController()
  const matcher = new ReplyMatcher(clock, emptyStats(), controller.signal)
  for (let i = 0; i < inFlight; i++) matcher.expect('00' as never, '1.2.3.4', 'pong', done, noop)
  matcher.deliver(pong, decoded, from) // one reply answers them all: each deadline cancelled
}

function measure(
  name: string,
  clock: Clock,
  inFlight: number,
  ms = Number(process.env.BENCH_MS ?? 500),
): void {
  for (let i = 0; i < 50; i++) round(clock, inFlight) // warm up
  let requests = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    round(clock, inFlight)
    requests += inFlight
  }
  const perSec = requests / ((performance.now() - start) / 1000)
  console.log(
    `${name.padEnd(28)} ${String(inFlight).padStart(5)} in flight  ${Math.round(perSec).toLocaleString('en').padStart(12)} requests/s`,
  )
}

for (const inFlight of [1, 64, MAX_PENDING_REPLIES]) {
  measure('clock.deadline (shared)', systemClock, inFlight)
  measure('one timer per request', timerPerDeadline, inFlight)
}
