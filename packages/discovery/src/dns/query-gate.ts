/**
 * When a DNS query may go out: a token bucket on the injected clock (the request rate)
 * and a limit on queries in flight. One gate per client, shared by every sync and stream
 * of that client.
 */
import type { Clock } from '@devp2p/common'
import { DiscoveryError } from '../errors.js'

/** Rejects with `ABORTED` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new DiscoveryError('ABORTED', 'aborted', { cause: signal.reason })
  }
}

/** Waits `ms` on `clock` (a deadline: the caller awaits it), or rejects with `ABORTED`. */
export function delay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new DiscoveryError('ABORTED', 'aborted', { cause: signal.reason }))
      return
    }
    const onAbort = (): void => {
      deadline.cancel()
      reject(new DiscoveryError('ABORTED', 'aborted', { cause: signal.reason }))
    }
    const deadline = clock.deadline(ms, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** The request rate (a token bucket) and the queries in flight of one client. */
export class QueryGate {
  readonly #clock: Clock
  readonly #ratePerMs: number
  readonly #burst: number
  readonly #maxInFlight: number
  #tokens: number
  #refilledAt: number
  #inFlight = 0
  // bounded: one entry per caller waiting for a slot; callers are this client's own syncs
  // and streams, each of which waits for one slot at a time per worker
  readonly #waiting: (() => void)[] = []

  constructor(options: { clock: Clock; ratePerS: number; burst: number; maxInFlight: number }) {
    this.#clock = options.clock
    this.#ratePerMs = options.ratePerS / 1000
    this.#burst = options.burst
    this.#maxInFlight = options.maxInFlight
    this.#tokens = options.burst
    this.#refilledAt = options.clock.now()
  }

  /**
   * Takes one token, waiting for it on the clock when the bucket is empty. Tokens are
   * reserved in arrival order; an aborted wait gives its token back.
   *
   * @throws DiscoveryError `ABORTED` when `signal` fires first.
   */
  async token(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal)
    const now = this.#clock.now()
    const elapsed = Math.max(0, now - this.#refilledAt)
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs)
    this.#refilledAt = now
    this.#tokens -= 1
    if (this.#tokens >= 0) return
    try {
      await delay(this.#clock, Math.ceil(-this.#tokens / this.#ratePerMs), signal)
    } catch (err) {
      this.#tokens += 1
      throw err
    }
  }

  /**
   * Waits for a free slot among the queries in flight, then for a token; returns the
   * function that frees the slot (call it once the query is done).
   *
   * @throws DiscoveryError `ABORTED` when `signal` fires first.
   */
  async acquire(signal: AbortSignal): Promise<() => void> {
    throwIfAborted(signal)
    if (this.#inFlight >= this.#maxInFlight) await this.#waitForSlot(signal)
    else this.#inFlight++
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      if (next)
        next() // the slot passes to the next waiter
      else this.#inFlight--
    }
    try {
      await this.token(signal)
    } catch (err) {
      release()
      throw err
    }
    return release
  }

  #waitForSlot(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant)
        if (i >= 0) this.#waiting.splice(i, 1)
        reject(new DiscoveryError('ABORTED', 'aborted', { cause: signal.reason }))
      }
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      this.#waiting.push(grant)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}
