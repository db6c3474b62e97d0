/**
 * Our requests awaiting responses, by request id: each has a random 8-byte id, the node
 * (id and ip:port) and the message type its response must come from and have, and a
 * deadline on the injected clock. A response that matches no request is unsolicited and
 * dropped before anything in it is verified.
 */
import type { Clock, Deadline } from '@devp2p/common'
import { randomBytes } from '@devp2p/crypto'
import { DiscoveryError } from '../errors.js'
import { afterPendingIo } from '../v4/reply-matcher.js'
import { MAX_PENDING_REQUESTS, REQUEST_ID_BYTES, RESPONSE_TIMEOUT_MS } from './constants.js'
import type { Message, MessageType } from './message-types.js'
import type { InboundMessage, OutboundCall, Remote, SessionLayer } from './session-layer.js'
import type { Discv5Stats } from './stats.js'

/** Takes one response message of a request; returns whether the request is now complete. */
export type ResponseHandler = (message: Message, inbound: InboundMessage) => boolean

interface PendingCall extends OutboundCall {
  readonly idHex: string
  readonly expect: MessageType
  readonly onResponse: ResponseHandler
  deadline: Deadline | undefined
  readonly finish: (error?: DiscoveryError) => void
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

/** The requests awaiting responses (see the module comment). */
export class PendingRequests {
  readonly #clock: Clock
  readonly #stats: Discv5Stats
  readonly #signal: AbortSignal
  readonly #layer: SessionLayer
  // bounded: MAX_PENDING_REQUESTS; only our requests add entries (beyond it a request fails at once)
  readonly #pending = new Map<string, PendingCall>()

  /** @param signal aborted when the service stops: no request is registered after it. */
  constructor(clock: Clock, stats: Discv5Stats, signal: AbortSignal, layer: SessionLayer) {
    this.#clock = clock
    this.#stats = stats
    this.#signal = signal
    this.#layer = layer
  }

  /** Requests in flight. */
  get size(): number {
    return this.#pending.size
  }

  /**
   * Sends the request `build` makes with a fresh request id to `remote`, and waits for
   * responses of type `expect` from the same node id and address. `onDone` is called
   * once: without an error when `onResponse` said complete, else with `TIMEOUT` after
   * RESPONSE_TIMEOUT_MS without a (further) response, `TOO_MANY_REQUESTS` at once when
   * MAX_PENDING_REQUESTS are in flight, or `CLOSED` when the service stops.
   */
  request(
    remote: Remote,
    build: (requestId: Uint8Array) => Message,
    expect: MessageType,
    onResponse: ResponseHandler,
    onDone: (error?: DiscoveryError) => void,
  ): void {
    if (this.#signal.aborted) {
      onDone(new DiscoveryError('CLOSED', 'discovery is stopped'))
      return
    }
    if (this.#pending.size >= MAX_PENDING_REQUESTS) {
      onDone(
        new DiscoveryError(
          'TOO_MANY_REQUESTS',
          `too many requests in flight (${MAX_PENDING_REQUESTS} awaiting responses)`,
        ),
      )
      return
    }
    let requestId = randomBytes(REQUEST_ID_BYTES)
    while (this.#pending.has(hex(requestId))) requestId = randomBytes(REQUEST_ID_BYTES)
    const call: PendingCall = {
      idHex: hex(requestId),
      remote,
      message: build(requestId),
      expect,
      onResponse,
      deadline: undefined,
      onResent: () => this.#arm(call),
      finish: (error) => {
        if (this.#pending.get(call.idHex) !== call) return
        this.#pending.delete(call.idHex)
        call.deadline?.cancel()
        this.#layer.forget(call)
        onDone(error)
      },
    }
    this.#pending.set(call.idHex, call)
    this.#arm(call)
    try {
      this.#layer.send(call)
    } catch (err) {
      // a message we cannot encode is the caller's mistake: no request, the error thrown
      this.#pending.delete(call.idHex)
      call.deadline?.cancel()
      this.#layer.forget(call)
      throw err
    }
  }

  /** (Re)starts the call's response timeout. */
  #arm(call: PendingCall): void {
    call.deadline?.cancel()
    call.deadline = this.#clock.deadline(RESPONSE_TIMEOUT_MS, () =>
      afterPendingIo(() => {
        if (this.#pending.get(call.idHex) !== call) return
        this.#stats.timeouts++
        call.finish(
          new DiscoveryError('TIMEOUT', `no ${call.expect} within ${RESPONSE_TIMEOUT_MS} ms`),
        )
      }),
    )
  }

  /**
   * Gives a response to the request it answers: same request id, same node id and
   * address, the expected type. Returns whether there was one.
   */
  deliver(inbound: InboundMessage): boolean {
    const { message, srcId, from } = inbound
    const call = this.#pending.get(hex(message.requestId))
    if (
      !call ||
      call.expect !== message.type ||
      !sameBytes(call.remote.id, srcId) ||
      call.remote.addr.ip !== from.ip ||
      call.remote.addr.port !== from.port
    ) {
      return false
    }
    if (call.onResponse(message, inbound)) call.finish()
    else this.#arm(call)
    return true
  }

  /** Ends every request with `CLOSED` (the service stops). */
  closeAll(): void {
    for (const call of [...this.#pending.values()]) {
      call.finish(new DiscoveryError('CLOSED', 'discovery stopped'))
    }
  }
}
