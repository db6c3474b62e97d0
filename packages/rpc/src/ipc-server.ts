import { chmod, lstat, mkdir, unlink } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { type Logger, silentLogger } from '@devp2p/common'
import {
  IPC_DIR_MODE,
  IPC_PORTABLE_PATH_BYTES,
  IPC_SOCKET_MODE,
  MAX_INFLIGHT_PER_CONNECTION,
  MAX_IPC_CONNECTIONS,
  MAX_MESSAGE_BYTES,
  MAX_OUTGOING_QUEUE_BYTES,
} from './constants.js'
import { parseError, type RpcError } from './errors.js'
import { failure, stringify } from './json.js'
import { JsonStreamReader } from './json-stream.js'
import type { RpcServer } from './server.js'
import type { RpcSession } from './session.js'

/** Options of {@link IpcRpcServer}. */
export interface IpcRpcServerOptions {
  /** The Unix socket's path (its directory is created if missing, mode 0751 as geth). */
  path: string
  /** Longest message accepted, in bytes (default 32 MiB); a longer one closes the connection. */
  maxMessageBytes?: number
  /** Most open connections (default 1,000); more are refused. */
  maxConnections?: number
  logger?: Logger
}

/**
 * Is something accepting connections on the socket at `path`? Only a refused connection
 * means no: a server whose backlog is full (EAGAIN) is alive.
 */
function probe(path: string): Promise<'live' | 'stale' | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = createConnection({ path })
    socket.once('connect', () => {
      socket.destroy()
      resolve('live')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy()
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'stale' : err)
    })
  })
}

/** Ends a trailing top-level number when the client ends its side (JSON whitespace). */
const END_OF_STREAM = Buffer.from(' ')

function errnoError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

/**
 * Serves an {@link RpcServer} over a Unix socket, as geth's `--ipcpath`: each connection
 * carries a stream of JSON values (requests in, answers and subscription notifications
 * out, each written followed by `"\n"`), one session per connection. The socket file is
 * made with mode 0600 (only its owner can connect), a stale one left by a dead process is
 * removed at start, and a live one is refused.
 *
 * A syntax error in the stream is answered with -32700 and closes the connection, as
 * geth does; a message over `maxMessageBytes` is answered with -32600 and closes it. At
 * most {@link MAX_INFLIGHT_PER_CONNECTION} messages of one connection run at once (reading
 * pauses until one ends), and a client that lets more than
 * {@link MAX_OUTGOING_QUEUE_BYTES} of answers pile up unread is disconnected.
 */
export class IpcRpcServer {
  readonly path: string
  private readonly maxMessageBytes: number
  private readonly maxConnections: number
  private readonly logger: Logger
  private listener: Server | undefined
  // bounded: maxConnections (the listener refuses more)
  private readonly connections = new Map<Socket, RpcSession>()
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined

  /** @throws {TypeError} on an empty path; {@link RangeError} on a limit that is not a positive integer. */
  constructor(
    private readonly server: RpcServer,
    options: IpcRpcServerOptions,
  ) {
    if (typeof options.path !== 'string' || options.path === '')
      throw new TypeError('IpcRpcServer needs a socket path')
    this.path = options.path
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES
    this.maxConnections = options.maxConnections ?? MAX_IPC_CONNECTIONS
    for (const [name, v] of [
      ['maxMessageBytes', this.maxMessageBytes],
      ['maxConnections', this.maxConnections],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`${name} must be a positive integer, got ${v}`)
    }
    this.logger = options.logger ?? silentLogger
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size
  }

  /**
   * Creates the socket and starts accepting connections.
   * @throws {Error} `code: 'EADDRINUSE'` if a server answers on the path already,
   *   `'EEXIST'` if the path is a file that is not a socket, or the listen error; and if
   *   called twice or after {@link stop}.
   */
  start(): Promise<void> {
    if (this.starting !== undefined || this.stopping !== undefined)
      return Promise.reject(new Error('IpcRpcServer can be started once'))
    this.starting = this.listen()
    return this.starting
  }

