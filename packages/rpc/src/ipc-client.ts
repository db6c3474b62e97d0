import { createConnection, type Socket } from 'node:net'
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import type { ClientTransport } from './client.js'
import { DIAL_TIMEOUT_MS, INVALID_REQUEST, MAX_MESSAGE_BYTES } from './constants.js'
import { RpcClientError, RpcError } from './errors.js'
import { stringify } from './json.js'
import { JsonStreamReader } from './json-stream.js'

/** Options of {@link ipcTransport}. */
export interface IpcTransportOptions {
  /** Longest message accepted or sent, in bytes (default 32 MiB). */
  maxMessageBytes?: number
  /** Aborts the dial (not the connection once made). */
  signal?: AbortSignal
  /** Dial time limit in ms (default 10 s, geth's). */
  dialTimeoutMs?: number
  logger?: Logger
  clock?: Clock
}

/** Opens the socket, within the time limit and until the signal aborts. */
function dial(
  path: string,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<Socket> {
  if (signal?.aborted)
    return Promise.reject(new RpcClientError('ABORTED', 'dial aborted', { cause: signal.reason }))
  return new Promise<Socket>((resolve, reject) => {
    const socket = createConnection({ path })
    const fail = (err: RpcClientError): void => {
      done()
      socket.destroy()
      reject(err)
    }
    const onError = (err: Error): void =>
      fail(
        new RpcClientError('CONNECT_FAILED', `cannot connect to ${path}: ${err.message}`, {
          cause: err,
        }),
      )
    const onAbort = (): void =>
      fail(new RpcClientError('ABORTED', 'dial aborted', { cause: signal?.reason }))
    const deadline = clock.deadline(timeoutMs, () =>
      fail(new RpcClientError('CONNECT_FAILED', `no connection to ${path} within ${timeoutMs} ms`)),
    )
    const done = (): void => {
      deadline.cancel()
      signal?.removeEventListener('abort', onAbort)
      socket.off('error', onError)
    }
    socket.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      done()
      resolve(socket)
    })
  })
}

/**
 * A client transport over a Unix socket (geth's `rpc.DialIPC`): each message is written
 * as JSON followed by `"\n"`, and answers and notifications are read as a stream of JSON
 * values, with or without delimiters. Supports subscriptions.
 *
 * @throws {RpcClientError} `CONNECT_FAILED` if the socket cannot be reached within the dial
 *   time limit, `ABORTED` if `signal` aborts first.
 * @example
 * ```ts
 * const client = new RpcClient(await ipcTransport('/tmp/node/geth.ipc'))
 * ```
 */
export async function ipcTransport(
  path: string,
  options: IpcTransportOptions = {},
): Promise<ClientTransport> {
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES
  const logger = options.logger ?? silentLogger
  const reader = new JsonStreamReader(maxMessageBytes)
  const socket = await dial(
    path,
    options.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
    options.clock ?? systemClock,
    options.signal,
  )
  let closedByUs = false
  // messages sent in the same tick leave in one writev, not one syscall each
  let corked = false
  const uncork = (): void => {
    corked = false
    socket.uncork()
  }
  let failure: RpcClientError | undefined

  const transport: ClientTransport = {
    kind: 'ipc',
    supportsSubscriptions: true,
    onMessage: undefined,
    onClose: undefined,
    send(message: object): Promise<unknown> {
      if (closedByUs || socket.destroyed)
        return Promise.reject(failure ?? new RpcClientError('CLOSED', 'connection closed'))
      let text: string
      try {
        text = stringify(message)
      } catch (err) {
        return Promise.reject(err)
      }
      // a UTF-8 character is at most 3 bytes per UTF-16 unit: count exactly only near the limit
      if (text.length * 3 > maxMessageBytes && Buffer.byteLength(text) > maxMessageBytes) {
        return Promise.reject(
          new RpcClientError('TOO_LARGE', `message larger than ${maxMessageBytes} bytes`),
        )
      }
      if (!corked) {
        corked = true
        socket.cork()
        process.nextTick(uncork)
      }
      return new Promise((resolve, reject) => {
        socket.write(`${text}\n`, (err) => {
          if (err) reject(failure ?? new RpcClientError('CLOSED', err.message, { cause: err }))
          else resolve(undefined)
        })
      })
    },
    async close(): Promise<void> {
      if (closedByUs) return
      closedByUs = true
      if (socket.destroyed) return
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve())
        socket.destroy()
      })
    },
  }

  const fail = (err: RpcClientError): void => {
    failure ??= err
    logger.debug({ err: err.message, path }, 'rpc ipc client: closing the connection')
    socket.destroy()
  }
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk)
    for (;;) {
      if (failure !== undefined) return
      let text: string | undefined
      try {
        text = reader.next()
      } catch (err) {
        const tooLarge = err instanceof RpcError && err.code === INVALID_REQUEST
        fail(
          new RpcClientError(tooLarge ? 'TOO_LARGE' : 'BAD_RESPONSE', (err as Error).message, {
            cause: err,
          }),
        )
        return
      }
      if (text === undefined) return
      let message: unknown
      try {
        message = JSON.parse(text)
      } catch (err) {
        fail(new RpcClientError('BAD_RESPONSE', 'the server sent invalid JSON', { cause: err }))
        return
      }
      transport.onMessage?.(message)
    }
  })
  socket.on('error', (err) => {
    failure ??= new RpcClientError('CLOSED', `connection failed: ${err.message}`, { cause: err })
  })
  socket.on('close', () => {
    if (closedByUs) return
    transport.onClose?.(failure ?? new RpcClientError('CLOSED', 'server closed the connection'))
  })
  return transport
}
