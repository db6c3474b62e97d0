import { BoundedMap, type Clock, systemClock } from '@devp2p/common'
import {
  ENDPOINT_MAX_STATEMENTS,
  ENDPOINT_MIN_STATEMENTS,
  ENDPOINT_STATEMENT_WINDOW_MS,
} from './constants.js'

/** An IP address and UDP port. */
export interface Endpoint {
  readonly ip: string
  readonly port: number
}

/** Options of an {@link EndpointPredictor}; the defaults are geth's. */
export interface EndpointPredictorOptions {
  readonly clock?: Clock
  /** Statements needed before anything is predicted (default 10). */
  readonly minStatements?: number
  /** Statements older than this are ignored and dropped (default 5 min). */
  readonly windowMs?: number
  /** Peers whose statements are kept; the oldest is evicted beyond it (default 256). */
  readonly maxStatements?: number
}

/**
 * Predicts our external endpoint from what peers tell us they see (discv4 Pong `to`,
 * discv5 PONG): each peer's latest statement counts once, and an endpoint is predicted
 * when at least `minStatements` recent statements exist and more than half of them agree.
 * Requiring a majority, not just the most votes, makes a few lying peers harmless.
 */
export class EndpointPredictor {
  readonly #clock: Clock
  readonly #min: number
  readonly #windowMs: number
  // bounded: maxStatements (ENDPOINT_MAX_STATEMENTS by default) peers; re-stating moves a
  // peer to the end, the oldest statement is evicted
  readonly #statements: BoundedMap<string, { endpoint: string; time: number }>

  constructor(options: EndpointPredictorOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#min = options.minStatements ?? ENDPOINT_MIN_STATEMENTS
    this.#windowMs = options.windowMs ?? ENDPOINT_STATEMENT_WINDOW_MS
    const max = options.maxStatements ?? ENDPOINT_MAX_STATEMENTS
    if (!Number.isSafeInteger(this.#min) || this.#min < 1)
      throw new RangeError('minStatements must be ≥ 1')
    if (!Number.isSafeInteger(max) || max < this.#min) {
      throw new RangeError('maxStatements must be an integer ≥ minStatements')
    }
    this.#statements = new BoundedMap({ maxSize: max, evict: 'insertion' })
  }

  /** How many statements are kept. */
  get size(): number {
    return this.#statements.size
  }

  /** Records that peer `from` (any stable key, e.g. its id in hex) sees us at `ip`:`port`. */
  addStatement(from: string, ip: string, port: number): void {
    const time = this.#clock.now()
    this.#statements.delete(from) // re-inserted: the order is that of the latest statements
    this.#statements.set(from, { endpoint: `${port} ${ip}`, time })
  }

  /** The predicted endpoint, or `undefined` when too few recent statements agree. */
  predict(): Endpoint | undefined {
    const since = this.#clock.now() - this.#windowMs
    // Map order is the order of the latest statement, so stale ones are at the front.
    for (const [from, s] of this.#statements) {
      if (s.time >= since) break
      this.#statements.delete(from)
    }
    const total = this.#statements.size
    if (total < this.#min) return undefined
    const votes = new Map<string, number>()
    for (const { endpoint } of this.#statements.values()) {
      const n = (votes.get(endpoint) ?? 0) + 1
      if (n * 2 > total) {
        const space = endpoint.indexOf(' ')
        return { ip: endpoint.slice(space + 1), port: Number(endpoint.slice(0, space)) }
      }
      votes.set(endpoint, n)
    }
    return undefined
  }
}
