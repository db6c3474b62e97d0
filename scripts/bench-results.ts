/**
 * The figures of the summary table (`npx pnpm bench`, then scripts/bench-summary.ts):
 * each bench that measures one of its rows writes them to `<repo>/.bench/<file>.json`
 * (gitignored) with the time, the git commit and its settings; the summary reads every
 * file and prints one Markdown table. A row no bench wrote prints as missing.
 *
 * Imported by packages/p2p/bench, packages/rlpx/bench and packages/rpc/bench (relative path: bench code is
 * never published) and by the summary.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** One figure of one row: ours, the other implementations, go-ethereum on 1 core and on all. */
export interface RowFigures {
  ours?: number
  /** @ethereumjs/devp2p (the p2p and rlpx benches). */
  ejs?: number
  /** jayson (the rpc bench). */
  jayson?: number
  /** json-rpc-2.0 (the rpc bench). */
  jsonRpc2?: number
  /** go-ethereum with GOMAXPROCS=1. */
  geth1?: number
  /** go-ethereum with the default GOMAXPROCS (every core). */
  gethAll?: number
  /** The GOMAXPROCS of {@link gethAll}'s run. */
  gethAllProcs?: number
  /** Free text printed under the table (e.g. how a memory figure splits). */
  note?: string
}

/** The rows of the summary, in the order of issue #21's table. */
export const SUMMARY_ROWS = [
  {
    key: 'rlpx-1k-msgs',
    label: '1 KiB messages/s at the RLPx level, snappy on',
    unit: 'msgs/s',
    bench: 'rlpx',
  },
  {
    key: 'rlpx-16k-mbs',
    label: '16 KiB MB/s at the RLPx level, snappy on',
    unit: 'MB/s',
    bench: 'rlpx',
  },
  {
    key: 'rlpx-handshakes',
    label: 'handshake + Hello per second (sequential)',
    unit: '/s',
    bench: 'rlpx',
  },
  {
    key: 'p2p-setup',
    label: 'p2p connection setup + disconnect per second',
    unit: '/s',
    bench: 'p2p',
  },
  {
    key: 'p2p-1k-msgs',
    label: '1 KiB messages/s through a sub-protocol',
    unit: 'msgs/s',
    bench: 'p2p',
  },
  { key: 'p2p-16k-mbs', label: '16 KiB MB/s through a sub-protocol', unit: 'MB/s', bench: 'p2p' },
  {
    key: 'p2p-rtt',
    label: '1 KiB request/response round trips per second',
    unit: '/s',
    bench: 'p2p',
  },
  {
    key: 'p2p-peer-memory',
    label: 'memory per connected peer, both ends (lower is better)',
    unit: 'bytes',
    bench: 'p2p',
  },
] as const

/**
 * The rows of the rpc bench's table (issue #17), printed as a second table: its other
 * implementations are jayson and json-rpc-2.0, not @ethereumjs/devp2p.
 */
export const RPC_SUMMARY_ROWS = [
  { key: 'rpc-http-seq', label: 'HTTP keep-alive calls/s, sequential', unit: '/s', bench: 'rpc' },
  { key: 'rpc-http-64', label: 'HTTP keep-alive calls/s, 64 in flight', unit: '/s', bench: 'rpc' },
  { key: 'rpc-ws-seq', label: 'WebSocket calls/s, sequential', unit: '/s', bench: 'rpc' },
  { key: 'rpc-ws-64', label: 'WebSocket calls/s, 64 in flight', unit: '/s', bench: 'rpc' },
  { key: 'rpc-ipc-seq', label: 'IPC calls/s, sequential', unit: '/s', bench: 'rpc' },
  { key: 'rpc-ipc-64', label: 'IPC calls/s, 64 in flight', unit: '/s', bench: 'rpc' },
  {
    key: 'rpc-ws-conn-rss',
    label: 'RSS per idle WebSocket connection (lower is better)',
    unit: 'bytes',
    bench: 'rpc',
  },
  {
    key: 'rpc-ws-conn-heap',
    label: 'JS heap + external per idle WebSocket connection (lower is better)',
    unit: 'bytes',
    bench: 'rpc',
  },
] as const

export type RowKey = (typeof SUMMARY_ROWS)[number]['key'] | (typeof RPC_SUMMARY_ROWS)[number]['key']

/** What one bench writes. */
export interface BenchResults {
  /** The bench: `p2p`, `rlpx`, `rpc`. */
  bench: string
  /** ISO time the figures were written. */
  timestamp: string
  /** `git rev-parse HEAD`, `+dirty` appended when the work tree had changes. */
  commit: string
  /** BENCH_MS, peers, quick mode, …: what the figures were taken with. */
  settings: Record<string, string | number | boolean>
  rows: Partial<Record<RowKey, RowFigures>>
}

/** The repository's root: the directory above `from` holding pnpm-workspace.yaml. */
export function repoRoot(from: string = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    if (dirname(dir) === dir) return resolve(from)
  }
}

export const resultsDir = (root: string = repoRoot()) => join(root, '.bench')

function gitCommit(root: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  try {
    const head = git('rev-parse', '--short=12', 'HEAD').trim()
    const dirty = git('status', '--porcelain', '--untracked-files=no').trim() !== ''
    return dirty ? `${head}+dirty` : head
  } catch {
    return 'unknown'
  }
}

/** Writes `.bench/<bench>.json` at the repository's root; returns its path. */
export function writeBenchResults(
  bench: string,
  settings: BenchResults['settings'],
  rows: BenchResults['rows'],
): string {
  const root = repoRoot()
  const dir = resultsDir(root)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${bench}.json`)
  const results: BenchResults = {
    bench,
    timestamp: new Date().toISOString(),
    commit: gitCommit(root),
    settings,
    rows,
  }
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  return file
}

/** Every results file in `.bench/`, by bench name (unreadable files are skipped). */
export function readBenchResults(root: string = repoRoot()): Map<string, BenchResults> {
  const dir = resultsDir(root)
  const out = new Map<string, BenchResults>()
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as BenchResults
      if (typeof r.bench === 'string' && r.rows !== null && typeof r.rows === 'object') {
        out.set(r.bench, r)
      }
    } catch {
      // a half-written or foreign file: its rows print as missing
    }
  }
  return out
}

/** The geth figures of a bench's columns: GOMAXPROCS=1 as geth1, any other as gethAll. */
export function gethFigures<C extends { readonly report: { readonly gomaxprocs: number } }>(
  columns: readonly C[],
  pick: (column: C) => number | undefined,
): Pick<RowFigures, 'geth1' | 'gethAll' | 'gethAllProcs'> {
  const out: Pick<RowFigures, 'geth1' | 'gethAll' | 'gethAllProcs'> = {}
  for (const c of columns) {
    const v = pick(c)
    if (v === undefined) continue
    if (c.report.gomaxprocs === 1) out.geth1 = v
    else {
      out.gethAll = v
      out.gethAllProcs = c.report.gomaxprocs
    }
  }
  return out
}
