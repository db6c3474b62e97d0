import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import type { ClientTransport } from './client.js'
import { HTTP_ERROR_EXCERPT_CHARS, MAX_HTTP_RESPONSE_BYTES } from './constants.js'
import { RpcClientError } from './errors.js'
import { stringify } from './json.js'
import { checkJwtSecret, signJwt } from './jwt.js'

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** Extra request headers (e.g. `Authorization` for a proxy). */
  headers?: Record<string, string>
  /** 32-byte secret: every request carries a fresh HS256 JWT (geth's authenticated endpoint). */
  jwtSecret?: Uint8Array
  /** Largest answer read (default 32 MiB); larger fails with `TOO_LARGE`. */
  maxResponseBytes?: number
  logger?: Logger
  /** The clock that stamps JWTs' `iat`. */
  clock?: Clock
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/**
 * A client transport over HTTP (geth's `rpc.DialHTTP`): one POST per call or batch on
 * keep-alive connections (node:http, measured faster than `fetch` here). No
 * subscriptions. A status other than 200 fails the call with `HTTP_STATUS` (the status
 * and the start of the body in the message).
 *
 * @throws {TypeError} if `url` is not an http(s) URL; {@link RangeError} on a bad option.
 * @example
 * ```ts
 * const client = new RpcClient(httpTransport('http://127.0.0.1:8545'))
 * ```
 */
export function httpTransport(url: string, options: HttpTransportOptions = {}): ClientTransport {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  if (!secure && target.protocol !== 'http:')
    throw new TypeError(`httpTransport needs an http:// or https:// URL, got ${url}`)
  const maxResponseBytes = options.maxResponseBytes ?? MAX_HTTP_RESPONSE_BYTES
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1)
    throw new RangeError(`maxResponseBytes must be a positive integer, got ${maxResponseBytes}`)
  const jwtSecret = options.jwtSecret === undefined ? undefined : checkJwtSecret(options.jwtSecret)
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const request = secure ? httpsRequest : httpRequest
  const baseHeaders: Record<string, string> = {
    ...options.headers,
    'Content-Type': 'application/json',
    Accept: 'application/json',
  }
  // bounded: the caller's own calls in flight; each leaves when its answer or error comes
  const inflight = new Set<{ fail(err: Error): void }>()
  let closed = false

  function post(body: string, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        ...baseHeaders,
        'Content-Length': Buffer.byteLength(body),
      }
      if (jwtSecret !== undefined)
        headers.Authorization = `Bearer ${signJwt(jwtSecret, clock.now())}`
      let settled = false
      const entry = {
        fail(err: Error): void {
          if (settled) return
          settled = true
          inflight.delete(entry)
          signal?.removeEventListener('abort', onAbort)
          req.destroy()
          reject(err)
        },
      }
      const done = (value: unknown): void => {
        if (settled) return
        settled = true
        inflight.delete(entry)
        signal?.removeEventListener('abort', onAbort)
        resolve(value)
      }
      const onAbort = (): void =>
        entry.fail(new RpcClientError('ABORTED', 'aborted', { cause: signal?.reason }))
      const req = request(target, { method: 'POST', agent, headers }, (res) =>
        readAnswer(res, maxResponseBytes).then(done, (err: Error) => entry.fail(err)),
      )
      req.on('error', (err: NodeJS.ErrnoException) => {
        logger.debug({ err, url }, 'rpc http client: request failed')
        entry.fail(
          CONNECT_ERRORS.has(err.code ?? '')
            ? new RpcClientError('CONNECT_FAILED', `cannot reach ${url}: ${err.message}`, {
                cause: err,
              })
            : new RpcClientError('CLOSED', `HTTP request failed: ${err.message}`, { cause: err }),
        )
      })
      inflight.add(entry)
      signal?.addEventListener('abort', onAbort, { once: true })
      req.end(body)
    })
  }

  return {
    kind: 'http',
    supportsSubscriptions: false,
    onMessage: undefined,
    onClose: undefined,
    async send(message: object, signal?: AbortSignal): Promise<unknown> {
      if (closed) throw new RpcClientError('CLOSED', 'client closed')
      if (signal?.aborted) throw new RpcClientError('ABORTED', 'aborted', { cause: signal.reason })
      return post(stringify(message), signal)
    },
    async close(): Promise<void> {
      if (closed) return
      closed = true
      const err = new RpcClientError('CLOSED', 'client closed')
      for (const entry of [...inflight]) entry.fail(err)
      agent.destroy()
    },
  }
}

/** Reads one answer: 200 with JSON (or an empty body: nothing to answer), else `HTTP_STATUS`. */
function readAnswer(res: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const status = res.statusCode ?? 0
    const ok = status === 200
    const declared = Number(res.headers['content-length'] ?? Number.NaN)
    if (ok && declared > maxBytes) {
      res.destroy()
      reject(new RpcClientError('TOO_LARGE', `answer of ${declared} bytes is over ${maxBytes}`))
      return
    }
    const statusError = (): RpcClientError => {
      const excerpt = Buffer.concat(chunks)
        .toString('utf8')
        .slice(0, HTTP_ERROR_EXCERPT_CHARS)
        .trim()
      return new RpcClientError(
        'HTTP_STATUS',
        `HTTP ${status} ${res.statusMessage ?? ''}${excerpt === '' ? '' : `: ${excerpt}`}`,
      )
    }
    // bounded: maxBytes for an answer; an error's body is cut at the excerpt length
    const chunks: Buffer[] = []
    const keep = ok ? maxBytes : HTTP_ERROR_EXCERPT_CHARS * 4
    let size = 0
    let finished = false
    res.on('data', (chunk: Buffer) => {
      if (finished) return
      size += chunk.length
      chunks.push(chunk)
      if (size <= keep) return
      finished = true
      res.destroy()
      if (ok) reject(new RpcClientError('TOO_LARGE', `answer is over ${maxBytes} bytes`))
      else reject(statusError())
    })
    res.on('error', (err) => {
      if (finished) return
      finished = true
      reject(new RpcClientError('CLOSED', `HTTP answer cut off: ${err.message}`, { cause: err }))
    })
    res.on('end', () => {
      if (finished) return
      finished = true
      if (!ok) {
        reject(statusError())
        return
      }
      const text = Buffer.concat(chunks, size).toString('utf8')
      if (text === '') {
        resolve(undefined)
        return
      }
      try {
        resolve(JSON.parse(text))
      } catch (err) {
        reject(new RpcClientError('BAD_RESPONSE', 'the answer is not JSON', { cause: err }))
      }
    })
  })
}
