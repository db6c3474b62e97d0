import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import {
  MAX_BATCH_ITEMS,
  MAX_BATCH_RESPONSE_BYTES,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  REQUEST_TIMEOUT_MS,
} from './constants.js'
import { type OpenRpcDocument, openRpcDocument } from './openrpc.js'
import { Registry, type ServiceSpec } from './registry.js'
import { RpcSession, type SessionConfig, type SessionTransport } from './session.js'

/** Options of {@link RpcServer}; every limit defaults to geth's (docs/LIMITS.md). */
export interface RpcServerOptions {
  /**
   * Time limit in ms of a call, or of a whole batch (as geth); a call still running then is
   * answered -32002 and its `callContext().signal` aborts. 0: none. Default 30 s.
   */
  requestTimeoutMs?: number
  /** Most calls in one batch (default 1,000; 0: no limit, as geth). */
  maxBatchItems?: number
  /** Most bytes of one batch's answers (default 25,000,000; 0: no limit); later calls are answered -32003. */
  maxBatchResponseBytes?: number
  /** Most open subscriptions per connection (default 1,000). */
  maxSubscriptionsPerConnection?: number
  /** `info` of the `rpc_discover` document. */
  info?: { title: string; version: string }
  logger?: Logger
  clock?: Clock
}

/** Calls of one batch between yields to the event loop, so a batch cannot stall other connections. */
const BATCH_YIELD_EVERY = 64

/**
 * A JSON-RPC 2.0 server as go-ethereum's `rpc.Server`: services registered under a
 * namespace, answered over whichever transports are attached to it (in-process, IPC,
 * HTTP, WebSocket). It owns no socket itself: transports open a session per connection.
 *
 * Built in: `rpc_modules` (every namespace, as geth) and `rpc_discover` (an OpenRPC
 * document of the registered methods).
 *
 * @example
 * ```ts
 * const server = new RpcServer()
 * server.registerName('foo', {
 *   getNumber: () => 42,
 *   async *ticks(n: number) { for (let i = 0; i < n; i++) yield i },
 * })
 * ```
 */
export class RpcServer {
  private readonly registry = new Registry()
  // bounded: by the transports' connection limits; each entry leaves when its connection closes
  private readonly sessions = new Set<RpcSession>()
  private readonly config: SessionConfig
  private readonly info: { title: string; version: string }
  private stopped = false

  constructor(options: RpcServerOptions = {}) {
    const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
      const v = value ?? fallback
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`${name} must be a non-negative integer, got ${v}`)
      return v
    }
    this.info = options.info ?? { title: 'devp2p-ts', version: '1.0' }
    this.config = {
      registry: this.registry,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      requestTimeoutMs: nonNegative(
        'requestTimeoutMs',
        options.requestTimeoutMs,
        REQUEST_TIMEOUT_MS,
      ),
      maxBatchItems: nonNegative('maxBatchItems', options.maxBatchItems, MAX_BATCH_ITEMS),
      maxBatchResponseBytes: nonNegative(
        'maxBatchResponseBytes',
        options.maxBatchResponseBytes,
        MAX_BATCH_RESPONSE_BYTES,
      ),
      maxSubscriptions: nonNegative(
        'maxSubscriptionsPerConnection',
        options.maxSubscriptionsPerConnection,
        MAX_SUBSCRIPTIONS_PER_CONNECTION,
      ),
      batchYieldEvery: BATCH_YIELD_EVERY,
      onClose: (session) => this.sessions.delete(session),
    }
    this.registry.register('rpc', {
      modules: () => this.modules(),
      discover: () => this.discover(),
    })
  }

  /**
   * Registers `service`'s public methods (own and inherited functions whose names do not
   * start with `_`) as `namespace_method`, the first letter lowered, as geth's
   * `RegisterName`. Methods may be async. An `async function*` method (or one whose spec
   * says `subscription: true`) is a subscription, opened with
   * `namespace_subscribe(name, ...args)`. Registering a namespace again adds methods to it.
   *
   * @throws {TypeError} on a bad namespace, a service without methods, a reserved or
   *   duplicate method name, or a spec for a method the service lacks.
   */
  registerName(namespace: string, service: object, spec?: ServiceSpec): void {
    this.registry.register(namespace, service, spec)
  }

  /** Every registered namespace with its version, as `rpc_modules` answers (`{ foo: '1.0', rpc: '1.0' }`). */
  modules(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const ns of [...this.registry.namespaces].sort()) out[ns] = '1.0'
    return out
  }

  /** The OpenRPC document `rpc_discover` answers. */
  discover(): OpenRpcDocument {
    return openRpcDocument(this.registry, this.info)
  }

  /**
   * A session for one new connection, for transports. The transport hands it each
   * message and closes it when the connection ends.
   * @throws {Error} after {@link stop}.
   */
  openSession(transport: SessionTransport): RpcSession {
    if (this.stopped) throw new Error('RpcServer is stopped')
    const session = new RpcSession(this.config, transport)
    this.sessions.add(session)
    return session
  }

  /** Connections open now. */
  get sessionCount(): number {
    return this.sessions.size
  }

  /**
   * Closes every session (ending subscriptions and aborting running calls) and refuses
   * new ones. Transports attached to the server are stopped by their owners. Idempotent.
   */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    for (const session of [...this.sessions]) session.close()
  }
}
