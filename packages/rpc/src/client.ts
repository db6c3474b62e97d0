import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { ClientSubscription, type SubscriptionOwner } from './client-subscription.js'
import {
  CLIENT_REQUEST_TIMEOUT_MS,
  JSONRPC_VERSION,
  MAX_CLIENT_SUBSCRIPTION_BUFFER,
  SUBSCRIBE_TIMEOUT_MS,
} from './constants.js'
import type { TransportKind } from './context.js'
import { RpcClientError, RpcError } from './errors.js'
import { isObject, type JsonRpcRequest } from './json.js'
import { PendingCalls, toRpcError } from './pending-calls.js'
import { type RemoteApi, remoteApi } from './typed.js'

/**
 * What the client needs from a transport. Request/response transports (HTTP) resolve
 * `send` with the answer; two-way ones (WebSocket, IPC, in-process) resolve it once the
 * message is written and deliver answers and notifications to `onMessage`.
 */
export interface ClientTransport {
  readonly kind: TransportKind
  /** Whether the server can push notifications over it (false for HTTP). */
  readonly supportsSubscriptions: boolean
  /** Writes one message or batch; the transport serialises it. */
  send(message: object, signal?: AbortSignal): Promise<unknown>
  /** Set by the client: an answer or notification arrived (two-way transports). */
  onMessage: ((message: unknown) => void) | undefined
  /** Set by the client: the connection ended; `err` says why, `undefined` after `close()`. */
  onClose: ((err: Error | undefined) => void) | undefined
  /** Closes the connection. Idempotent. */
  close(): Promise<void>
}

/** Options of {@link RpcClient}. */
export interface RpcClientOptions {
  /** Limit of each call in ms unless the call passes a signal (default 30 s; 0: none). */
  requestTimeoutMs?: number
  /** Notifications a subscription buffers for a slow consumer before it fails (default 20,000, as geth). */
  maxSubscriptionBuffer?: number
  logger?: Logger
  clock?: Clock
}

/** One call of a {@link RpcClient.batch}. */
export interface BatchRequest {
  method: string
  params?: readonly unknown[]
}

/** One answer of a {@link RpcClient.batch}, in the order of the calls. */
export type BatchResult<T = unknown> =
  | { result: T; error?: undefined }
  | { result?: undefined; error: RpcError }

/** The object form of {@link RpcClient.subscribe}, which takes a signal. */
export interface SubscribeOptions {
  namespace: string
  name: string
  params?: readonly unknown[]
  /** Ends the subscription (quietly) when it aborts. */
  signal?: AbortSignal
}

/**
 * A JSON-RPC client over any {@link ClientTransport} (see `connect`, `httpTransport`,
 * `webSocketTransport`, `ipcTransport`, `inProcessTransport`). It does not reconnect: when
 * the connection ends, pending calls fail with `CLOSED` and subscriptions end; make a new
 * client if you want to go on (reconnecting is the caller's choice, as with geth's).
 */
export class RpcClient implements SubscriptionOwner {
  private readonly pending: PendingCalls
  // bounded: by the caller's own subscribe calls
  private readonly subscriptions = new Map<string, ClientSubscription<unknown>>()
  private nextId = 1
  private isClosed = false
  private readonly clock: Clock
  private readonly logger: Logger
  private readonly timeoutMs: number
  private readonly maxSubscriptionBuffer: number

  constructor(
    private readonly transport: ClientTransport,
    options: RpcClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock
    this.logger = options.logger ?? silentLogger
    this.timeoutMs = options.requestTimeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS
    this.maxSubscriptionBuffer = options.maxSubscriptionBuffer ?? MAX_CLIENT_SUBSCRIPTION_BUFFER
    this.pending = new PendingCalls(this.clock, this.logger)
    transport.onMessage = (message) => this.dispatch(message)
    transport.onClose = (err) =>
      this.closed(err ?? new RpcClientError('CLOSED', 'connection closed'))
  }

  /** The transport kind (`http`, `ws`, `ipc`, `inproc`). */
  get kind(): TransportKind {
    return this.transport.kind
  }

