import { isAbsolute, join, resolve } from 'node:path'
import type { Clock, Logger } from '@devp2p/common'
import { type DnsClientOptions, parseLink } from '@devp2p/discovery/dns'
import type { Discv4Options } from '@devp2p/discovery/v4'
import type { ServerOptions } from '@devp2p/p2p'
import type { HttpRpcServerOptions, RpcServerOptions, WsRpcServerOptions } from '@devp2p/rpc'
import { DEFAULT_IPC_FILE } from './constants.js'

/** The p2p server's options without what the node owns: key, record, protocols, logger, clock. */
export type NodeP2pOptions = Omit<
  ServerOptions,
  'privateKey' | 'localNode' | 'protocols' | 'logger' | 'clock'
>

/** Discovery v4's options without what the node owns: key, record, node database, logger, clock. */
export type NodeDiscv4Options = Omit<
  Discv4Options,
  'privateKey' | 'localNode' | 'db' | 'logger' | 'clock'
>

/**
 * DNS node lists (EIP-1459) the node dials nodes from: the trees at `urls` (and the trees
 * they link to), read through the system's DNS, or the `servers` given; the client's other
 * options (rate, timeout, cache) as `DnsClient`'s.
 */
export type NodeDnsOptions = Omit<DnsClientOptions, 'logger' | 'clock'> & {
  /** The lists, `enrtree://<key>@<domain>` (geth's `EthDiscoveryURLs`). */
  readonly urls: readonly string[]
}

/** `new Node(config)`: geth's `node.Config` in camelCase, every field optional. */
export interface NodeConfig {
  /**
   * The data directory (created if missing): `nodekey`, the node database in `nodes/`,
   * the IPC socket and `LOCK`. Without it everything lives in memory (a new key on every
   * start) and there is no IPC endpoint.
   */
  readonly dataDir?: string
  /**
   * An identity added to the client name: `devp2p-ts/<name>/v<version>/node-<version>`
   * (geth's `--identity`), sent in Hello and answered by `web3_clientVersion`.
   */
  readonly name?: string
  /** The node key, instead of the data directory's `nodekey` (geth's `--nodekey`). */
  readonly privateKey?: Uint8Array
  /** The p2p server's options (`listenAddr`, `maxPeers`, `staticNodes`, ...). */
  readonly p2p?: NodeP2pOptions
  /**
   * Which discovery to run. `v4` is on by default, on the UDP port of the p2p listen
   * address (`:30303` when the server does not listen); `false` turns it off, options
   * (`bootnodes`, `listenAddr`, ...) configure it.
   */
  readonly discovery?: {
    readonly v4?: boolean | NodeDiscv4Options
    /**
     * DNS node lists (off by default, as without URLs): a `DnsClient` streams the lists'
     * nodes (those with an IP and a TCP port) to the p2p server as dial candidates, beside
     * discovery v4 or without it; the lists' roots are checked again every 30 minutes.
     */
    readonly dns?: NodeDnsOptions
  }
  /**
   * The IPC socket path; relative paths are inside the data directory. Default
   * `<dataDir>/devp2p.ipc` with a data directory, none without; `''` or `false`: no IPC.
   */
  readonly ipcPath?: string | false
  /** Serve HTTP JSON-RPC (off by default; `host` defaults to `localhost`, `port` to 8545). */
  readonly http?: boolean | Omit<HttpRpcServerOptions, 'logger' | 'clock'>
  /** Serve WebSocket JSON-RPC (off by default; `host` defaults to `localhost`, `port` to 8546). */
  readonly ws?: boolean | Omit<WsRpcServerOptions, 'logger' | 'clock'>
  /** Options of the node's `RpcServer` (timeouts, batch limits). */
  readonly rpc?: Omit<RpcServerOptions, 'logger' | 'clock'>
  /** Default silent; `consoleLogger()` from @devp2p/common or a pino logger. */
  readonly logger?: Logger
  readonly clock?: Clock
}

/** The IPC socket path the configuration asks for, or undefined for none. */
export function ipcEndpoint(config: NodeConfig): string | undefined {
  const { ipcPath, dataDir } = config
  if (ipcPath === false || ipcPath === '') return undefined
  if (ipcPath === undefined) {
    return dataDir === undefined ? undefined : join(resolve(dataDir), DEFAULT_IPC_FILE)
  }
  if (isAbsolute(ipcPath) || dataDir === undefined) return resolve(ipcPath)
  return join(resolve(dataDir), ipcPath)
}

/** Checks what the types cannot; throws TypeError on a bad value. */
export function checkConfig(config: NodeConfig): void {
  if (typeof config !== 'object' || config === null) throw new TypeError('config must be an object')
  if (
    config.dataDir !== undefined &&
    (typeof config.dataDir !== 'string' || config.dataDir === '')
  ) {
    throw new TypeError('dataDir must be a non-empty string')
  }
  if (config.name !== undefined && typeof config.name !== 'string') {
    throw new TypeError('name must be a string')
  }
  if (config.privateKey !== undefined && !(config.privateKey instanceof Uint8Array)) {
    throw new TypeError('privateKey must be a Uint8Array')
  }
  const { ipcPath } = config
  if (ipcPath !== undefined && ipcPath !== false && typeof ipcPath !== 'string') {
    throw new TypeError('ipcPath must be a string or false')
  }
  const dns = config.discovery?.dns
  if (dns !== undefined) checkDns(dns)
}

function checkDns(dns: NodeDnsOptions): void {
  if (typeof dns !== 'object' || dns === null || !Array.isArray(dns.urls)) {
    throw new TypeError('discovery.dns.urls must be an array of enrtree:// URLs')
  }
  for (const url of dns.urls) {
    try {
      parseLink(url)
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new TypeError(`discovery.dns.urls: not a tree URL: ${JSON.stringify(url)} (${why})`)
    }
  }
  const { servers } = dns
  if (
    servers !== undefined &&
    (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string'))
  ) {
    throw new TypeError('discovery.dns.servers must be an array of strings (ip or ip:port)')
  }
}
