import type { Logger } from '@devp2p/common'
import { toHex } from './address.js'
import { messageDigest } from './message.js'
import type { DropReason, RouteResult } from './router.js'

/**
 * What this node did with one message, for local code that wants to see routing happen
 * (a demo drawing paths, a debugging tool): told through the `onRoute` option of `Pss`.
 */
export interface PssRouteEvent {
  /** keccak256 of the message's encoding (hex): the same at every node it passes. */
  readonly digest: string
  /** The peer it came from (node id, hex); absent for a message we sent. */
  readonly from?: string
  /** The peers whose outbox took it (node ids, hex), in the order they were chosen. */
  readonly to: readonly string[]
  /** Whether it was addressed to us (whether we could open it is another matter). */
  readonly delivered: boolean
  /** Why it was dropped before routing (a repeat, expired, rate-limited, …), if it was. */
  readonly dropped?: DropReason
}

/**
 * Watches the router route one message at a time: the peer send functions report the
 * peers that took it while the router (which sends synchronously) routes, and the event
 * goes to `onRoute` when it returns. A hook that throws is logged, never routing's problem.
 */
export class RouteTracer {
  readonly #onRoute: (event: PssRouteEvent) => void
  readonly #log: Logger
  #taken: string[] | undefined

  constructor(onRoute: (event: PssRouteEvent) => void, logger: Logger) {
    this.#onRoute = onRoute
    this.#log = logger
  }

  /** A peer's outbox took the message being routed. */
  took(peer: Uint8Array): void {
    this.#taken?.push(toHex(peer))
  }

  /** Runs `route` (one router call for `encoded`, received from `from` or ours) and reports it. */
  trace<R extends RouteResult>(
    encoded: Uint8Array,
    from: Uint8Array | undefined,
    route: () => R,
  ): R {
    const outer = this.#taken
    const taken: string[] = []
    this.#taken = taken
    let result: R
    try {
      result = route()
    } finally {
      this.#taken = outer
    }
    const event: PssRouteEvent = {
      digest: toHex(messageDigest(encoded)),
      ...(from === undefined ? {} : { from: toHex(from) }),
      to: taken,
      delivered: result.deliver !== undefined,
      ...(result.dropped === undefined ? {} : { dropped: result.dropped }),
    }
    try {
      this.#onRoute(event)
    } catch (err) {
      this.#log.warn({ err }, 'pss: the onRoute hook threw')
    }
    return result
  }
}
