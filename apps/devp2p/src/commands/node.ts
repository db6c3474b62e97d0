import { resolve } from 'node:path'
import type { Logger } from '@devp2p/common'
import { Node, type NodeConfig } from '@devp2p/node'
import type { Command } from 'commander'
import { type CliIo, interruption } from '../io.js'
import { parsePort, parsePositive } from '../options.js'

interface NodeFlags {
  datadir?: string
  port: number
  'p2p.addr': string
  bootnodes: string
  maxpeers: number
  nodiscover?: boolean
  ipcpath?: string
  http?: boolean
  'http.addr': string
  'http.port': number
  ws?: boolean
  'ws.addr': string
  'ws.port': number
  identity?: string
}

/** The node's configuration from geth-named flags. */
export function nodeConfigFrom(flags: NodeFlags): NodeConfig {
  const bootnodes = flags.bootnodes === '' ? [] : flags.bootnodes.split(',').map((s) => s.trim())
  return {
    // relative to where the user ran the command, as geth's --datadir
    ...(flags.datadir === undefined ? {} : { dataDir: resolve(flags.datadir) }),
    ...(flags.identity === undefined ? {} : { name: flags.identity }),
    p2p: { listenAddr: `${flags['p2p.addr']}:${flags.port}`, maxPeers: flags.maxpeers },
    discovery: { v4: flags.nodiscover === true ? false : { bootnodes } },
    ...(flags.ipcpath === undefined ? {} : { ipcPath: flags.ipcpath }),
    http: flags.http === true ? { host: flags['http.addr'], port: flags['http.port'] } : false,
    ws: flags.ws === true ? { host: flags['ws.addr'], port: flags['ws.port'] } : false,
  }
}

/**
 * `devp2p node`: runs a node from geth-named flags, prints every endpoint it serves, and
 * runs until Ctrl-C or SIGTERM, then stops cleanly with exit 0.
 */
export function nodeCommand(program: Command, io: CliIo, log: { logger: Logger }): void {
  program
    .command('node')
    .description(
      'Runs a node: p2p server, discovery v4 and the admin API over IPC (HTTP and WebSocket on request)',
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
    .option('--nodiscover', 'no discovery v4')
    .option('--ipcpath <path>', 'IPC socket (relative: inside --datadir; default devp2p.ipc there)')
    .option('--http', 'serve JSON-RPC over HTTP')
    .option('--http.addr <host>', 'HTTP listening interface', '127.0.0.1')
    .option('--http.port <port>', 'HTTP port (0: any free port)', parsePort, 8545)
    .option('--ws', 'serve JSON-RPC over WebSocket')
    .option('--ws.addr <host>', 'WebSocket listening interface', '127.0.0.1')
    .option('--ws.port <port>', 'WebSocket port (0: any free port)', parsePort, 8546)
    .action(async (flags: NodeFlags) => {
      const node = new Node({ ...nodeConfigFrom(flags), logger: log.logger })
      await node.start()
      const interrupted = interruption()
      try {
        const e = node.endpoints()
        io.out(`enode: ${e.enode}\nenr:   ${e.enr}\n`)
        if (e.ipc !== undefined) io.out(`ipc:   ${e.ipc}\n`)
        if (e.http !== undefined) io.out(`http:  ${e.http}\n`)
        if (e.ws !== undefined) io.out(`ws:    ${e.ws}\n`)
        io.err('node running; Ctrl-C to stop\n')
        await interrupted.done
      } finally {
        interrupted.dispose()
        await node.stop()
      }
    })
}
