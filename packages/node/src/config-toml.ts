import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parseLink } from '@devp2p/discovery/dns'
import { DEFAULT_HTTP_PORT, DEFAULT_WS_PORT } from '@devp2p/rpc'
import { parse, stringify, TomlError } from 'smol-toml'
import type { NodeConfig } from './config.js'
import { NodeError } from './errors.js'

/** `[Node.P2P]` of a node's TOML file: geth's `p2p.Config` keys. */
export interface NodeP2pToml {
  MaxPeers?: number
  MaxPendingPeers?: number
  DialRatio?: number
  NoDiscovery?: boolean
  BootstrapNodes?: string[]
  StaticNodes?: string[]
  TrustedNodes?: string[]
  NetRestrict?: string[]
  ListenAddr?: string
  DiscAddr?: string
  NoDial?: boolean
  EnableMsgEvents?: boolean
  /** DNS node lists to dial from, `enrtree://` URLs (ours; geth's is `[Eth] EthDiscoveryURLs`). */
  DiscoveryDNS?: string[]
  /** DNS servers for those lists, `ip` or `ip:port` (ours; default the system's). */
  DiscoveryDNSServers?: string[]
}

/** `[Node]` of a node's TOML file: geth's `node.Config` keys. */
export interface NodeSectionToml {
  DataDir?: string
  UserIdent?: string
  IPCPath?: string
  HTTPHost?: string
  HTTPPort?: number
  HTTPCors?: string[]
  HTTPVirtualHosts?: string[]
  WSHost?: string
  WSPort?: number
  WSOrigins?: string[]
  P2P?: NodeP2pToml
}

/** A node's TOML file as geth lays out its own: `[Node]` and `[Node.P2P]`. */
export interface NodeConfigToml {
  Node?: NodeSectionToml
}

type Kind = 'string' | 'integer' | 'port' | 'boolean' | 'strings'

const NODE_KEYS: Record<Exclude<keyof NodeSectionToml, 'P2P'>, Kind> = {
  DataDir: 'string',
  UserIdent: 'string',
  IPCPath: 'string',
  HTTPHost: 'string',
  HTTPPort: 'port',
  HTTPCors: 'strings',
  HTTPVirtualHosts: 'strings',
  WSHost: 'string',
  WSPort: 'port',
  WSOrigins: 'strings',
}

const P2P_KEYS: Record<keyof NodeP2pToml, Kind> = {
  MaxPeers: 'integer',
  MaxPendingPeers: 'integer',
  DialRatio: 'integer',
  NoDiscovery: 'boolean',
  BootstrapNodes: 'strings',
  StaticNodes: 'strings',
  TrustedNodes: 'strings',
  NetRestrict: 'strings',
  ListenAddr: 'string',
  DiscAddr: 'string',
  NoDial: 'boolean',
  EnableMsgEvents: 'boolean',
  DiscoveryDNS: 'strings',
  DiscoveryDNSServers: 'strings',
}

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  integer: 'a non-negative integer',
  port: 'a port (0…65535)',
  boolean: 'true or false',
  strings: 'an array of strings',
}

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    case 'port':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535
    case 'boolean':
      return typeof value === 'boolean'
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
  }
}

const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Checks one section against its keys; unknown keys and wrong types name the key and file. */
function checkSection(
  section: unknown,
  keys: Record<string, Kind>,
  name: string,
  where: string,
  nested: readonly string[] = [],
): void {
  const bad = (what: string): NodeError => new NodeError('CONFIG_INVALID', `${where}: ${what}`)
  if (!isTable(section)) throw bad(`[${name}] must be a table`)
  for (const [key, value] of Object.entries(section)) {
    if (nested.includes(key)) continue
    const kind = keys[key]
    if (kind === undefined) {
      throw bad(`unknown key ${key} in [${name}] (known: ${Object.keys(keys).join(', ')})`)
    }
    if (!fits(kind, value)) {
      throw bad(`[${name}] ${key} must be ${EXPECTED[kind]}, got ${JSON.stringify(value)}`)
    }
  }
}

/**
 * Checks a parsed TOML document against the layout (`[Node]`, `[Node.P2P]`, geth's key
 * names) and makes a relative `DataDir` absolute against `baseDir`.
 * @throws NodeError `CONFIG_INVALID` naming the key and `source` (the file).
 */
export function checkNodeConfigToml(
  doc: unknown,
  options: { source?: string; baseDir?: string } = {},
): NodeConfigToml {
  const where = options.source ?? 'config'
  if (!isTable(doc)) throw new NodeError('CONFIG_INVALID', `${where}: not a TOML table`)
  for (const key of Object.keys(doc)) {
    if (key !== 'Node') {
      throw new NodeError('CONFIG_INVALID', `${where}: unknown section [${key}] (only [Node])`)
    }
  }
  const node = doc.Node
  if (node === undefined) return {}
  checkSection(node, NODE_KEYS, 'Node', where, ['P2P'])
  const section = node as Record<string, unknown>
  if (section.P2P !== undefined) {
    checkSection(section.P2P, P2P_KEYS, 'Node.P2P', where)
    for (const url of (section.P2P as NodeP2pToml).DiscoveryDNS ?? []) {
      try {
        parseLink(url)
      } catch (err) {
        throw new NodeError(
          'CONFIG_INVALID',
          `${where}: [Node.P2P] DiscoveryDNS: not an enrtree:// URL: ${JSON.stringify(url)} (${err instanceof Error ? err.message : String(err)})`,
        )
      }
    }
  }
  const out = structuredClone(section) as NodeSectionToml
  if (out.DataDir !== undefined) {
    if (out.DataDir === '')
      throw new NodeError('CONFIG_INVALID', `${where}: [Node] DataDir is empty`)
    // relative to the file's folder, so the file means the same from any working directory
    if (!isAbsolute(out.DataDir)) out.DataDir = resolve(options.baseDir ?? '.', out.DataDir)
  }
  return { Node: out }
}

