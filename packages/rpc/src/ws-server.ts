import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { WebSocketServer, type Server as WebSocketServerOf } from 'ws'
import {
  DEFAULT_RPC_HOST,
  DEFAULT_WS_PORT,
  MAX_HTTP_CONNECTIONS,
  MAX_INFLIGHT_PER_CONNECTION,
  MAX_MESSAGE_BYTES,
  MAX_OUTGOING_QUEUE_BYTES,
  WS_PING_INTERVAL_MS,
  WS_PONG_TIMEOUT_MS,
} from './constants.js'
import {
  type Allowlist,
  allowlist,
  defaultWsOrigins,
  hostAllowed,
  wsOriginAllowed,
} from './http-guards.js'
import {
  closeServer,
  HTTP_SERVER_OPTIONS,
  hostPort,
  listen,
  refuseUpgrade,
  remoteOf,
} from './http-listen.js'
import { checkAuthorization, checkJwtSecret } from './jwt.js'
import type { RpcServer } from './server.js'
import { ServedWebSocket, WsConnection, type WsConnectionConfig } from './ws-connection.js'
import { WsKeepalive } from './ws-keepalive.js'

/** What a WebSocket endpoint checks and limits (also `HttpRpcServer`'s `ws` option). */
export interface WsOptions {
  /**
   * Origins a browser may connect from (`*`: any; a rule may leave out scheme or port, as
   * geth's `--ws.origins`). A request without `Origin` (not a browser) is always served.
   * Default, as geth: `http://localhost` and `http://<this host's name>`.
   */
  origins?: readonly string[]
  /** `Host` names served (`*`: any). Default: not checked, as geth's WebSocket endpoint. */
  vhosts?: readonly string[]
  /** 32-byte secret: upgrades need `Authorization: Bearer <HS256 JWT>` (geth's authenticated endpoint). */
  jwtSecret?: Uint8Array
  /** Largest message either way; a larger one closes the connection (default 32 MiB). */
  maxMessageBytes?: number
  /** Bytes waiting to be written before a connection is dropped as a slow consumer (default 16 MiB). */
  maxOutgoingQueueBytes?: number
  /** Ping a connection not written to for this long (default 30 s; 0: never). */
  pingIntervalMs?: number
  /** Drop a connection whose pong is this late (default 30 s). */
  pongTimeoutMs?: number
}

