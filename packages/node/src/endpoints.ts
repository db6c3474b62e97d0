import type { Clock, Logger } from '@devp2p/common'
import { HttpRpcServer, IpcRpcServer, type RpcServer, WsRpcServer } from '@devp2p/rpc'
import type { NodeConfig } from './config.js'

/** Where a running node is reached. */
export interface NodeEndpoints {
  /** The IPC socket path, when IPC is on. */
  readonly ipc?: string
  /** `http://host:port`, when HTTP is on. */
  readonly http?: string
  /** `ws://host:port`, when WebSocket is on. */
  readonly ws?: string
  /** Our `enode://` URL. */
  readonly enode: string
  /** Our node record as `enr:` text. */
  readonly enr: string
}

/** The RPC endpoints that were started; `stop()` closes them all. */
export interface RpcEndpoints {
  readonly ipc?: string
  readonly http?: string
  readonly ws?: string
  stop(): Promise<void>
}

/**
 * Starts the IPC, HTTP and WebSocket endpoints the configuration asks for, over `rpc`.
 * If one fails, those already started are stopped before the error is thrown.
 */
export async function startRpcEndpoints(
  rpc: RpcServer,
  config: Pick<NodeConfig, 'http' | 'ws'>,
  ipcPath: string | undefined,
  logger: Logger,
  clock: Clock,
): Promise<RpcEndpoints> {
  // bounded: at most three endpoints (IPC, HTTP, WebSocket)
  const started: { stop(): Promise<void> }[] = []
  const stop = async (): Promise<void> => {
    for (const server of started.splice(0).reverse()) await server.stop()
  }
  try {
    let ipc: string | undefined
    let http: string | undefined
    let ws: string | undefined
    if (ipcPath !== undefined) {
      const server = new IpcRpcServer(rpc, { path: ipcPath, logger })
      await server.start()
      started.push(server)
      ipc = server.path
    }
    if (config.http) {
      const options = config.http === true ? {} : config.http
      const server = new HttpRpcServer(rpc, { ...options, logger, clock })
      await server.start()
      started.push(server)
      http = server.url
    }
    if (config.ws) {
      const options = config.ws === true ? {} : config.ws
      const server = new WsRpcServer(rpc, { ...options, logger, clock })
      await server.start()
      started.push(server)
      ws = server.url
    }
    return {
      ...(ipc === undefined ? {} : { ipc }),
      ...(http === undefined ? {} : { http }),
      ...(ws === undefined ? {} : { ws }),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
