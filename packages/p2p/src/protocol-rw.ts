import type { MatchedProtocol } from './caps.js'
import type { Msg, MsgReadWriter, OutMsg } from './msg.js'
import { iterateMsgs, MsgChannel } from './msg-channel.js'

/**
 * @internal How a protocol's writes reach its peer: one module-level function, called
 * with the peer, the wire code and, for `msgsend` events, the protocol and relative code
 * (no closure per peer: a closure made in the peer's constructor would keep its whole
 * context alive for the peer's lifetime).
 */
export type PeerWrite<P> = (
  peer: P,
  code: number,
  payload: Uint8Array,
  protocol: string,
  msgCode: number,
) => Promise<void>

/**
 * @internal One sub-protocol's view of a peer (geth's `protoRW`): codes relative to the
 * protocol's offset. The peer's reader pushes into `channel`; writes go through the
 * peer, so every protocol's writes share its one ordered connection.
 */
export class ProtocolRW<P = unknown> implements MsgReadWriter {
  /** bounded: unbuffered; the peer's reader waits for each message to be taken. */
  readonly channel = new MsgChannel<Msg>()
  readonly #name: string
  readonly #length: number
  readonly #offset: number
  readonly #peer: P
  readonly #write: PeerWrite<P>
  readonly #label: string

  constructor(matched: MatchedProtocol, peer: P, write: PeerWrite<P>) {
    const { protocol, offset } = matched
    this.#name = protocol.name
    this.#length = protocol.length
    this.#offset = offset
    this.#label = `${protocol.name}/${protocol.version}`
    this.#peer = peer
    this.#write = write
  }

  readMsg(options?: { signal?: AbortSignal }): Promise<Msg> {
    return this.channel.take(options?.signal)
  }

  writeMsg(msg: OutMsg): Promise<void> {
    const code = msg.code
    if (!Number.isInteger(code) || code < 0 || code >= this.#length) {
      throw new RangeError(`${this.#label}: message code ${code} outside 0–${this.#length - 1}`)
    }
    if (!(msg.payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
    return this.#write(this.#peer, this.#offset + code, msg.payload, this.#name, code)
  }

  [Symbol.asyncIterator](): AsyncIterator<Msg> {
    return iterateMsgs(this)
  }
}
