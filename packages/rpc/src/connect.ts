import type { Clock, Logger } from '@devp2p/common'
import { type ClientTransport, RpcClient, type RpcClientOptions } from './client.js'
import { httpTransport } from './http-client.js'
import { ipcTransport } from './ipc-client.js'
import { webSocketTransport } from './ws-client.js'

/** Options of {@link connect}: the client's, and what each transport needs. */
export interface ConnectOptions extends RpcClientOptions {
  /** Extra headers for HTTP requests and the WebSocket upgrade. */
  headers?: Record<string, string>
  /** 32-byte JWT secret (HTTP and WebSocket), as geth's authenticated endpoint wants. */
  jwtSecret?: Uint8Array
  /** `Origin` of the WebSocket upgrade. */
  origin?: string
  /** Aborts connecting (WebSocket and IPC). */
  signal?: AbortSignal
  logger?: Logger
  clock?: Clock
}

/**
 * A client for `target`, the transport picked as geth's `rpc.Dial` does: `http://` and
 * `https://` → HTTP, `ws://` and `wss://` → WebSocket, anything else → the path of an
 * IPC socket. Resolves once connected (HTTP connects on the first call).
 *
 * @throws {RpcClientError} `CONNECT_FAILED` when the WebSocket or IPC connection fails.
 * @example
 * ```ts
 * const client = await connect('ws://127.0.0.1:8546')
 * console.log(await client.call('rpc_modules'))
 * await client.close()
 * ```
 */
export async function connect(target: string, options: ConnectOptions = {}): Promise<RpcClient> {
  const { headers, jwtSecret, origin, signal, logger, clock } = options
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase()
  let transport: ClientTransport
  if (scheme === 'http' || scheme === 'https') {
    transport = httpTransport(target, { headers, jwtSecret, logger, clock })
  } else if (scheme === 'ws' || scheme === 'wss') {
    transport = await webSocketTransport(target, {
      headers,
      jwtSecret,
      origin,
      signal,
      logger,
      clock,
    })
  } else {
    transport = await ipcTransport(target, { signal, logger, clock })
  }
  return new RpcClient(transport, options)
}