/** Options of {@link WsRpcServer}. */
export interface WsRpcServerOptions extends WsOptions {
  /** Interface to listen on (default `localhost`, as geth). */
  host?: string
  /** Port (default 8546; 0 picks a free one). */
  port?: number
  /** Most open connections (default 10,000); more are dropped at once. */
  maxConnections?: number
  logger?: Logger
  clock?: Clock
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${v}`)
  return v
}

/**
 * Serves WebSocket upgrades for an {@link RpcServer}, on whichever http.Server hands them
 * over (its own in {@link WsRpcServer}, or `HttpRpcServer`'s with `ws`).
 * @internal
 */
export class WsEndpoint {
  private readonly wss: WebSocketServerOf<typeof ServedWebSocket>
  private readonly origins: Allowlist
  private readonly vhosts: Allowlist | undefined
  private readonly jwtSecret: Uint8Array | undefined
  private readonly config: WsConnectionConfig
  private stopped = false

  constructor(
    private readonly server: RpcServer,
    options: WsOptions,
    logger: Logger,
    clock: Clock,
  ) {
    this.origins = allowlist(options.origins ?? defaultWsOrigins())
    this.vhosts = options.vhosts === undefined ? undefined : allowlist(options.vhosts)
    this.jwtSecret = options.jwtSecret === undefined ? undefined : checkJwtSecret(options.jwtSecret)
    this.wss = new WebSocketServer({
      WebSocket: ServedWebSocket,
      noServer: true,
      maxPayload: nonNegative('maxMessageBytes', options.maxMessageBytes, MAX_MESSAGE_BYTES),
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.config = {
      maxInflight: MAX_INFLIGHT_PER_CONNECTION,
      maxOutgoingQueueBytes: nonNegative(
        'maxOutgoingQueueBytes',
        options.maxOutgoingQueueBytes,
        MAX_OUTGOING_QUEUE_BYTES,
      ),
      pongTimeoutMs: nonNegative('pongTimeoutMs', options.pongTimeoutMs, WS_PONG_TIMEOUT_MS),
      clock,
      logger,
      keepalive: new WsKeepalive(
        clock,
        nonNegative('pingIntervalMs', options.pingIntervalMs, WS_PING_INTERVAL_MS),
      ),
    }
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.config.keepalive.size
  }

  /** An http.Server's `upgrade` event: checks the request as geth does, then serves it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.refusal(req)
    if (refusal !== undefined) {
      refuseUpgrade(socket, refusal[0], refusal[1])
      return
    }
    const remote = remoteOf(req.socket)
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.stopped) {
        ws.terminate()
        return
      }
      try {
        // it joins config.keepalive, which holds it until its socket closes
        new WsConnection(ws, this.server, remote, this.config)
      } catch (err) {
        // the RpcServer was stopped before this transport
        this.config.logger.debug({ err }, 'rpc ws: cannot open a session')
        ws.terminate()
      }
    })
  }

  /** Why an upgrade is refused (status and body), or `undefined` to serve it. */
  private refusal(req: IncomingMessage): [number, string] | undefined {
    if (this.stopped) return [503, 'server stopped']
    if (!isWebSocketUpgrade(req)) return [400, 'not a WebSocket upgrade']
    if (pathOf(req.url) !== '/') return [404, 'not found']
    if (this.jwtSecret !== undefined) {
      const auth = checkAuthorization(
        req.headers.authorization,
        this.jwtSecret,
        this.config.clock.now(),
      )
      if (!auth.valid) return [401, auth.reason]
    }
    if (this.vhosts !== undefined && !hostAllowed(req.headers.host, this.vhosts))
      return [403, 'invalid host specified']
    if (!wsOriginAllowed(req.headers.origin, this.origins)) {
      this.config.logger.warn(
        { origin: req.headers.origin },
        'rpc ws: refused a connection from this origin',
      )
      return [403, 'websocket: request origin not allowed by Upgrader.CheckOrigin']
    }
    return undefined
  }

  /** Drops every connection and waits until their sockets are closed. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.config.keepalive.closeAll('server stopping')
    this.wss.close()
  }
}

function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    (req.headers.connection ?? '').toLowerCase().includes('upgrade')
  )
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  const target = url ?? '/'
  const q = target.indexOf('?')
  return q < 0 ? target : target.slice(0, q)
}

/**
 * A JSON-RPC server over WebSocket (geth's `--ws`): one session per connection, with
 * subscriptions, an origin allowlist, the 32 MiB message limit, ping/pong keepalive and
 * a bounded outgoing queue. Plain HTTP requests are answered 404, as geth's WebSocket-only
 * endpoint does. To serve WebSocket on the HTTP port instead, use `HttpRpcServer` with `ws`.
 *
 * @example
 * ```ts
 * const ws = new WsRpcServer(server, { host: '127.0.0.1', port: 0 })
 * await ws.start()
 * const client = new RpcClient(await webSocketTransport(ws.url))
 * ```
 */
export class WsRpcServer {
  private readonly host: string
  private readonly requestedPort: number
  private readonly maxConnections: number
  private readonly endpoint: WsEndpoint
  private http: Server | undefined
  private boundPort: number | undefined
  private stopping: Promise<void> | undefined

  /** @throws {RangeError} on a bad limit or a JWT secret that is not 32 bytes. */
  constructor(server: RpcServer, options: WsRpcServerOptions = {}) {
    this.host = options.host ?? DEFAULT_RPC_HOST
    this.requestedPort = nonNegative('port', options.port, DEFAULT_WS_PORT)
    this.maxConnections = nonNegative(
      'maxConnections',
      options.maxConnections,
      MAX_HTTP_CONNECTIONS,
    )
    if (this.maxConnections === 0) throw new RangeError('maxConnections must be at least 1')
    this.endpoint = new WsEndpoint(
      server,
      options,
      options.logger ?? silentLogger,
      options.clock ?? systemClock,
    )
  }

  /** The port listened on (after {@link start}). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('WsRpcServer is not started')
    return this.boundPort
  }

  /** `ws://host:port` (after {@link start}). */
  get url(): string {
    return `ws://${hostPort(this.host, this.port)}`
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.endpoint.connectionCount
  }

  /**
   * Starts listening.
   * @throws {Error} if already started or stopped, or the port cannot be bound.
   */
  async start(): Promise<void> {
    if (this.http !== undefined || this.stopping !== undefined)
      throw new Error('WsRpcServer already started')
    const http = createServer(HTTP_SERVER_OPTIONS, (_req, res) => {
      res.writeHead(404, { 'Content-Length': 0 })
      res.end()
    })
    http.maxConnections = this.maxConnections
    http.on('upgrade', (req, socket, head) => this.endpoint.handleUpgrade(req, socket, head))
    this.http = http
    this.boundPort = await listen(http, this.host, this.requestedPort)
  }

  /** Stops listening and closes every connection. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      const http = this.http
      this.stopping = Promise.all([
        this.endpoint.stop(),
        http === undefined ? undefined : closeServer(http),
      ]).then(() => {})
    }
    return this.stopping
  }
}
