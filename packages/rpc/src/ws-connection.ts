import type { Clock, Deadline, Logger, TimerHandle } from '@devp2p/common'
import type { RawData, WebSocket } from 'ws'
import type { RpcServer } from './server.js'
import type { RpcSession } from './session.js'

/** The per-connection settings a {@link WsConnection} reads. */
export interface WsConnectionConfig {
  readonly maxInflight: number
  readonly maxOutgoingQueueBytes: number
  readonly pingIntervalMs: number
  readonly pongTimeoutMs: number
  readonly clock: Clock
  readonly logger: Logger
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/**
 * One WebSocket connection served by an {@link RpcServer}: a session for the connection,
 * at most `maxInflight` calls running (reading pauses beyond that), a bounded outgoing
 * queue (a client that does not read is disconnected), and geth's keepalive: a ping when
 * nothing was written for `pingIntervalMs`, and the connection dropped if the pong does
 * not come within `pongTimeoutMs`.
 */
export class WsConnection {
  private readonly session: RpcSession
  private inflight = 0
  // bounded: reading is paused once maxInflight calls run, so only messages already parsed
  // from the last socket chunk land here (a chunk is at most the socket's read size)
  private readonly waiting: string[] = []
  private lastWriteAt: number
  private pingTimer: TimerHandle | undefined
  private pongDeadline: Deadline | undefined
  private ended = false
  /** Resolves once the socket has closed. */
  readonly done: Promise<void>

  constructor(
    private readonly ws: WebSocket,
    server: RpcServer,
    remote: string,
    private readonly config: WsConnectionConfig,
  ) {
    this.lastWriteAt = config.clock.now()
    this.session = server.openSession({
      kind: 'ws',
      remote,
      send: (message) => this.send(message),
      close: (reason) => this.terminate(reason),
    })
    this.done = new Promise((resolve) => ws.once('close', () => resolve()))
    ws.on('message', (data) => this.onMessage(textOf(data)))
    ws.on('pong', () => {
      this.pongDeadline?.cancel()
      this.pongDeadline = undefined
    })
    ws.on('error', (err) => config.logger.debug({ remote, err }, 'rpc ws: connection error'))
    ws.on('close', () => this.onClosed())
    if (config.pingIntervalMs > 0) this.armPing(config.pingIntervalMs)
  }

  /** Closes the connection at once (no close handshake: the peer may not be reading). */
  terminate(reason: string): void {
    if (this.ended) return
    this.config.logger.debug({ reason }, 'rpc ws: closing connection')
    this.ws.terminate()
  }

  private send(message: string | object): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return true
    // a full queue refuses the message; one message over an empty queue may be larger
    if (this.ws.bufferedAmount > this.config.maxOutgoingQueueBytes) return false
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    this.lastWriteAt = this.config.clock.now()
    return true
  }

  private onMessage(text: string): void {
    if (this.ended) return
    if (this.inflight >= this.config.maxInflight) {
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
    while (this.inflight < this.config.maxInflight && this.waiting.length > 0)
      this.run(this.waiting.shift() as string)
    if (this.waiting.length === 0 && this.ws.isPaused) this.ws.resume()
  }

  private armPing(ms: number): void {
    this.pingTimer = this.config.clock.setTimeout(() => this.pingDue(), ms)
  }

  /** As geth: writes postpone the ping, so a busy connection is not pinged. */
  private pingDue(): void {
    this.pingTimer = undefined
    if (this.ended) return
    const { clock, pingIntervalMs, pongTimeoutMs } = this.config
    const idle = clock.now() - this.lastWriteAt
    if (idle < pingIntervalMs) {
      this.armPing(pingIntervalMs - idle)
      return
    }
    this.ws.ping()
    if (this.pongDeadline === undefined && pongTimeoutMs > 0) {
      this.pongDeadline = clock.deadline(pongTimeoutMs, () => {
        this.pongDeadline = undefined
        this.terminate('no pong within the timeout')
      })
    }
    this.armPing(pingIntervalMs)
  }

  private onClosed(): void {
    if (this.ended) return
    this.ended = true
    if (this.pingTimer !== undefined) this.config.clock.clearTimeout(this.pingTimer)
    this.pongDeadline?.cancel()
    this.waiting.length = 0
    this.session.close('connection closed')
  }
}
