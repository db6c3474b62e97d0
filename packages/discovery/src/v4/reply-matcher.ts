/**
 * Matching replies to our requests: each request we send registers what its reply looks
 * like (sender id and IP, packet type, a matcher for the hash it must carry) and a
 * deadline; a reply that matches no request is unsolicited and dropped.
 */
import type { Clock, Deadline } from '@devp2p/common'
import type { NodeIdHex } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import { MAX_PENDING_REPLIES, RESPONSE_TIMEOUT_MS } from './constants.js'
import type { DecodedPacket, Packet } from './packet-types.js'
import type { Discv4Stats } from './stats.js'
import type { UdpAddress } from './transport.js'

/**
 * Says whether `packet` answers a request, and whether the request is then done (a
 * FindNode's answer may span several Neighbors packets).
 */
export type ReplyMatch = (packet: Packet) => { matched: boolean; done: boolean }

interface PendingReply {
  readonly id: NodeIdHex
  readonly ip: string
  readonly type: Packet['type']
  readonly match: ReplyMatch
  readonly deadline: Deadline
  readonly finish: (error?: DiscoveryError) => void
}

/**
 * Runs `fn` once the I/O that is already waiting has been handled. A stalled process
 * (a loaded machine) runs the timers that fell due before it reads its sockets, so a
 * reply that arrived during the stall would lose to its own timeout; a timeout decided
 * here (in the check phase, after the poll) sees that reply first.
 */
export function afterPendingIo(fn: () => void): void {
  setImmediate(fn)
}

/** The requests awaiting replies (see the module comment). */
export class ReplyMatcher {
  readonly #clock: Clock
  readonly #stats: Discv4Stats
  readonly #signal: AbortSignal
  // bounded: MAX_PENDING_REPLIES; only our requests add entries (a Ping from a new
  // sender makes us ping back, so senders reach it too; beyond it a request fails at once)
  readonly #pending = new Set<PendingReply>()

  /** @param signal aborted when the service stops: no request is registered after it. */
  constructor(clock: Clock, stats: Discv4Stats, signal: AbortSignal) {
    this.#clock = clock
    this.#stats = stats
    this.#signal = signal
  }

  /** Whether a new request would be refused for want of a slot. */
  get full(): boolean {
    return this.#pending.size >= MAX_PENDING_REPLIES
  }

  /**
   * Waits for a reply of `type` from `id` at `ip` that `match` accepts; calls `onDone`
   * once: without an error when `match` said done, else with `TIMEOUT` after
   * RESPONSE_TIMEOUT_MS, `TOO_MANY_REQUESTS` at once when MAX_PENDING_REPLIES are
   * awaited, or `CLOSED` when the service stops.
   */
  expect(
    id: NodeIdHex,
    ip: string,
    type: Packet['type'],
    match: ReplyMatch,
    onDone: (error?: DiscoveryError) => void,
  ): void {
    if (this.#signal.aborted) {
      onDone(new DiscoveryError('CLOSED', 'discovery is stopped'))
      return
    }
    if (this.full) {
      onDone(tooManyRequests())
      return
    }
    const pending: PendingReply = {
      id,
      ip,
      type,
      match,
      deadline: this.#clock.deadline(RESPONSE_TIMEOUT_MS, () =>
        afterPendingIo(() => {
          if (!this.#pending.has(pending)) return
          this.#stats.timeouts++
          pending.finish(
            new DiscoveryError('TIMEOUT', `no ${type} within ${RESPONSE_TIMEOUT_MS} ms`),
          )
        }),
      ),
      finish: (error) => {
        if (!this.#pending.delete(pending)) return
        pending.deadline.cancel()
        onDone(error)
      },
    }
    this.#pending.add(pending)
  }

  /**
   * Gives a reply to every request it matches; returns whether there was one. Like geth,
   * a reply goes to every request it matches (two lookups may ask one node at once;
   * Neighbors carry no request hash to tell them apart).
   */
  deliver(packet: Packet, decoded: DecodedPacket, from: UdpAddress): boolean {
    let matched = false
    for (const pending of this.#pending) {
      if (
        pending.type !== packet.type ||
        pending.id !== decoded.nodeIdHex ||
        pending.ip !== from.ip
      )
        continue
      const result = pending.match(packet)
      if (!result.matched) continue
      matched = true
      if (result.done) pending.finish()
    }
    return matched
  }

  /** Ends every request with `CLOSED` (the service stops). */
  closeAll(): void {
    for (const pending of [...this.#pending]) {
      pending.finish(new DiscoveryError('CLOSED', 'discovery stopped'))
    }
  }
}

/** A request refused because MAX_PENDING_REPLIES replies are awaited already. */
export function tooManyRequests(): DiscoveryError {
  return new DiscoveryError(
    'TOO_MANY_REQUESTS',
    `too many requests in flight (${MAX_PENDING_REPLIES} awaiting replies)`,
  )
}