/**
 * Reads TOML text in the node's layout.
 * @throws NodeError `CONFIG_INVALID` for bad TOML, an unknown key or a wrong type.
 */
export function parseNodeConfigToml(
  text: string,
  options: { source?: string; baseDir?: string } = {},
): NodeConfigToml {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    if (!(err instanceof TomlError)) throw err
    throw new NodeError('CONFIG_INVALID', `${options.source ?? 'config'}: ${err.message}`, {
      cause: err,
    })
  }
  return checkNodeConfigToml(doc, options)
}

/** The TOML text of a configuration in the node's layout (what `devp2p dumpconfig` prints). */
export function stringifyNodeConfigToml(toml: NodeConfigToml): string {
  return stringify(toml)
}

const given = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/**
 * The {@link NodeConfig} a TOML configuration describes. As in geth's file, HTTP (WebSocket)
 * is served when `HTTPHost` (`WSHost`) is set and not empty; `NoDiscovery` turns discovery
 * v4 off; an empty `IPCPath` means no IPC; `DiscoveryDNS` (with `DiscoveryDNSServers`)
 * turns DNS node lists on.
 */
export function nodeConfigFromToml(toml: NodeConfigToml): NodeConfig {
  const n = toml.Node ?? {}
  const p = n.P2P ?? {}
  const p2p = {
    ...given('maxPeers', p.MaxPeers),
    ...given('maxPendingPeers', p.MaxPendingPeers),
    ...given('dialRatio', p.DialRatio),
    ...given('staticNodes', p.StaticNodes),
    ...given('trustedNodes', p.TrustedNodes),
    ...given('netRestrict', p.NetRestrict),
    ...given('listenAddr', p.ListenAddr),
    ...given('noDial', p.NoDial),
    ...given('enableMsgEvents', p.EnableMsgEvents),
  }
  const v4 =
    p.NoDiscovery === true
      ? false
      : { ...given('bootnodes', p.BootstrapNodes), ...given('listenAddr', p.DiscAddr || undefined) }
  return {
    ...given('dataDir', n.DataDir),
    ...given('name', n.UserIdent || undefined),
    ...given('ipcPath', n.IPCPath),
    http: n.HTTPHost
      ? {
          host: n.HTTPHost,
          port: n.HTTPPort ?? DEFAULT_HTTP_PORT,
          ...given('cors', n.HTTPCors),
          ...given('vhosts', n.HTTPVirtualHosts),
        }
      : false,
    ws: n.WSHost
      ? { host: n.WSHost, port: n.WSPort ?? DEFAULT_WS_PORT, ...given('origins', n.WSOrigins) }
      : false,
    p2p,
    discovery: {
      v4,
      ...(p.DiscoveryDNS === undefined || p.DiscoveryDNS.length === 0
        ? {}
        : {
            dns: {
              urls: p.DiscoveryDNS,
              ...(p.DiscoveryDNSServers === undefined || p.DiscoveryDNSServers.length === 0
                ? {}
                : { servers: p.DiscoveryDNSServers }),
            },
          }),
    },
  }
}

/**
 * A {@link NodeConfig} from TOML text in geth's layout (`[Node]`, `[Node.P2P]`); a
 * relative `DataDir` is relative to `baseDir` (default: the working directory).
 * @throws NodeError `CONFIG_INVALID` naming the key (and `source`).
 */
export function parseNodeConfig(
  text: string,
  options: { source?: string; baseDir?: string } = {},
): NodeConfig {
  return nodeConfigFromToml(parseNodeConfigToml(text, options))
}

/**
 * Reads a node's TOML file in its layout; a relative `DataDir` is relative to the file's folder.
 * @throws NodeError `CONFIG_IO` when the file cannot be read, `CONFIG_INVALID` for its content.
 */
export async function loadNodeConfigToml(path: string): Promise<NodeConfigToml> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new NodeError('CONFIG_IO', `cannot read ${path}: ${reason}`, { cause: err })
  }
  return parseNodeConfigToml(text, { source: path, baseDir: dirname(resolve(path)) })
}

/**
 * The {@link NodeConfig} of a TOML file (see {@link parseNodeConfig}); a relative `DataDir`
 * is relative to the file's folder.
 * @throws NodeError `CONFIG_IO` or `CONFIG_INVALID`.
 */
export async function loadNodeConfig(path: string): Promise<NodeConfig> {
  return nodeConfigFromToml(await loadNodeConfigToml(path))
}
