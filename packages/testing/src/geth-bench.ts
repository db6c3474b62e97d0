/**
 * Runs go-ethereum's own p2p stack through interop/geth/cmd/gethbench, so that a bench
 * can print ours ÷ geth beside its other columns, in the same run on the same machine:
 * each case right after ours (the machine's speed drifts within minutes), never beside
 * it (one process measures at a time).
 *
 * The binary is built into interop/geth/bin/ with `go build` when a Go source, go.mod or
 * go.sum is newer than it, and reused otherwise. Without `go` (or when the build or the
 * run fails) the result has no columns and one line says why: benches run without Go.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * How long one `go build` or gethbench run may take before it is killed (a cold build
 * fetches and compiles go-ethereum: minutes), so a hung child cannot hang the bench.
 */
const GO_COMMAND_TIMEOUT_MS = 20 * 60_000

/** A message rate and the payload bytes it carries. */
export interface GethRate {
  readonly size: number
  readonly msgsPerSec: number
  readonly mbPerSec: number
}

/** What one connection costs, both of its ends together. */
export interface GethMemory {
  /** Connections (peers) open when measured. */
  readonly count: number
  /** Live heap after GC (runtime.MemStats.HeapAlloc) per connection. */
  readonly heapBytes: number
  /** Goroutine stacks (runtime.MemStats.StackInuse) per connection. */
  readonly stackBytes: number
  readonly goroutines: number
  readonly totalBytes: number
}

/** The JSON object gethbench prints; the cases that did not run are absent. */
export interface GethBenchReport {
  /** The go-ethereum module version, e.g. `v1.17.10`. */
  readonly geth: string
  readonly go: string
  readonly gomaxprocs: number
  readonly numCPU: number
  readonly roundMs: number
  readonly notes: readonly string[]
  readonly p2p?: {
    readonly setupPerSec?: number
    readonly rttPerSec?: number
    readonly throughput?: readonly GethRate[]
    readonly memory?: GethMemory
  }
  readonly rlpx?: {
    readonly handshakesPerSec?: number
    readonly throughput?: readonly (GethRate & { readonly snappy: boolean })[]
    readonly memory?: GethMemory
  }
}

/** One run of gethbench, labelled for a table. */
export interface GethColumn {
  /** `go-ethereum v1.17.10 (GOMAXPROCS=1)` */
  readonly label: string
  readonly report: GethBenchReport
}

/**
 * A case of gethbench: setup, rtt, throughput, peermem (its p2p.Server benches; `p2p`
 * for all four), handshakes, frames, connmem (its p2p/rlpx benches; `rlpx` for all three).
 */
export type GethCase =
  | 'p2p'
  | 'setup'
  | 'rtt'
  | 'throughput'
  | 'peermem'
  | 'rlpx'
  | 'handshakes'
  | 'frames'
  | 'connmem'

/** Runs gethbench cases; one column per configured GOMAXPROCS, none when skipped. */
export interface GethBench {
  /** `sizes`: message sizes for throughput and frames (default: gethbench's own). */
  run(cases: readonly GethCase[], sizes?: readonly number[]): Promise<GethColumn[]>
}

export interface GethBenchOptions {
  /** Milliseconds per measuring round of the p2p benches. */
  readonly roundMs?: number
  /** Connected peers for the p2p memory figure. */
  readonly peers?: number
  /** Idle connections for the rlpx memory figure. */
  readonly conns?: number
  /** RLPx handshakes per timed run. */
  readonly handshakes?: number
  /**
   * Also run geth on every core, as a second column (default: {@link gethAllCoresFromEnv},
   * yes unless BENCH_GETH_ALL_CORES=0). geth always runs with GOMAXPROCS=1 first: ours
   * runs on about one core.
   */
  readonly allCores?: boolean
  /** Where to start looking for interop/geth (default: the current directory, upwards). */
  readonly from?: string
  /** Progress and the reason a column was skipped. */
  readonly log: (line: string) => void
}

const EXE = process.platform === 'win32' ? 'gethbench.exe' : 'gethbench'

