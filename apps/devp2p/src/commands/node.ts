import type { Logger } from '@devp2p/common'
import { Node, stringifyNodeConfigToml } from '@devp2p/node'
import type { Command } from 'commander'
import { fooBarService } from '../foobar.js'
import { type CliIo, interruption } from '../io.js'
import {
  givenOn,
  type NodeFlags,
  nodeConfigFrom,
  nodeTomlFrom,
  withNodeFlags,
} from './node-flags.js'

/**
 * `devp2p node`: runs a node from geth-named flags (over a `--config` TOML file), prints
 * every endpoint it serves, and runs until Ctrl-C or SIGTERM, then stops cleanly with exit 0.
 */
export function nodeCommand(program: Command, io: CliIo, log: { logger: Logger }): void {
  const cmd = withNodeFlags(
    program
      .command('node')
      .description(
        'Runs a node: p2p server, discovery v4 and the admin API over IPC (HTTP and WebSocket on request)',
      ),
  ).option('--json', 'print the endpoints as one JSON object: { enode, enr, ipc?, http?, ws? }')
  cmd.action(async (flags: NodeFlags & { json?: boolean }) => {
    const node = new Node({ ...(await nodeConfigFrom(flags, givenOn(cmd))), logger: log.logger })
    if (flags.foobar === true) node.register(fooBarService(log.logger))
    await node.start()
    const interrupted = interruption()
    try {
      const e = node.endpoints()
      if (flags.json) {
        io.out(`${JSON.stringify(e)}\n`)
      } else {
        io.out(`enode: ${e.enode}\nenr:   ${e.enr}\n`)
        if (e.ipc !== undefined) io.out(`ipc:   ${e.ipc}\n`)
        if (e.http !== undefined) io.out(`http:  ${e.http}\n`)
        if (e.ws !== undefined) io.out(`ws:    ${e.ws}\n`)
      }
      io.err('node running; Ctrl-C to stop\n')
      await interrupted.done
    } finally {
      interrupted.dispose()
      await node.stop()
    }
  })
}

/**
 * `devp2p dumpconfig`, as geth's: the TOML of the configuration `devp2p node` would run
 * with the same flags (defaults, then `--config`, then the flags given).
 */
export function dumpconfigCommand(program: Command, io: CliIo): void {
  const cmd = withNodeFlags(
    program
      .command('dumpconfig')
      .description('Prints the TOML configuration `devp2p node` would run with these flags'),
  )
  cmd.action(async (flags: NodeFlags) => {
    io.out(stringifyNodeConfigToml(await nodeTomlFrom(flags, givenOn(cmd))))
  })
}
