/**
 * The demo's command line: `npm run demo -- [--datadir DIR] [--nodes N]
 * [--join discovery|addpeer] [--relay] [--stay]`, parsed with commander as the `devp2p` tool's.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import {
  DEFAULT_DATA_DIR,
  DEFAULT_NODES,
  MAX_NODES,
  MIN_NODES,
  RELAY_DEFAULT_NODES,
  RELAY_MIN_NODES,
  SAME_INTERRUPT_MS,
} from './constants.js'
import { runDemo } from './demo.js'
import { runRelay } from './relay.js'

/** Exit codes: 0 done (also after Ctrl-C), 1 the demo failed, 2 the command line was wrong. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** apps/demo, where node0's default data directory lives. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Where the demo writes: its lines, and errors. */
export interface DemoIo {
  out(text: string): void
  err(text: string): void
}

/** What {@link run} needs of the process. */
export interface RunContext {
  readonly io: DemoIo
  /** `process.env`: `INIT_CWD` is where the user ran npm or pnpm. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** `process.cwd()`. */
  readonly cwd: string
  /** Aborts on Ctrl-C: the nodes stop cleanly and the demo exits 0. */
  readonly signal: AbortSignal
}

/** `--nodes`: a whole number MIN_NODES–MAX_NODES. */
export function parseNodes(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(n >= MIN_NODES && n <= MAX_NODES)) {
    throw new InvalidArgumentError(`expected a whole number ${MIN_NODES}–${MAX_NODES}.`)
  }
  return n
}

function parseDataDir(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a directory.')
  return value
}

/**
 * node0's data directory: apps/demo/.data by default; a relative `--datadir` is relative
 * to where the user ran the command. npm and pnpm run a package's script in the
 * package's folder and say where they were started in `INIT_CWD`; without it (the demo
 * run with `tsx` or `node` directly) that is the current directory.
 */
export function resolveDataDir(
  datadir: string | undefined,
  env: RunContext['env'],
  cwd: string,
): string {
  if (datadir === undefined) return join(APP_DIR, DEFAULT_DATA_DIR)
  return resolve(env.INIT_CWD || cwd, datadir)
}

function program(io: DemoIo): Command {
  return new Command('demo')
    .description(
      "go-ethereum's p2p tutorial on devp2p-ts: N nodes running the foo/bar service find each other, greet each other and report their admin_peers",
    )
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .allowExcessArguments(false)
    .showHelpAfterError('(run with --help for the options)')
    .option(
      '--datadir <dir>',
      "node0's data directory: key, node database, LOCK, IPC socket (default: apps/demo/.data; a relative path is relative to where you ran the command)",
      parseDataDir,
    )
    .option(
      '--nodes <n>',
      `how many nodes, ${MIN_NODES}–${MAX_NODES} (default: ${DEFAULT_NODES}; with --relay ${RELAY_MIN_NODES}–${MAX_NODES}, default ${RELAY_DEFAULT_NODES})`,
      parseNodes,
    )
    .addOption(
      new Option('--join <how>', 'how the nodes meet: a discovery v4 bootnode, or admin_addPeer')
        .choices(['discovery', 'addpeer'])
        .default('discovery'),
    )
    .option(
      '--relay',
      'the relay scenario: a sparse network (few peers each, found through discovery) where two nodes that are not peers chat over pss, each line printed with the path it took',
    )
    .option('--stay', 'keep running after the exchange until Ctrl-C')
    .addHelpText(
      'after',
      '\nFrom the repository root: npm run demo -- --nodes 5 --stay, or npm run demo -- --relay\nExit codes: 0 done (also after Ctrl-C), 1 failed, 2 bad command line.',
    )
}

/** The exit code of a second Ctrl-C, which exits at once (128 + SIGINT, as a shell reports it). */
export const EXIT_INTERRUPTED_TWICE = 130

/**
 * The SIGINT/SIGTERM handler: the first one aborts `controller` (every node stops
 * cleanly, exit 0); a later one calls `exit(130)` at once. Copies closer together than
 * {@link SAME_INTERRUPT_MS} are one Ctrl-C: under `npm run`, the demo gets the
 * terminal's SIGINT and npm's forwarded copy of it.
 */
export function interruptHandler(
  controller: AbortController,
  exit: (code: number) => void,
  now: () => number = () => performance.now(),
): () => void {
  let first: number | undefined
  return () => {
    const at = now()
    if (first === undefined) {
      first = at
      controller.abort()
    } else if (at - first >= SAME_INTERRUPT_MS) {
      exit(EXIT_INTERRUPTED_TWICE)
    }
  }
}

/** Runs the demo with `argv` (the flags) and resolves with its exit code. */
export async function run(argv: readonly string[], context: RunContext): Promise<number> {
  const { io, signal } = context
  const cmd = program(io)
  try {
    cmd.parse([...argv], { from: 'user' })
  } catch (err) {
    // help is an "error" to commander; so are usage mistakes, already printed
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    throw err
  }
  const opts = cmd.opts<{
    datadir?: string
    nodes?: number
    join: 'discovery' | 'addpeer'
    relay?: boolean
    stay?: boolean
  }>()
  const usage = (message: string): number => {
    io.err(`error: ${message}\n(run with --help for the options)\n`)
    return EXIT_USAGE
  }
  if (opts.relay && opts.join === 'addpeer') {
    return usage('--relay finds peers through discovery; it does not take --join addpeer')
  }
  if (opts.relay && opts.nodes !== undefined && opts.nodes < RELAY_MIN_NODES) {
    return usage(`--relay needs at least ${RELAY_MIN_NODES} nodes`)
  }
  const common = {
    dataDir: resolveDataDir(opts.datadir, context.env, context.cwd),
    stay: opts.stay ?? false,
    signal,
    print: (line: string) => io.out(`${line}\n`),
  }
  try {
    if (opts.relay) await runRelay({ ...common, nodes: opts.nodes ?? RELAY_DEFAULT_NODES })
    else await runDemo({ ...common, nodes: opts.nodes ?? DEFAULT_NODES, join: opts.join })
    return EXIT_OK
  } catch (err) {
    if (signal.aborted) {
      io.err('demo interrupted: every node stopped\n')
      return EXIT_OK
    }
    io.err(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
    return EXIT_FAILURE
  }
}
