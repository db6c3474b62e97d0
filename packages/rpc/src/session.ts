import type { Clock, Logger } from '@devp2p/common'
import { argumentsFor } from './arguments.js'
import { batchTimer, TIMED_OUT, TIMEOUT_ERROR } from './batch-timer.js'
import { JSONRPC_VERSION, MAX_METHOD_NAME_LENGTH, RESPONSE_TOO_LARGE_ERROR } from './constants.js'
import { ABORTED_BY_CLOSE, CallState, runInContext, type TransportKind } from './context.js'
import {
  internalError,
  invalidRequest,
  type JsonRpcErrorObject,
  methodNotFound,
  parseError,
  RpcError,
  toErrorObject,
} from './errors.js'
import {
  failure,
  isCall,
  isObject,
  isValidId,
  type JsonRpcId,
  type JsonRpcResponse,
  stringify,
  stringifyAnswer,
  success,
  toJsonValue,
} from './json.js'
import type { Callback, Registry } from './registry.js'
import { type ActiveSubscription, SessionSubscriptions } from './session-subscriptions.js'

/** What a transport gives the session for one connection. */
export interface SessionTransport {
  readonly kind: TransportKind
  /** `ip:port`, a socket path or `inproc`, for logs and {@link CallContext.remote}. */
  readonly remote: string
  /**
   * Writes one message to the client: JSON text on the wire transports, the value itself
   * in-process. Returns false when the connection's outgoing queue is full: the session
   * then closes (a slow consumer is disconnected, not buffered without end). Absent for
   * HTTP, which answers each request in its response and carries no notifications.
   */
  send?(message: string | object): boolean
  /** Closes the connection; called when the session gives up on a slow consumer. */
  close?(reason: string): void
}

/** The server's settings a session reads. */
export interface SessionConfig {
  readonly registry: Registry
  readonly clock: Clock
  readonly logger: Logger
  readonly requestTimeoutMs: number
  readonly maxBatchItems: number
  readonly maxBatchResponseBytes: number
  readonly maxSubscriptions: number
  readonly batchYieldEvery: number
  onClose(session: RpcSession): void
}