/** Whether benches run geth on every core too: yes unless `BENCH_GETH_ALL_CORES=0`. */
export function gethAllCoresFromEnv(): boolean {
  return process.env.BENCH_GETH_ALL_CORES !== '0'
}

/** The interop/geth module above `from`, if any. */
export function findGethModule(from: string = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const mod = join(dir, 'interop', 'geth')
    if (existsSync(join(mod, 'go.mod'))) return mod
    if (dirname(dir) === dir) return undefined
  }
}

function run(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const options = { cwd, maxBuffer: 16 * 1024 * 1024, timeout: GO_COMMAND_TIMEOUT_MS }
    execFile(file, args, options, (error, stdout, stderr) => {
      if (error) fail(Object.assign(error, { stderr }))
      else done({ stdout, stderr })
    })
  })
}

const firstLine = (e: unknown): string => {
  const text = (e as { stderr?: string }).stderr?.trim() || (e as Error).message || String(e)
  return text.split('\n')[0]!
}

/** Whether the binary is newer than every input of its build. */
function upToDate(mod: string, binary: string): boolean {
  if (!existsSync(binary)) return false
  const built = statSync(binary).mtimeMs
  const src = join(mod, 'cmd', 'gethbench')
  const inputs = [
    join(mod, 'go.mod'),
    join(mod, 'go.sum'),
    ...readdirSync(src).map((f) => join(src, f)),
  ]
  return inputs.every((f) => statSync(f).mtimeMs <= built)
}

/** Builds gethbench if needed: the binary's path, or why not. */
async function build(mod: string): Promise<{ binary: string } | { skipped: string }> {
  try {
    await run('go', ['version'], mod)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return { skipped: code === 'ENOENT' ? 'go not found' : `go failed: ${firstLine(e)}` }
  }
  const binary = join(mod, 'bin', EXE)
  if (upToDate(mod, binary)) return { binary }
  try {
    await run('go', ['build', '-o', binary, './cmd/gethbench'], mod)
  } catch (e) {
    return { skipped: `go build failed: ${firstLine(e)}` }
  }
  return { binary }
}

const skipped: GethBench = { run: async () => [] }

/**
 * Builds gethbench if needed and returns a runner for its cases: GOMAXPROCS=1, and with
 * `allCores` once more on every core. Without `go`, or when the build fails, one line
 * through `log` says why and the runner returns no column; a failed run says so too,
 * and the runner returns none from then on.
 */
export async function openGethBench(options: GethBenchOptions): Promise<GethBench> {
  const { log } = options
  const mod = findGethModule(options.from)
  if (mod === undefined) {
    log('geth column skipped: interop/geth not found')
    return skipped
  }
  const built = await build(mod)
  if ('skipped' in built) {
    log(`geth column skipped: ${built.skipped}`)
    return skipped
  }
  const args: string[] = []
  if (options.roundMs !== undefined) args.push('-round', String(Math.round(options.roundMs)))
  if (options.peers !== undefined) args.push('-peers', String(options.peers))
  if (options.conns !== undefined) args.push('-conns', String(options.conns))
  if (options.handshakes !== undefined) args.push('-handshakes', String(options.handshakes))
  const allCores = options.allCores ?? gethAllCoresFromEnv()
  let failed = false
  return {
    async run(cases, sizes) {
      const columns: GethColumn[] = []
      for (const procs of allCores ? [1, 0] : [1]) {
        if (failed) return []
        const caseArgs = ['-only', cases.join(','), '-procs', String(procs)]
        if (sizes !== undefined) caseArgs.push('-sizes', sizes.join(','))
        let report: GethBenchReport
        try {
          const { stdout } = await run(built.binary, [...args, ...caseArgs], mod)
          report = JSON.parse(stdout) as GethBenchReport
        } catch (e) {
          log(`geth column skipped: gethbench failed: ${firstLine(e)}`)
          failed = true
          return []
        }
        const label = `go-ethereum ${report.geth} (GOMAXPROCS=${report.gomaxprocs})`
        columns.push({ label, report })
      }
      return columns
    },
  }
}
