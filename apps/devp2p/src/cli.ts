import type { Logger } from '@devp2p/common'
import { Command, CommanderError } from 'commander'
import { discv4Command } from './commands/discv4.js'
import { dnsCommand } from './commands/dns.js'
import { enrdumpCommand } from './commands/enrdump.js'
import { keyCommand } from './commands/key.js'
import { dumpconfigCommand, nodeCommand } from './commands/node.js'
import { rlpxCommand } from './commands/rlpx.js'
import { rpcCommand } from './commands/rpc.js'
import { DEFAULT_VERBOSITY } from './constants.js'
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo } from './io.js'
import { cliLogger, type LogFormat, parseLogFormat, parseVerbosity } from './logging.js'

/** The `devp2p` program, its output going to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('devp2p')
    .description("devp2p-ts's devp2p tool: go-ethereum's subcommand names on devp2p-ts")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError()
    .option(
      '--verbosity <0-5>',
      'logging: 0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace',
      parseVerbosity,
      DEFAULT_VERBOSITY,
    )
    .option(
      '--log.format <format>',
      'terminal or json (one object per line)',
      parseLogFormat,
      'terminal',
    )
  // the stack's logger, made from the global flags before any command runs
  const log: { logger: Logger } = { logger: cliLogger(DEFAULT_VERBOSITY, 'terminal', io) }
  program.hook('preAction', () => {
    const opts = program.opts<{ verbosity: number; 'log.format': LogFormat }>()
    log.logger = cliLogger(opts.verbosity, opts['log.format'], io)
  })
  keyCommand(program, io)
  enrdumpCommand(program, io)
  rpcCommand(program, io)
  discv4Command(program, io, log)
  dnsCommand(program, io, log)
  rlpxCommand(program, io)
  nodeCommand(program, io, log)
  dumpconfigCommand(program, io)
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err })
    for (const sub of cmd.commands)
      sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err })
  }
  return program
}

/**
 * Runs `devp2p` with `argv` (without node and the script) and resolves with the exit
 * code: 0 success (and `--help`), 1 the command failed, 2 the command line was wrong.
 */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander; so are usage mistakes, already printed
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    }
    io.err(`devp2p: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT_FAILURE
  }
}

/** {@link run} with its output collected instead of written: for tests and embedding. */
export async function runCaptured(
  argv: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await run(argv, {
    out: (t) => {
      out += t
    },
    err: (t) => {
      err += t
    },
  })
  return { code, out, err }
}
