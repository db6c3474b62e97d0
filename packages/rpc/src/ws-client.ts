import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import WebSocket, { type RawData } from 'ws'
import type { ClientTransport } from './client.js'
import { DIAL_TIMEOUT_MS, MAX_MESSAGE_BYTES, MAX_OUTGOING_QUEUE_BYTES } from './constants.js'
import { RpcClientError } from './errors.js'
import { stringify } from './json.js'
import { checkJwtSecret, signJwt } from './jwt.js'

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Extra headers of the upgrade request. */
  headers?: Record<string, string>
  /** The `Origin` header to send (browsers send one; geth's `DialWebsocket` takes one). */
  origin?: string
  /** 32-byte secret: the upgrade carries a fresh HS256 JWT (geth's authenticated endpoint). */
  jwtSecret?: Uint8Array
  /** Largest message either way (default 32 MiB); a larger answer closes the connection with `TOO_LARGE`. */
  maxMessageBytes?: number
  /** Aborts dialing. */
  signal?: AbortSignal
  logger?: Logger
  /** The clock that stamps the JWT's `iat`. */
  clock?: Clock
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** Close code 1009: a message over the size limit (RFC 6455). */
const CLOSE_TOO_BIG = 1009

/**
 * A client transport over WebSocket (geth's `rpc.DialWebsocket`), with subscriptions.
 * Resolves once connected. Writes wait while more than 16 MiB is queued for the socket,
 * so a server that stops reading slows the caller instead of growing memory. The
 * connection ending (server close, message too large, network) reaches the client as
 * `onClose` with an {@link RpcClientError}.
 *
 * @throws {RpcClientError} `CONNECT_FAILED` (with the HTTP status if the server refused
 *   the upgrade), `ABORTED` if the signal aborts, `TIMEOUT` after 10 s.
 */
export function webSocketTransport(
  url: string,
  options: WebSocketTransportOptions = {},
): Promise<ClientTransport> {
  const target = new URL(url)
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:')
    throw new TypeError(`webSocketTransport needs a ws:// or wss:// URL, got ${url}`)
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1)
    throw new RangeError(`maxMessageBytes must be a positive integer, got ${maxMessageBytes}`)
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? systemClock
  const headers: Record<string, string> = { ...options.headers }
  if (options.jwtSecret !== undefined)
    headers.Authorization = `Bearer ${signJwt(checkJwtSecret(options.jwtSecret), clock.now())}`
  const signal = options.signal
  if (signal?.aborted)
    return Promise.reject(new RpcClientError('ABORTED', 'aborted', { cause: signal.reason }))

  const ws = new WebSocket(target, {
    headers,
    origin: options.origin,
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    handshakeTimeout: DIAL_TIMEOUT_MS,
  })
  return new Promise<ClientTransport>((resolve, reject) => {
    let opened = false
    let closedByUs = false
    let closeError: RpcClientError | undefined
    // bounded: the caller's own writes waiting for the socket's queue to drain
    const waiting: Array<() => void> = []

    const onAbort = (): void => {
      ws.terminate()
      reject(new RpcClientError('ABORTED', 'aborted', { cause: signal?.reason }))
    }
    signal?.addEventListener('abort', onAbort, { once: true })

    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0
      res.resume()
      ws.terminate()
      signal?.removeEventListener('abort', onAbort)
      reject(
        new RpcClientError(
          'CONNECT_FAILED',
          `${url} refused the WebSocket upgrade: HTTP ${status} ${res.statusMessage ?? ''}`,
        ),
      )
    })
    ws.on('error', (err: Error & { code?: string }) => {
      logger.debug({ err, url }, 'rpc ws client: connection error')
      if (!opened) {
        signal?.removeEventListener('abort', onAbort)
        reject(
          err.message.includes('timed out')
            ? new RpcClientError(
                'TIMEOUT',
                `no WebSocket handshake with ${url} within ${DIAL_TIMEOUT_MS} ms`,
              )
            : new RpcClientError('CONNECT_FAILED', `cannot reach ${url}: ${err.message}`, {
                cause: err,
              }),
        )
        return
      }
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        closeError = new RpcClientError('TOO_LARGE', `a message is over ${maxMessageBytes} bytes`, {
          cause: err,
        })
    })

    const flushWaiting = (): void => {
      while (waiting.length > 0 && ws.bufferedAmount <= MAX_OUTGOING_QUEUE_BYTES)
        (waiting.shift() as () => void)()
    }

    const transport: ClientTransport = {
      kind: 'ws',
      supportsSubscriptions: true,
      onMessage: undefined,
      onClose: undefined,
      async send(message: object): Promise<unknown> {
        if (ws.readyState !== WebSocket.OPEN)
          throw closeError ?? new RpcClientError('CLOSED', 'connection closed')
        const text = stringify(message)
        if (ws.bufferedAmount > MAX_OUTGOING_QUEUE_BYTES) {
          await new Promise<void>((ready) => waiting.push(ready))
          if (ws.readyState !== WebSocket.OPEN)
            throw closeError ?? new RpcClientError('CLOSED', 'connection closed')
        }
        ws.send(text, () => flushWaiting())
        return undefined
      },
      async close(): Promise<void> {
        if (closedByUs || ws.readyState === WebSocket.CLOSED) return
        closedByUs = true
        const closed = new Promise<void>((done) => ws.once('close', () => done()))
        ws.terminate()
        await closed
      },
    }

    ws.on('open', () => {
      opened = true
      signal?.removeEventListener('abort', onAbort)
      resolve(transport)
    })
    ws.on('message', (data) => {
      let message: unknown
      try {
        message = JSON.parse(textOf(data))
      } catch {
        logger.debug({ url }, 'rpc ws client: ignoring a message that is not JSON')
        return
      }
      transport.onMessage?.(message)
    })
    ws.on('close', (code, reason) => {
      for (const ready of waiting.splice(0)) ready()
      if (!opened) return
      if (closedByUs) {
        transport.onClose?.(undefined)
        return
      }
      const err =
        closeError ??
        (code === CLOSE_TOO_BIG
          ? new RpcClientError('TOO_LARGE', 'the server closed the connection: message too big')
          : new RpcClientError(
              'CLOSED',
              `connection closed by the server (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`,
            ))
      transport.onClose?.(err)
    })
  })
}
