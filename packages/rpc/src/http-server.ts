import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import {
  DEFAULT_HTTP_PORT,
  DEFAULT_RPC_HOST,
  DEFAULT_VHOSTS,
  MAX_HTTP_BODY_BYTES,
  MAX_HTTP_CONNECTIONS,
  MAX_INFLIGHT_PER_CONNECTION,
} from './constants.js'
import { type Allowlist, allowlist, applyCors, hostAllowed } from './http-guards.js'
import {
  closeServer,
  HTTP_SERVER_OPTIONS,
  hostPort,
  listen,
  plainError,
  refuseUpgrade,
  remoteOf,
} from './http-listen.js'
import { checkAuthorization, checkJwtSecret } from './jwt.js'
import type { RpcServer } from './server.js'
import type { RpcSession } from './session.js'
import { pathOf, WsEndpoint, type WsOptions } from './ws-server.js'

/** Options of {@link HttpRpcServer}. */
export interface HttpRpcServerOptions {
  /** Interface to listen on (default `localhost`, as geth). */
  host?: string
  /** Port (default 8545; 0 picks a free one). */
  port?: number
  /**
   * `Host` names answered (`*`: any); another name is 403. A Host that is an IP address
   * always passes, as geth's. Default `['localhost']`.
   */
  vhosts?: readonly string[]
  /**
   * Origins whose browser pages may read answers (`*`: any; one `*` inside a pattern
   * matches any text, e.g. `https://*.example.org`). Default: none (no CORS headers).
   */
  cors?: readonly string[]
  /** 32-byte secret: requests need `Authorization: Bearer <HS256 JWT>` (geth's authenticated endpoint). */
  jwtSecret?: Uint8Array
  /** Also serve WebSocket upgrades on this port (geth can); `true` for the defaults. The JWT secret carries over unless set here. */
  ws?: boolean | WsOptions
  /** Largest request body (default 5 MiB); larger is 413. */
  maxBodyBytes?: number
  /** Most open connections, WebSocket ones included (default 10,000); more are dropped at once. */
  maxConnections?: number
  logger?: Logger
  clock?: Clock
}

/** The requests of one keep-alive connection being answered, and those waiting their turn. */
interface ConnectionState {
  /** The connection's session, opened with its first call and closed with the socket. */
  session: RpcSession | undefined
  running: number
  /** Whether we paused the socket (node pauses it too, for its own reasons). */
  paused: boolean
  // bounded: only requests node already parsed from data read before the socket was paused
  readonly waiting: Array<() => void>
}

/** Media types geth accepts as a JSON-RPC body (`rpc/http.go`). */
const ACCEPTED_CONTENT_TYPES = new Set([
  'application/json',
  'application/json-rpc',
  'application/jsonrequest',
])

function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semi = contentType.indexOf(';')
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

/**
 * A JSON-RPC server over HTTP (geth's `--http`): one POST per call or batch, keep-alive,
 * the virtual-host and CORS allowlists, the 5 MiB body limit, optional JWT. HTTP carries
 * no notifications, so subscriptions are refused (-32601 `notifications not supported`).
 * With `ws`, WebSocket upgrades on the same port are served too.
 *
 * @example
 * ```ts
 * const http = new HttpRpcServer(server, { host: '127.0.0.1', port: 0 })
 * await http.start()
 * const client = new RpcClient(httpTransport(http.url))
 * ```
 */
export class HttpRpcServer {
  private readonly host: string
  private readonly requestedPort: number
  private readonly vhosts: Allowlist
  private readonly cors: Allowlist | undefined
  private readonly jwtSecret: Uint8Array | undefined
  private readonly maxBodyBytes: number
  private readonly maxConnections: number
  private readonly logger: Logger
  private readonly clock: Clock
  private readonly ws: WsEndpoint | undefined
  // bounded: one entry per open connection; it leaves when the socket closes
  private readonly connections = new Map<Socket, ConnectionState>()
  private http: Server | undefined
  private boundPort: number | undefined
  private stopping: Promise<void> | undefined