/** Per-message bookkeeping: subscriptions to start once the response is written. */
interface Exchange {
  toStart: ActiveSubscription[] | undefined
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

const TOO_LARGE_ERROR: JsonRpcErrorObject = {
  code: RESPONSE_TOO_LARGE_ERROR,
  message: 'response too large',
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * One client connection's view of the server: it parses what the client sent, runs the
 * calls (and batches, in order), answers, and drives the connection's subscriptions.
 * Transports make one per connection with `RpcServer.openSession` and call
 * {@link RpcSession.close} when the connection ends.
 */
export class RpcSession {
  // made on first use, as `running`: most connections never subscribe, and an idle
  // connection should cost little more than its socket
  private subs: SessionSubscriptions | undefined
  // bounded: the transport's in-flight limit per connection (MAX_INFLIGHT_PER_CONNECTION);
  // a call leaves at its answer or its time limit, whichever comes first
  private running: Set<CallState> | undefined
  private readonly wire: boolean
  private isClosed = false

  constructor(
    private readonly config: SessionConfig,
    private readonly transport: SessionTransport,
  ) {
    this.wire = transport.kind !== 'inproc'
  }

  private get subscriptions(): SessionSubscriptions {
    if (this.subs === undefined) {
      const { config, transport } = this
      this.subs = new SessionSubscriptions({
        registry: config.registry,
        logger: config.logger,
        maxSubscriptions: config.maxSubscriptions,
        kind: transport.kind,
        remote: transport.remote,
        canNotify: transport.send !== undefined,
        wire: this.wire,
        isClosed: () => this.isClosed,
        write: (message) => this.write(message),
        settle: (state, value) =>
          isPromiseLike(value) ? this.await(state, value) : Promise.resolve(value),
      })
    }
    return this.subs
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Calls that returned a promise and are still within their time limit. */
  get runningCalls(): number {
    return this.running?.size ?? 0
  }

  /** Open subscriptions on this connection. */
  get subscriptionCount(): number {
    return this.subs?.size ?? 0
  }

  /**
   * Handles one message (a call, a notification or a batch) from a two-way connection
   * and writes the answer with `transport.send`. Resolves when the answer is written:
   * the transport counts unresolved ones to bound the calls in flight.
   */
  async receive(text: string): Promise<void> {
    if (this.isClosed) return
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      this.write(stringify(failure(null, parseError().toJSON())))
      return
    }
    await this.receiveValue(message)
  }

  /** {@link receive} for an already parsed message (the in-process transport). */
  async receiveValue(message: unknown): Promise<void> {
    if (this.isClosed) return
    const exchange: Exchange = { toStart: undefined }
    const answer = Array.isArray(message)
      ? await this.batch(message, exchange)
      : await this.one(message, exchange)
    if (answer !== undefined && !this.isClosed)
      this.write(this.wire ? this.serialize(answer) : answer)
    if (exchange.toStart !== undefined)
      for (const sub of exchange.toStart) this.subscriptions.start(sub)
  }

  /** HTTP: one request body in, the response body out (`undefined`: nothing to answer). */
  async handleText(text: string): Promise<string | undefined> {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return stringify(failure(null, parseError().toJSON()))
    }
    const exchange: Exchange = { toStart: undefined }
    const answer = Array.isArray(message)
      ? await this.batch(message, exchange)
      : await this.one(message, exchange)
    return answer === undefined ? undefined : this.serialize(answer)
  }

  /**
   * Ends the connection's subscriptions, aborts its running calls and closes the
   * connection (`transport.close`). Idempotent.
   */
  close(reason = 'closed'): void {
    if (this.isClosed) return
    this.isClosed = true
    this.transport.close?.(reason)
    if (this.running !== undefined) for (const call of this.running) call.abort(ABORTED_BY_CLOSE)
    this.running = undefined
    this.subs?.cancelAll()
    this.config.onClose(this)
  }

  private write(message: string | object): void {
    const send = this.transport.send
    if (send === undefined) return
    if (!send.call(this.transport, message)) {
      this.config.logger.debug(
        { remote: this.transport.remote },
        'rpc: client does not read its answers, disconnecting',
      )
      this.close('slow consumer')
    }
  }

  private serialize(answer: JsonRpcResponse | JsonRpcResponse[] | string): string {
    if (typeof answer === 'string') return answer
    try {
      return Array.isArray(answer) ? stringify(answer) : stringifyAnswer(answer)
    } catch {
      // a result JSON cannot hold (a cycle): the call's answer becomes an internal error
      const id = Array.isArray(answer) ? null : answer.id
      return stringify(failure(id, internalError().toJSON()))
    }
  }

  /**
   * A batch, as geth runs one: its calls in order, under one time limit for the whole
   * batch; the calls after the response limit or the time limit are not run and are
   * answered -32003 or -32002. A limit of 0 is none (geth's `SetBatchLimits`).
   */
  private async batch(
    items: unknown[],
    exchange: Exchange,
  ): Promise<JsonRpcResponse | JsonRpcResponse[] | string | undefined> {
    const { maxBatchItems, maxBatchResponseBytes, batchYieldEvery } = this.config
    if (items.length === 0) return failure(null, invalidRequest('empty batch').toJSON())
    if (maxBatchItems > 0 && items.length > maxBatchItems) {
      // as geth: a one-element batch answer carrying the first call's id, so a client can
      // tell which of its batches was refused (the protocol has no error for a whole batch)
      const first = items.find(isCall)
      const id = first === undefined ? null : first.id
      const refused = failure(id, invalidRequest('batch too large').toJSON())
      return this.wire ? `[${stringify(refused)}]` : [refused]
    }
    const answers: (JsonRpcResponse | string)[] = []
    let bytes = 0
    let cutOff: { code: number; message: string } | undefined
    const timer = batchTimer(this.config.clock, this.config.requestTimeoutMs)
    try {
      for (let i = 0; i < items.length; i++) {
        // fairness: a batch of cheap calls still lets other connections in
        if (i > 0 && i % batchYieldEvery === 0) await yieldToEventLoop()
        if (this.isClosed) return undefined
        const item = items[i]
        cutOff ??= timer.expired
        if (cutOff !== undefined) {
          if (isObject(item) && Object.hasOwn(item, 'id') && isValidId(item.id))
            answers.push(failure(item.id, cutOff))
          continue
        }
        const answer = await timer.race(this.one(item, exchange))
        if (answer === TIMED_OUT) {
          // the call still runs until its own time limit aborts it; its answer is this
          cutOff = timer.expired
          if (isObject(item) && Object.hasOwn(item, 'id') && isValidId(item.id))
            answers.push(failure(item.id, TIMEOUT_ERROR))
          continue
        }
        if (answer === undefined) continue
        if (!this.wire) {
          answers.push(answer)
          continue
        }
        const text = this.serialize(answer)
        answers.push(text)
        bytes += Buffer.byteLength(text)
        if (maxBatchResponseBytes > 0 && bytes > maxBatchResponseBytes) cutOff = TOO_LARGE_ERROR
      }
    } finally {
      timer.cancel()
    }
    if (answers.length === 0) return undefined
    if (!this.wire) return answers as JsonRpcResponse[]
    return `[${answers.map((a) => (typeof a === 'string' ? a : stringify(a))).join(',')}]`
  }

  /** One call or notification; `undefined` when there is nothing to answer. */
  private async one(item: unknown, exchange: Exchange): Promise<JsonRpcResponse | undefined> {
    if (!isObject(item)) return failure(null, invalidRequest().toJSON())
    const hasId = Object.hasOwn(item, 'id')
    const id = item.id
    if (hasId && !isValidId(id)) return failure(null, invalidRequest().toJSON())
    const replyId: JsonRpcId = hasId ? (id as JsonRpcId) : null
    if (item.jsonrpc !== JSONRPC_VERSION || typeof item.method !== 'string' || item.method === '') {
      return failure(replyId, invalidRequest().toJSON())
    }
    if (item.method.length > MAX_METHOD_NAME_LENGTH) {
      if (!hasId) return undefined
      const message = `method name too long: ${item.method.length} > ${MAX_METHOD_NAME_LENGTH}`
      return failure(replyId, invalidRequest(message).toJSON())
    }
    let result: unknown
    try {
      result = this.dispatch(item.method, item.params, hasId, exchange)
      if (isPromiseLike(result)) result = await result
      if (!hasId) return undefined
    } catch (err) {
      if (!hasId) {
        this.config.logger.debug({ method: item.method, err }, 'rpc: notification failed')
        return undefined
      }
      return failure(replyId, toErrorObject(err))
    }
    if (result === undefined) return success(replyId, null)
    if (this.wire) return success(replyId, result)
    try {
      return success(replyId, toJsonValue(result))
    } catch {
      // a result JSON cannot hold (a cycle): -32603, as serialize() answers on the wire
      return failure(replyId, internalError().toJSON())
    }
  }

  private dispatch(method: string, params: unknown, hasId: boolean, exchange: Exchange): unknown {
    const cb = this.config.registry.methods.get(method)
    if (cb !== undefined) return this.invoke(cb, params)
    const sep = method.indexOf('_')
    if (sep > 0) {
      const namespace = method.slice(0, sep)
      const rest = method.slice(sep + 1)
      if (rest === 'subscribe') return this.subscribe(namespace, params, hasId, exchange)
      if (rest === 'unsubscribe') return this.subscriptions.unsubscribe(params)
    }
    throw methodNotFound(method)
  }

  private invoke(cb: Callback, params: unknown): unknown {
    const args = argumentsFor(cb, params)
    const state = new CallState(this.transport.kind, this.transport.remote)
    const out = runInContext(state, () => cb.fn.apply(cb.receiver, args))
    if (!isPromiseLike(out)) return out
    return this.await(state, out)
  }

  /** A call that returned a promise: runs under the time limit, aborted on close. */
  private await(state: CallState, pending: PromiseLike<unknown>): Promise<unknown> {
    this.running ??= new Set()
    const running = this.running
    running.add(state)
    const { requestTimeoutMs, clock } = this.config
    return new Promise<unknown>((resolve, reject) => {
      const deadline =
        requestTimeoutMs > 0
          ? clock.deadline(requestTimeoutMs, () => {
              const err = new RpcError(TIMEOUT_ERROR.code, TIMEOUT_ERROR.message)
              // answered now: a method that never settles must not stay in `running`
              running.delete(state)
              state.abort(err)
              reject(err)
            })
          : undefined
      pending.then(
        (value) => {
          deadline?.cancel()
          running.delete(state)
          resolve(value)
        },
        (err: unknown) => {
          deadline?.cancel()
          running.delete(state)
          reject(err)
        },
      )
    })
  }

  /** Opens a subscription, to be started once the answer carrying its id is written. */
  private async subscribe(
    namespace: string,
    params: unknown,
    hasId: boolean,
    exchange: Exchange,
  ): Promise<string> {
    const sub = await this.subscriptions.open(namespace, params, hasId)
    if (exchange.toStart === undefined) exchange.toStart = []
    exchange.toStart.push(sub)
    return sub.id
  }
}
