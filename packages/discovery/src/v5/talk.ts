/**
 * TALKREQ handling (discv5-wire.md "TALKREQ Request"): applications register a handler
 * per protocol name; a request for a protocol nobody registered gets an empty TALKRESP.
 * At most MAX_TALK_HANDLERS_IN_FLIGHT handlers run at once, each for at most
 * TALK_HANDLER_TIMEOUT_MS: a flood of TALKREQs is dropped, never queued.
 */
import type { Clock, Logger } from '@devp2p/common'
import type { Enr, NodeId } from '@devp2p/enode'
import type { UdpAddress } from '../v4/transport.js'
import { MAX_TALK_HANDLERS_IN_FLIGHT, TALK_HANDLER_TIMEOUT_MS } from './constants.js'
import type { TalkReqMessage } from './message-types.js'
import type { Discv5Stats } from './stats.js'

/** Who sent a TALKREQ. */
export interface TalkRequester {
  readonly id: NodeId
  readonly ip: string
  readonly port: number
  /** Its record, when the session knows it. */
  readonly record: Enr | undefined
}

/**
 * Answers one TALKREQ of a protocol: resolves with the TALKRESP's payload. A handler that
 * throws or rejects is answered with an empty TALKRESP (and logged); one that takes
 * longer than TALK_HANDLER_TIMEOUT_MS is not answered.
 */
export type TalkHandler = (
  request: Uint8Array,
  from: TalkRequester,
) => Uint8Array | Promise<Uint8Array>

const EMPTY = new Uint8Array(0)
const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

/** The registered talk protocols and the handlers running (see the module comment). */
export class TalkProtocols {
  // bounded: registered locally through the API, never by a remote party
  readonly #handlers = new Map<string, TalkHandler>()
  // bounded: MAX_TALK_HANDLERS_IN_FLIGHT; beyond it a TALKREQ is dropped
  #inFlight = 0

  /** Handlers running now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /**
   * Registers (or replaces) the handler of `name`.
   * @throws {TypeError} when `name` is not a non-empty string or `handler` not a function.
   */
  register(name: string, handler: TalkHandler): void {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('a talk protocol name is a non-empty string')
    }
    if (typeof handler !== 'function') throw new TypeError('handler must be a function')
    this.#handlers.set(hex(new TextEncoder().encode(name)), handler)
  }

  /** Removes the handler of `name`; returns whether there was one. */
  unregister(name: string): boolean {
    return this.#handlers.delete(hex(new TextEncoder().encode(name)))
  }

  /**
   * Handles a TALKREQ: calls `respond` once with the payload to send back (empty for an
   * unknown protocol or a failed handler), or never (over the limit, or too slow).
   */
  handle(
    message: TalkReqMessage,
    from: { readonly id: NodeId; readonly addr: UdpAddress; readonly record: Enr | undefined },
    respond: (payload: Uint8Array) => void,
    context: { readonly clock: Clock; readonly log: Logger; readonly stats: Discv5Stats },
  ): void {
    const handler = this.#handlers.get(hex(message.protocol))
    if (!handler) {
      respond(EMPTY)
      return
    }
    if (this.#inFlight >= MAX_TALK_HANDLERS_IN_FLIGHT) {
      context.stats.ignored++
      return
    }
    this.#inFlight++
    let open = true
    const release = (): boolean => {
      if (!open) return false
      open = false
      deadline.cancel()
      this.#inFlight--
      return true
    }
    const deadline = context.clock.deadline(TALK_HANDLER_TIMEOUT_MS, () => {
      if (release()) context.log.debug({}, 'discv5 talk handler too slow: not answered')
    })
    const requester: TalkRequester = {
      id: from.id,
      ip: from.addr.ip,
      port: from.addr.port,
      record: from.record,
    }
    let result: Uint8Array | Promise<Uint8Array>
    try {
      result = handler(message.request, requester)
    } catch (err) {
      result = Promise.reject(err)
    }
    Promise.resolve(result).then(
      (payload) => {
        if (!release()) return
        respond(payload instanceof Uint8Array ? payload : EMPTY)
      },
      (err: unknown) => {
        if (!release()) return
        context.log.warn({ err: String(err) }, 'discv5 talk handler failed')
        respond(EMPTY)
      },
    )
  }
}
