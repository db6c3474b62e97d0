import { resolve } from 'node:path'
import {
  loadNodeConfigToml,
  type NodeConfig,
  type NodeConfigToml,
  type NodeP2pToml,
  type NodeSectionToml,
  nodeConfigFromToml,
} from '@devp2p/node'
import type { Command } from 'commander'
import { parsePort, parsePositive } from '../options.js'

/** The flags of `devp2p node` and `devp2p dumpconfig`, geth's names. */
export interface NodeFlags {
  config?: string
  datadir?: string
  port: number
  'p2p.addr': string
  bootnodes: string
  maxpeers: number
  nodiscover?: boolean
  'discovery.dns'?: string
  'discovery.dns.servers'?: string
  ipcpath?: string
  http?: boolean
  'http.addr': string
  'http.port': number
  ws?: boolean
  'ws.addr': string
  'ws.port': number
  identity?: string
  foobar?: boolean
}

/** Adds the node flags to `cmd` (their defaults are geth's, `--p2p.addr` is ours). */
export function withNodeFlags(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'TOML configuration file (geth layout: [Node], [Node.P2P]); flags given override it',
    )
    .option('--datadir <dir>', 'data directory (nodekey, nodes/, devp2p.ipc); default: in memory')
    .option('--identity <name>', "custom node name, in the client version ('devp2p-ts/<name>/…')")
    .option(
      '--port <port>',
      'p2p listening port (TCP and discovery UDP; 0: any free port)',
      parsePort,
      30303,
    )
    .option(
      '--p2p.addr <host>',
      'p2p listening interface (ours; geth listens on every one)',
      '0.0.0.0',
    )
    .option('--bootnodes <nodes>', 'comma-separated enode URLs or ENRs for discovery', '')
    .option('--maxpeers <n>', 'most peers', parsePositive, 50)
    .option('--nodiscover', 'no discovery (v4 and DNS node lists)')
    .option(
      '--discovery.dns <urls>',
      'comma-separated enrtree:// URLs of DNS node lists to dial nodes from ("": none)',
    )
    .option(
      '--discovery.dns.servers <servers>',
      "DNS servers for those lists, ip or ip:port, comma-separated (ours; default: the system's)",
    )
    .option('--ipcpath <path>', 'IPC socket (relative: inside --datadir; default devp2p.ipc there)')
    .option('--http', 'serve JSON-RPC over HTTP')
    .option('--http.addr <host>', 'HTTP listening interface', '127.0.0.1')
    .option('--http.port <port>', 'HTTP port (0: any free port)', parsePort, 8545)
    .option('--ws', 'serve JSON-RPC over WebSocket')
    .option('--ws.addr <host>', 'WebSocket listening interface', '127.0.0.1')
    .option('--ws.port <port>', 'WebSocket port (0: any free port)', parsePort, 8546)
    .option(
      '--foobar',
      'run the devp2p tutorial\'s foo/1 protocol ("foo" on connect, "bar" answers "foo"), logging each message at info',
    )
}

/** Which flags the user typed (commander's option value source), to lay them over a file. */
export type GivenFlag = (name: keyof NodeFlags) => boolean

const NO_DEFAULT = new Set<keyof NodeFlags>([
  'config',
  'datadir',
  'identity',
  'ipcpath',
  'http',
  'ws',
  'nodiscover',
  'discovery.dns',
  'discovery.dns.servers',
])

/** A comma-separated flag as a list (`''`: an empty one). */
const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

/** Every flag counts as given: a configuration from the flags alone. */
const allGiven: GivenFlag = () => true

/** Puts the given port and/or host into a `host:port` listen address. */
function withListen(
  addr: string | undefined,
  host: string | undefined,
  port: number | undefined,
): string {
  const current = addr ?? ''
  const colon = current.lastIndexOf(':')
  const oldHost = colon === -1 ? '' : current.slice(0, colon)
  const oldPort = colon === -1 ? '30303' : current.slice(colon + 1)
  const h = host ?? oldHost
  return `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port ?? oldPort}`
}

/** The flags' part of the TOML configuration: the flags `given` accepts, over `base`. */
function layFlags(base: NodeConfigToml, flags: NodeFlags, given: GivenFlag): NodeConfigToml {
  const node: NodeSectionToml = { ...base.Node }
  const p2p: NodeP2pToml = { ...base.Node?.P2P }
  // relative to where the user ran the command, as geth's --datadir
  if (given('datadir') && flags.datadir !== undefined) node.DataDir = resolve(flags.datadir)
  if (given('identity') && flags.identity !== undefined) node.UserIdent = flags.identity
  if (given('ipcpath') && flags.ipcpath !== undefined) node.IPCPath = flags.ipcpath
  if (given('http') && flags.http === true) node.HTTPHost = flags['http.addr']
  else if (given('http.addr') && node.HTTPHost) node.HTTPHost = flags['http.addr']
  if (given('http.port')) node.HTTPPort = flags['http.port']
  if (given('ws') && flags.ws === true) node.WSHost = flags['ws.addr']
  else if (given('ws.addr') && node.WSHost) node.WSHost = flags['ws.addr']
  if (given('ws.port')) node.WSPort = flags['ws.port']
  if (given('maxpeers')) p2p.MaxPeers = flags.maxpeers
  if (given('nodiscover') && flags.nodiscover === true) {
    p2p.NoDiscovery = true
    // as geth's --nodiscover, which also empties the DNS lists
    p2p.DiscoveryDNS = []
  } else if (given('discovery.dns') && flags['discovery.dns'] !== undefined) {
    p2p.DiscoveryDNS = list(flags['discovery.dns'])
  }
  if (given('discovery.dns.servers') && flags['discovery.dns.servers'] !== undefined) {
    p2p.DiscoveryDNSServers = list(flags['discovery.dns.servers'])
  }
  if (given('bootnodes')) {
    p2p.BootstrapNodes =
      flags.bootnodes === '' ? [] : flags.bootnodes.split(',').map((s) => s.trim())
  }
  if (given('port') || given('p2p.addr')) {
    p2p.ListenAddr = withListen(
      p2p.ListenAddr,
      given('p2p.addr') ? flags['p2p.addr'] : undefined,
      given('port') ? flags.port : undefined,
    )
  }
  return { Node: { ...node, P2P: p2p } }
}

/**
 * The effective TOML configuration, as geth builds its own: the flags' defaults, then the
 * `--config` file (if any), then the flags the user typed (`given`).
 */
export async function nodeTomlFrom(
  flags: NodeFlags,
  given: GivenFlag = allGiven,
): Promise<NodeConfigToml> {
  // the flags with a default value; the others only count when given
  const defaults = layFlags({}, flags, (name) => !NO_DEFAULT.has(name))
  const file = flags.config === undefined ? {} : await loadNodeConfigToml(flags.config)
  const merged: NodeConfigToml = {
    Node: { ...defaults.Node, ...file.Node, P2P: { ...defaults.Node?.P2P, ...file.Node?.P2P } },
  }
  return layFlags(merged, flags, given)
}

/** The node's configuration from geth-named flags (and the `--config` file under them). */
export async function nodeConfigFrom(
  flags: NodeFlags,
  given: GivenFlag = allGiven,
): Promise<NodeConfig> {
  return nodeConfigFromToml(await nodeTomlFrom(flags, given))
}

/** The flags the user typed on `cmd`'s command line (not defaults, not the environment). */
export function givenOn(cmd: Command): GivenFlag {
  return (name) => cmd.getOptionValueSource(name) === 'cli'
}