  /** @throws {RangeError} on a bad limit or port, or a JWT secret that is not 32 bytes. */
  constructor(
    private readonly server: RpcServer,
    options: HttpRpcServerOptions = {},
  ) {
    this.host = options.host ?? DEFAULT_RPC_HOST
    const port = options.port ?? DEFAULT_HTTP_PORT
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`port must be 0…65535, got ${port}`)
    this.requestedPort = port
    const maxBody = options.maxBodyBytes ?? MAX_HTTP_BODY_BYTES
    if (!Number.isInteger(maxBody) || maxBody < 1)
      throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBody}`)
    this.maxBodyBytes = maxBody
    const maxConnections = options.maxConnections ?? MAX_HTTP_CONNECTIONS
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new RangeError(`maxConnections must be a positive integer, got ${maxConnections}`)
    this.maxConnections = maxConnections
    this.vhosts = allowlist(options.vhosts ?? DEFAULT_VHOSTS)
    this.cors =
      options.cors === undefined || options.cors.length === 0 ? undefined : allowlist(options.cors)
    this.jwtSecret = options.jwtSecret === undefined ? undefined : checkJwtSecret(options.jwtSecret)
    this.logger = options.logger ?? silentLogger
    this.clock = options.clock ?? systemClock
    if (options.ws !== undefined && options.ws !== false) {
      const wsOptions: WsOptions = options.ws === true ? {} : options.ws
      this.ws = new WsEndpoint(
        server,
        { ...wsOptions, jwtSecret: wsOptions.jwtSecret ?? this.jwtSecret },
        this.logger,
        this.clock,
      )
    }
  }

  /** The port listened on (after {@link start}). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('HttpRpcServer is not started')
    return this.boundPort
  }

  /** `http://host:port` (after {@link start}). */
  get url(): string {
    return `http://${hostPort(this.host, this.port)}`
  }

  /** `ws://host:port` when WebSocket is served on this port (after {@link start}). */
  get wsUrl(): string {
    if (this.ws === undefined) throw new Error('HttpRpcServer does not serve WebSocket (option ws)')
    return `ws://${hostPort(this.host, this.port)}`
  }

  /**
   * Starts listening.
   * @throws {Error} if already started or stopped, or the port cannot be bound.
   */
  async start(): Promise<void> {
    if (this.http !== undefined || this.stopping !== undefined)
      throw new Error('HttpRpcServer already started')
    const http = createServer(HTTP_SERVER_OPTIONS, (req, res) => this.onRequest(req, res))
    http.maxConnections = this.maxConnections
    http.on('upgrade', (req, socket, head) => {
      if (this.ws !== undefined) this.ws.handleUpgrade(req, socket, head)
      else refuseUpgrade(socket, 404, 'not found')
    })
    this.http = http
    this.boundPort = await listen(http, this.host, this.requestedPort)
  }

  /** Stops listening, aborts the calls running and closes every connection. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      const http = this.http
      for (const state of this.connections.values()) state.session?.close('server stopping')
      this.stopping = Promise.all([
        this.ws?.stop(),
        http === undefined ? undefined : closeServer(http),
      ]).then(() => {})
    }
    return this.stopping
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.admit(req.socket, res, () => this.route(req, res))
  }

  /** The order of geth's handler stack: path, JWT, virtual hosts, CORS, then the RPC checks. */
  private route(req: IncomingMessage, res: ServerResponse): void {
    if (pathOf(req.url) !== '/') {
      res.writeHead(404, { 'Content-Length': 0 })
      res.end()
      return
    }
    if (this.jwtSecret !== undefined) {
      const auth = checkAuthorization(req.headers.authorization, this.jwtSecret, this.clock.now())
      if (!auth.valid) {
        plainError(res, 401, auth.reason)
        return
      }
    }
    if (!hostAllowed(req.headers.host, this.vhosts)) {
      plainError(res, 403, 'invalid host specified')
      return
    }
    if (this.cors !== undefined && applyCors(req, res, this.cors) === 'answered') return
    this.serveRpc(req, res)
  }

  /**
   * Starts a request now, or later when one of its connection's is answered: node parses
   * every pipelined request of a chunk without waiting for earlier answers, so past
   * MAX_INFLIGHT_PER_CONNECTION the rest wait and the socket is paused, as the WebSocket
   * server does.
   */
  private admit(socket: Socket, res: ServerResponse, start: () => void): void {
    let state = this.connections.get(socket)
    if (state === undefined) {
      const fresh: ConnectionState = { session: undefined, running: 0, paused: false, waiting: [] }
      this.connections.set(socket, fresh)
      socket.once('close', () => {
        fresh.waiting.length = 0
        this.connections.delete(socket)
        // the client went away: abort what its calls started
        fresh.session?.close('client disconnected')
      })
      state = fresh
    }
    const conn = state
    const run = (): void => {
      conn.running++
      let done = false
      const finished = (): void => {
        if (done) return
        done = true
        conn.running--
        const next = conn.waiting.shift()
        if (next !== undefined) next()
        else if (conn.paused) {
          conn.paused = false
          if (!socket.destroyed) socket.resume()
        }
      }
      res.once('finish', finished)
      res.once('close', finished)
      start()
    }
    if (conn.running < MAX_INFLIGHT_PER_CONNECTION) run()
    else {
      conn.waiting.push(run)
      conn.paused = true
      socket.pause()
    }
  }

  /** geth's `rpc.Server.ServeHTTP`: method, size and media type checks, then one call or batch. */
  private serveRpc(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET'
    const length = req.headers['content-length']
    const declared = length === undefined ? undefined : Number(length)
    const chunked = req.headers['transfer-encoding'] !== undefined
    // a health check (AWS and others): an empty GET without a query is 200
    if (
      (method === 'GET' || method === 'HEAD') &&
      !chunked &&
      (declared === undefined || declared === 0) &&
      !(req.url ?? '').includes('?')
    ) {
      res.writeHead(200, { 'Content-Length': 0 })
      res.end()
      return
    }
    const refusal = this.refusal(method, declared, req.headers['content-type'])
    if (refusal !== undefined) {
      if (refusal[0] === 413) res.shouldKeepAlive = false
      plainError(res, refusal[0], refusal[1])
      return
    }
    this.readBody(req, res)
  }

  /** geth's `validateRequest`: why a request is refused (status and body), or `undefined`. */
  private refusal(
    method: string,
    declared: number | undefined,
    contentType: string | undefined,
  ): [number, string] | undefined {
    if (method === 'PUT' || method === 'DELETE') return [405, 'method not allowed']
    if (declared !== undefined && declared > this.maxBodyBytes)
      return [413, `content length too large (${declared}>${this.maxBodyBytes})`]
    if (method !== 'OPTIONS' && !ACCEPTED_CONTENT_TYPES.has(mediaType(contentType)))
      return [415, 'invalid content type, only application/json is supported']
    return undefined
  }

  /** Reads the body up to the limit; past it, answers 413 and stops reading. */
  private readBody(req: IncomingMessage, res: ServerResponse): void {
    // bounded: maxBodyBytes (checked on every chunk before it is kept)
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > this.maxBodyBytes) {
        refused = true
        chunks.length = 0
        req.pause()
        res.shouldKeepAlive = false
        plainError(res, 413, `request body too large (>${this.maxBodyBytes})`)
        res.once('finish', () => req.socket.destroy())
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => {})
    req.on('end', () => {
      if (refused) return
      void this.answer(req, res, Buffer.concat(chunks, size).toString('utf8'))
    })
  }

  /**
   * The session of `socket`'s connection: one per keep-alive connection rather than per
   * request (a session per request cost a tenth of a trivial call). `undefined` once the
   * RpcServer is stopped.
   */
  private sessionFor(socket: Socket): RpcSession | undefined {
    const state = this.connections.get(socket)
    if (state === undefined) return undefined
    if (state.session === undefined || state.session.closed) {
      try {
        state.session = this.server.openSession({ kind: 'http', remote: remoteOf(socket) })
      } catch {
        return undefined
      }
    }
    return state.session
  }

  private async answer(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    if (body.trim() === '') {
      // nothing to read (geth: io.EOF, no answer): an OPTIONS without CORS, an empty POST
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 })
      res.end()
      return
    }
    const session = this.sessionFor(req.socket)
    if (session === undefined) {
      // the RpcServer is stopped: geth answers nothing (200, empty)
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 })
      res.end()
      return
    }
    let text: string | undefined
    try {
      text = await session.handleText(body)
    } catch (err) {
      this.logger.error({ err }, 'rpc http: a request failed unexpectedly')
      text = undefined
    }
    if (res.destroyed || res.writableEnded) return
    // no answer (only notifications): 200 with an empty body, as geth
    const out = text ?? ''
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(out),
    })
    res.end(out)
  }
}