  /**
   * Calls `method` with positional `params` and resolves with its result.
   * @throws {RpcError} the server's error answer; {@link RpcClientError} on connection
   *   loss (`CLOSED`), time limit (`TIMEOUT`) or a malformed answer.
   */
  call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
    return this.request<T>({ method, params })
  }

  /** {@link call} in EIP-1193's shape, with a signal: `request({ method, params, signal })`. */
  request<T = unknown>(args: {
    method: string
    params?: readonly unknown[]
    signal?: AbortSignal
  }): Promise<T> {
    const id = this.nextId++
    const message: JsonRpcRequest = {
      jsonrpc: JSONRPC_VERSION,
      id,
      method: args.method,
      params: args.params ?? [],
    }
    return this.exchange(id, message, args.signal, this.timeoutMs) as Promise<T>
  }

  /** Sends a notification (a call without id: no answer). Resolves once it is written. */
  async notify(method: string, ...params: unknown[]): Promise<void> {
    this.assertOpen()
    await this.transport.send({ jsonrpc: JSONRPC_VERSION, method, params })
  }

  /**
   * Sends `calls` as one batch; resolves with one {@link BatchResult} per call, in order
   * (an error in one does not fail the others).
   * @throws {RpcClientError} if the batch as a whole fails (connection, time limit, or the
   *   server refused it, e.g. too many items: then the {@link RpcError} is the `cause`).
   */
  async batch<T = unknown>(
    calls: readonly BatchRequest[],
    options: { signal?: AbortSignal } = {},
  ): Promise<BatchResult<T>[]> {
    if (calls.length === 0) return []
    const ids = calls.map(() => this.nextId++)
    const message = calls.map((c, i) => ({
      jsonrpc: JSONRPC_VERSION,
      id: ids[i],
      method: c.method,
      params: c.params ?? [],
    }))
    const settled = ids.map((id) =>
      this.register(id, options.signal, this.timeoutMs).then(
        (result) => ({ result }) as BatchResult<T>,
        (err: unknown) => {
          if (err instanceof RpcError) return { error: err } as BatchResult<T>
          throw err
        },
      ),
    )
    this.pending.groupBatch(ids)
    if (this.pending.has(ids[0] as number)) this.write(message, options.signal, ids)
    return Promise.all(settled)
  }

  /**
   * Opens a subscription (`namespace_subscribe(name, ...params)`) and resolves once the
   * server has answered with its id. Iterate the result with `for await`.
   * @throws {RpcError} the server's refusal; {@link RpcClientError} `NOT_SUPPORTED` over HTTP.
   */
  subscribe<T = unknown>(
    namespace: string,
    name: string,
    ...params: unknown[]
  ): Promise<ClientSubscription<T>>
  subscribe<T = unknown>(options: SubscribeOptions): Promise<ClientSubscription<T>>
  async subscribe<T = unknown>(
    first: string | SubscribeOptions,
    name?: string,
    ...rest: unknown[]
  ): Promise<ClientSubscription<T>> {
    const opts: SubscribeOptions =
      typeof first === 'string' ? { namespace: first, name: name as string, params: rest } : first
    if (!this.transport.supportsSubscriptions) {
      throw new RpcClientError(
        'NOT_SUPPORTED',
        `subscriptions need a two-way transport, not ${this.transport.kind}`,
      )
    }
    const id = this.nextId++
    const method = `${opts.namespace}_subscribe`
    const message = {
      jsonrpc: JSONRPC_VERSION,
      id,
      method,
      params: [opts.name, ...(opts.params ?? [])],
    }
    const onResult = (subId: unknown): unknown => {
      if (typeof subId !== 'string')
        throw new RpcClientError('BAD_RESPONSE', `${method} answered a non-string id`)
      const sub = new ClientSubscription<unknown>(
        subId,
        opts.namespace,
        this,
        this.maxSubscriptionBuffer,
      )
      this.subscriptions.set(subId, sub)
      return sub
    }
    const signal = opts.signal
    if (signal?.aborted) throw new RpcClientError('ABORTED', 'aborted', { cause: signal.reason })
    // the signal does not cut the exchange short: an answer that comes after it aborted
    // still opens a subscription on the server, which is then closed at once
    const answer = this.exchange(id, message, undefined, SUBSCRIBE_TIMEOUT_MS, onResult) as Promise<
      ClientSubscription<T>
    >
    if (signal === undefined) return answer
    return new Promise<ClientSubscription<T>>((resolve, reject) => {
      const onAbort = (): void => {
        reject(new RpcClientError('ABORTED', 'aborted', { cause: signal.reason }))
        answer.then(
          (sub) => sub.unsubscribe(),
          () => {},
        )
      }
      signal.addEventListener('abort', onAbort, { once: true })
      answer.then(
        (sub) => {
          signal.removeEventListener('abort', onAbort)
          signal.addEventListener('abort', () => void sub.unsubscribe(), { once: true })
          resolve(sub)
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        },
      )
    })
  }

  /**
   * @internal `ClientSubscription.unsubscribe` lands here. Never throws: the subscription
   * is over here whatever the server answers (it may have ended it already, as geth's
   * `Unsubscribe` has no error either).
   */
  async unsubscribe(sub: ClientSubscription<unknown>): Promise<void> {
    if (this.subscriptions.get(sub.id) !== sub) return
    this.subscriptions.delete(sub.id)
    sub.end(undefined)
    if (this.isClosed) return
    const id = this.nextId++
    const message = {
      jsonrpc: JSONRPC_VERSION,
      id,
      method: `${sub.namespace}_unsubscribe`,
      params: [sub.id],
    }
    await this.exchange(id, message, undefined, SUBSCRIBE_TIMEOUT_MS).catch((err: unknown) => {
      this.logger.debug({ err, subscription: sub.id }, 'rpc client: unsubscribe failed')
    })
  }

  /**
   * A typed view of one namespace: `client.api<FooApi>('foo').getNumber()` calls
   * `foo_getNumber` and is type-checked against `FooApi` (the service's type), and
   * `.subscribe('ticks', 3)` opens `foo_subscribe("ticks", 3)`.
   */
  api<T>(namespace: string): RemoteApi<T> {
    return remoteApi<T>(this, namespace)
  }

  /** Closes the connection: pending calls fail with `CLOSED`, subscriptions end. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return
    this.closed(undefined)
    await this.transport.close()
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RpcClientError('CLOSED', 'client closed')
  }

  private exchange(
    id: number,
    message: object,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    onResult?: (value: unknown) => unknown,
  ): Promise<unknown> {
    const answer = this.register(id, signal, timeoutMs, onResult)
    // closed or already aborted: the call failed at once, and nothing goes out
    if (this.pending.has(id)) this.write(message, signal, [id])
    return answer
  }

  private register(
    id: number,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    onResult?: (value: unknown) => unknown,
  ): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new RpcClientError('CLOSED', 'client closed'))
    return this.pending.register(id, signal, timeoutMs, onResult)
  }

  private write(message: object, signal: AbortSignal | undefined, ids: readonly number[]): void {
    this.transport.send(message, signal).then(
      (answer) => {
        if (answer === undefined) return
        // a request/response transport: the answer is the whole of what comes back
        if (Array.isArray(message) && !Array.isArray(answer)) {
          const cause = isObject(answer) ? toRpcError(answer.error) : undefined
          const err = new RpcClientError('BAD_RESPONSE', 'the server refused the batch', { cause })
          this.pending.fail(ids, err)
          return
        }
        this.dispatch(answer)
        this.pending.fail(ids, new RpcClientError('BAD_RESPONSE', 'the answer lacks this call'))
      },
      (err: unknown) => {
        this.pending.fail(
          ids,
          err instanceof Error ? err : new RpcClientError('CLOSED', String(err)),
        )
      },
    )
  }

  private dispatch(message: unknown): void {
    if (Array.isArray(message)) {
      this.dispatchBatch(message)
      return
    }
    if (!isObject(message)) {
      this.logger.debug({ message }, 'rpc client: ignoring a message that is not an object')
      return
    }
    if (typeof message.method === 'string') {
      const params = message.params
      if (
        message.method.endsWith('_subscription') &&
        isObject(params) &&
        typeof params.subscription === 'string'
      ) {
        this.subscriptions.get(params.subscription)?.deliver(params.result)
      }
      return
    }
    this.pending.answer(message)
  }

  /**
   * A batch answer. A call of ours it leaves out fails with `BAD_RESPONSE`: geth answers a
   * batch over its item limit with one error carrying the first call's id, so the rest of
   * that batch would otherwise wait for answers that never come.
   */
  private dispatchBatch(answers: unknown[]): void {
    const touched = new Set<readonly number[]>()
    let cause: RpcError | undefined
    for (const m of answers) {
      if (isObject(m)) {
        const batch = typeof m.id === 'number' ? this.pending.batchOf(m.id) : undefined
        if (batch !== undefined) touched.add(batch)
        cause ??= toRpcError(m.error)
      }
      this.dispatch(m)
    }
    for (const ids of touched) {
      const missing = ids.filter((id) => this.pending.has(id))
      if (missing.length === 0) continue
      const err = new RpcClientError(
        'BAD_RESPONSE',
        `the server answered ${ids.length - missing.length} of the batch's ${ids.length} calls`,
        { cause },
      )
      this.pending.fail(missing, err)
    }
  }

  /** `err`: the connection was lost; `undefined`: `close()` was called (subscriptions end quietly). */
  private closed(err: Error | undefined): void {
    if (this.isClosed) return
    this.isClosed = true
    const closeErr =
      err === undefined
        ? new RpcClientError('CLOSED', 'client closed')
        : err instanceof RpcClientError
          ? err
          : new RpcClientError('CLOSED', err.message, { cause: err })
    this.pending.failAll(closeErr)
    for (const sub of this.subscriptions.values()) sub.end(err === undefined ? undefined : closeErr)
    this.subscriptions.clear()
  }
}
