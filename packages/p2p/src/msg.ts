import { equalBytes } from '@devp2p/crypto'
import { decodeAs, encode, type RlpInput, type Schema } from '@devp2p/rlp'
import { P2pError } from './errors.js'
import { iterateMsgs, MsgChannel } from './msg-channel.js'

/** A message to send: a code relative to its protocol and the RLP payload. */
export interface OutMsg {
  readonly code: number
  readonly payload: Uint8Array
}

/**
 * One received message of a sub-protocol. `code` is relative to the protocol (0 is its
 * first message), `payload` is the RLP content after decompression.
 */
export class Msg implements OutMsg {
  readonly code: number
  readonly payload: Uint8Array
  /** When it was read, in clock milliseconds. */
  readonly receivedAt: number

  constructor(code: number, payload: Uint8Array, receivedAt: number) {
    this.code = code
    this.payload = payload
    this.receivedAt = receivedAt
  }

  /** Payload length in bytes (after decompression), as geth's `Msg.Size`. */
  get size(): number {
    return this.payload.length
  }

  /**
   * Decodes the payload with an `@devp2p/rlp` schema.
   *
   * @example
   * ```ts
   * const [requestId, hashes] = msg.decode(t.tuple(t.uint64, t.list(t.bytesN(32), { max: 1024 })))
   * ```
   * @throws RlpError when the payload does not match; a protocol that lets it escape
   *   from `run` drops the peer with "breach of protocol".
   */
  decode<T>(schema: Schema<T>): T {
    return decodeAs(schema, this.payload)
  }
}

/**
 * How a sub-protocol talks to one peer, as geth's `p2p.MsgReadWriter`. Reads are served
 * in order; iteration ends (without error) when the peer drops or the pipe closes.
 */
export interface MsgReadWriter extends AsyncIterable<Msg> {
  /**
   * The next message. An aborted `signal` withdraws the read, so no message is lost to
   * it (it rejects with the signal's reason).
   * @throws P2pError `PEER_CLOSED` once the peer has dropped (`cause` says why).
   */
  readMsg(options?: { signal?: AbortSignal }): Promise<Msg>
  /**
   * Sends a message; resolves once the transport took it (backpressure: await it).
   * @throws RangeError (synchronously) for a code outside the protocol's `length`.
   * @throws P2pError `PEER_CLOSED` (rejection) once the peer has dropped.
   */
  writeMsg(msg: OutMsg): Promise<void>
}

/**
 * Sends `value` RLP-encoded as message `code`, as geth's `p2p.Send`.
 *
 * @example
 * ```ts
 * await send(rw, 0, 'foo')
 * ```
 */
export function send(rw: MsgReadWriter, code: number, value: RlpInput): Promise<void> {
  return rw.writeMsg({ code, payload: encode(value) })
}

/** Sends the items as one RLP list, as geth's `p2p.SendItems`. */
export function sendItems(rw: MsgReadWriter, code: number, ...items: RlpInput[]): Promise<void> {
  return rw.writeMsg({ code, payload: encode(items) })
}

/** Options of {@link expectMsg}. */
export interface ExpectMsgOptions {
  /**
   * Gives up when it aborts (default: wait as long as the peer lives). For a time limit
   * pass `timeoutSignal(clock, ms)` from `@devp2p/common` (a fake clock drives it) or
   * `AbortSignal.timeout(ms)`: their `TimeoutError` becomes `P2pError` `TIMEOUT`.
   */
  signal?: AbortSignal
}

function isTimeout(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError'
}

/**
 * Reads one message and checks its code and, when `content` is given, that its payload
 * is exactly `encode(content)`, as geth's `p2p.ExpectMsg`. Returns the message.
 *
 * @example
 * ```ts
 * await send(theirs, 0, 'foo')
 * const reply = await expectMsg(theirs, 0, 'bar', { signal: AbortSignal.timeout(5_000) })
 * ```
 * @throws P2pError `UNEXPECTED_MESSAGE` (another code or content), `PEER_CLOSED`, or
 *   `TIMEOUT` when `signal` aborts with a `TimeoutError` (the read is withdrawn, no
 *   message is lost); any other abort rejects with the signal's reason.
 */
export async function expectMsg(
  rw: MsgReadWriter,
  code: number,
  content?: RlpInput,
  options: ExpectMsgOptions = {},
): Promise<Msg> {
  const { signal } = options
  let msg: Msg
  try {
    msg = await rw.readMsg(signal === undefined ? undefined : { signal })
  } catch (err) {
    if (signal?.aborted && err === signal.reason && isTimeout(err)) {
      throw new P2pError('TIMEOUT', `no message ${code} before the deadline`, { cause: err })
    }
    throw err
  }
  if (msg.code !== code) {
    throw new P2pError('UNEXPECTED_MESSAGE', `expected message code ${code}, got ${msg.code}`)
  }
  if (content !== undefined && !equalBytes(msg.payload, encode(content))) {
    throw new P2pError('UNEXPECTED_MESSAGE', `message ${code} has unexpected content`)
  }
  return msg
}

const RESOLVED = Promise.resolve()

/** One end of a {@link msgPipe}. */
export interface MsgPipeEnd extends MsgReadWriter {
  /** Closes both ends: waiting and later calls fail with `PEER_CLOSED`. */
  close(): void
}

/**
 * Two connected in-memory `MsgReadWriter`s, as geth's `p2p.MsgPipe`: what one end
 * writes the other reads, and a write resolves when the other end has read it. For
 * testing a protocol's `run` without sockets.
 *
 * @example
 * ```ts
 * const [ours, theirs] = msgPipe()
 * void protocol.run(fakePeer, ours)
 * await send(theirs, 0, 'foo')
 * await expectMsg(theirs, 0, 'bar')
 * ours.close()
 * ```
 */
export function msgPipe(options: { clock?: { now(): number } } = {}): [MsgPipeEnd, MsgPipeEnd] {
  const now = options.clock ? () => options.clock!.now() : Date.now
  const aToB = new MsgChannel<Msg>()
  const bToA = new MsgChannel<Msg>()
  const close = (): void => {
    const error = new P2pError('PEER_CLOSED', 'message pipe closed')
    aToB.close(error)
    bToA.close(error)
  }
  const end = (incoming: MsgChannel<Msg>, outgoing: MsgChannel<Msg>): MsgPipeEnd => {
    const rw: MsgPipeEnd = {
      readMsg: (options) => incoming.take(options?.signal),
      writeMsg: (msg) => {
        if (!Number.isSafeInteger(msg.code) || msg.code < 0)
          throw new RangeError(`message code must be a non-negative integer, got ${msg.code}`)
        if (!(msg.payload instanceof Uint8Array))
          throw new TypeError('payload must be a Uint8Array')
        // the reader owns what it gets, as with a real peer (a copy, also of a Buffer)
        return outgoing.push(new Msg(msg.code, new Uint8Array(msg.payload), now())) ?? RESOLVED
      },
      close,
      [Symbol.asyncIterator]: () => iterateMsgs(rw),
    }
    return rw
  }
  return [end(bToA, aToB), end(aToB, bToA)]
}
