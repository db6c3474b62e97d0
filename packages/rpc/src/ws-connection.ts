import type { Clock, Deadline, Logger } from '@devp2p/common'
import { type RawData, WebSocket } from 'ws'
import type { TransportKind } from './context.js'
import type { RpcServer } from './server.js'
import type { RpcSession, SessionTransport } from './session.js'
import type { KeepaliveEntry, WsKeepalive } from './ws-keepalive.js'

/** The per-endpoint settings a {@link WsConnection} reads (one object for all of them). */
export interface WsConnectionConfig {
  readonly maxInflight: number
  readonly maxOutgoingQueueBytes: number
  readonly pongTimeoutMs: number
  readonly clock: Clock
  readonly logger: Logger
  /** The endpoint's open connections, and their pings. */
  readonly keepalive: WsKeepalive
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/**
 * The WebSocket class of an endpoint's `WebSocketServer`: it hands its events straight to
 * its connection instead of to listeners. Each event name with a listener grows the
 * socket's table of listeners (four of them double it, ~100 bytes a connection), and a
 * listener per connection would be a closure. Events come only after `connection` is set
 * (ws reads the socket from the next tick on), but one before is dropped, not thrown.
 */
export class ServedWebSocket extends WebSocket {
  connection: WsConnection | undefined = undefined

  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const conn = this.connection
    if (conn === undefined) return event === 'error' ? false : super.emit(event, a, b)
    switch (event) {
      case 'message':
        conn.received(textOf(a as RawData))
        return true
      case 'pong':
        conn.ponged()
        return true
      case 'error':
        conn.failed(a as Error)
        return true
      case 'close':
        conn.closed()
        return true
      default: // 'open', 'ping': no one listens
        return super.emit(event, a, b)
    }
  }
}

/**
 * One WebSocket connection served by an {@link RpcServer}: a session for the connection,
 * at most `maxInflight` calls running (reading pauses beyond that), a bounded outgoing
 * queue (a client that does not read is disconnected), and geth's keepalive: a ping when
 * nothing was written for `pingIntervalMs` ({@link WsKeepalive}), and the connection
 * dropped if the pong does not come within `pongTimeoutMs`.
 *
 * An idle connection is kept small: it is the session's transport itself, its socket
 * ({@link ServedWebSocket}) calls it without listeners or closures per connection, the
 * queue of waiting messages and the pong deadline exist only while used, and it has no
 * timer of its own.
 */
export class WsConnection implements SessionTransport, KeepaliveEntry {
  private readonly session: RpcSession
  private inflight = 0
  // bounded: reading is paused once maxInflight calls run, so only messages already parsed
  // from the last socket chunk land here (a chunk is at most the socket's read size)
  private waiting: string[] | undefined
  private pongDeadline: Deadline | undefined
  private ended = false
  activeAt = 0
  prev: KeepaliveEntry | undefined
  next: KeepaliveEntry | undefined

  /** @throws {Error} if the RpcServer is stopped (the socket is then left untouched). */
  constructor(
    private readonly ws: ServedWebSocket,
    server: RpcServer,
    readonly remote: string,
    private readonly config: WsConnectionConfig,
  ) {
    this.session = server.openSession(this)
    ws.connection = this
    config.keepalive.add(this)
  }

  get kind(): TransportKind {
    return 'ws'
  }

  /** Closes the connection at once (no close handshake: the peer may not be reading). */
  close(reason: string): void {
    if (this.ended) return
    this.config.logger.debug({ reason }, 'rpc ws: closing connection')
    this.ws.terminate()
  }

  /** Writes one message; false when the outgoing queue is full (the session then closes). */
  send(message: string | object): boolean {
    const ws = this.ws
    if (ws.readyState !== ws.OPEN) return true
    // a full queue refuses the message; one message over an empty queue may be larger
    if (ws.bufferedAmount > this.config.maxOutgoingQueueBytes) return false
    ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    // as geth: writes postpone the ping, so a busy connection is not pinged
    this.config.keepalive.touch(this)
    return true
  }

  /** Pings the peer, which must answer within `pongTimeoutMs`. */
  ping(): void {
    if (this.ended) return
    this.ws.ping()
    const { pongTimeoutMs, clock } = this.config
    if (this.pongDeadline === undefined && pongTimeoutMs > 0) {
      this.pongDeadline = clock.deadline(pongTimeoutMs, () => {
        this.pongDeadline = undefined
        this.close('no pong within the timeout')
      })
    }
  }

  /** A message from the peer (from the socket). */
  received(text: string): void {
    if (this.ended) return
    if (this.inflight >= this.config.maxInflight) {
      this.waiting ??= []
      this.waiting.push(text)
      this.ws.pause()
      return
    }
    this.run(text)
  }

  private run(text: string): void {
    this.inflight++
    this.session.receive(text).then(
      () => this.settled(),
      (err: unknown) => {
        this.config.logger.error({ err }, 'rpc ws: a message failed unexpectedly')
        this.settled()
      },
    )
  }

  private settled(): void {
    this.inflight--
    if (this.ended) return
    const waiting = this.waiting
    if (waiting !== undefined) {
      while (this.inflight < this.config.maxInflight && waiting.length > 0)
        this.run(waiting.shift() as string)
      if (waiting.length > 0) return
      this.waiting = undefined
    }
    if (this.ws.isPaused) this.ws.resume()
  }

  /** The peer's pong (from the socket). */
  ponged(): void {
    this.pongDeadline?.cancel()
    this.pongDeadline = undefined
  }

  /** The socket failed (from the socket; it closes next). */
  failed(err: Error): void {
    this.config.logger.debug({ remote: this.remote, err }, 'rpc ws: connection error')
  }

  /** The socket closed (from the socket). */
  closed(): void {
    if (this.ended) return
    this.ended = true
    this.config.keepalive.remove(this)
    this.pongDeadline?.cancel()
    this.pongDeadline = undefined
    this.waiting = undefined
    this.session.close('connection closed')
  }
}