  private async listen(): Promise<void> {
    const path = this.path
    if (Buffer.byteLength(path) > IPC_PORTABLE_PATH_BYTES)
      this.logger.warn({ path }, 'rpc ipc: socket path longer than some systems allow')
    await mkdir(dirname(path), { recursive: true, mode: IPC_DIR_MODE })
    await this.removeStale(path)
    // half-open: a client may send its last request and shut its side (as `nc -U` does);
    // the answers still go out before we close
    const listener = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket))
    listener.maxConnections = this.maxConnections
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject)
      listener.listen({ path }, () => {
        listener.off('error', reject)
        resolve()
      })
    })
    listener.on('error', (err) => this.logger.warn({ err, path }, 'rpc ipc: listener error'))
    this.listener = listener
    await chmod(path, IPC_SOCKET_MODE)
    this.logger.info({ path }, 'rpc ipc: listening')
  }

  /** geth removes whatever is at the path; we remove only a socket nobody answers on. */
  private async removeStale(path: string): Promise<void> {
    let isSocket: boolean
    try {
      isSocket = (await lstat(path)).isSocket()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    if (!isSocket) throw errnoError(`${path} exists and is not a socket`, 'EEXIST')
    const state = await probe(path)
    if (state === 'live') throw errnoError(`another server is listening on ${path}`, 'EADDRINUSE')
    if (state !== 'stale') throw state
    this.logger.debug({ path }, 'rpc ipc: removing a stale socket file')
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }

  private accept(socket: Socket): void {
    if (this.stopping !== undefined) {
      socket.destroy()
      return
    }
    socket.on('error', (err) => this.logger.debug({ err }, 'rpc ipc: connection error'))
    let ending = false
    let session: RpcSession
    try {
      session = this.server.openSession({
        kind: 'ipc',
        remote: this.path,
        send(message) {
          if (socket.destroyed || ending) return true
          const text = typeof message === 'string' ? message : stringify(message)
          socket.write(`${text}\n`)
          return socket.writableLength <= MAX_OUTGOING_QUEUE_BYTES
        },
        close() {
          if (!ending) socket.destroy()
        },
      })
    } catch (err) {
      this.logger.debug({ err }, 'rpc ipc: server stopped, refusing a connection')
      socket.destroy()
      return
    }
    this.connections.set(socket, session)
    const reader = new JsonStreamReader(this.maxMessageBytes)
    let inflight = 0
    let paused = false

    // geth answers a syntax error with -32700 (we also answer a message over the limit,
    // with -32600), reads no more, lets the calls already running answer, then closes.
    // It does the same when the client half-closes after its last request.
    let failed = false
    let ended = false
    const finish = (): void => {
      if (session.closed || inflight > 0 || !(failed || ended)) return
      ending = true
      session.close(failed ? 'bad input' : 'client finished')
      socket.end(() => socket.destroy())
    }
    const refuse = (err: RpcError): void => {
      this.logger.debug({ err: err.message }, 'rpc ipc: closing a connection after bad input')
      failed = true
      socket.pause()
      socket.write(`${stringify(failure(null, err.toJSON()))}\n`)
      finish()
    }
    const settle = (): void => {
      inflight--
      if (!failed && !session.closed) pump()
      finish()
    }
    const pump = (): void => {
      while (!session.closed) {
        if (inflight >= MAX_INFLIGHT_PER_CONNECTION) {
          if (!paused) {
            paused = true
            socket.pause()
          }
          return
        }
        let text: string | undefined
        try {
          text = reader.next()
        } catch (err) {
          refuse(err as RpcError)
          return
        }
        if (text === undefined) {
          if (paused) {
            paused = false
            socket.resume()
          }
          return
        }
        let message: unknown
        try {
          message = JSON.parse(text)
        } catch {
          refuse(parseError())
          return
        }
        inflight++
        session.receiveValue(message).then(settle, (err: unknown) => {
          this.logger.error({ err }, 'rpc ipc: a message failed unexpectedly')
          settle()
        })
      }
    }
    socket.on('data', (chunk: Buffer) => {
      if (failed || session.closed) return
      reader.push(chunk)
      pump()
    })
    socket.on('end', () => {
      if (failed || session.closed) return
      // a number at the very end is complete at EOF, as for geth's decoder
      reader.push(END_OF_STREAM)
      ended = true
      pump()
      finish()
    })
    socket.on('close', () => {
      this.connections.delete(socket)
      session.close('connection closed')
    })
  }

  /** Closes every connection and the listener and removes the socket file. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.shutdown()
    return this.stopping
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => {})
    const listener = this.listener
    if (listener === undefined) return
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()))
    for (const [socket, session] of this.connections) {
      session.close('server stopped')
      socket.destroy()
    }
    await closed
    // libuv unlinks the socket file when the listener closes; this covers other platforms
    await unlink(this.path).catch(() => {})
    this.logger.info({ path: this.path }, 'rpc ipc: stopped')
  }
}
