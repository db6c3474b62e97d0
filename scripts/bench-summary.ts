/**
 * Prints the summary tables of `npx pnpm bench`: every row of issue #21's table, ours
 * beside @ethereumjs/devp2p and go-ethereum (GOMAXPROCS=1 and the default, every core),
 * then the rpc bench's (issue #17: ours beside jayson, json-rpc-2.0 and geth's
 * rpc.Server), from the `.bench/*.json` files the p2p, rlpx and rpc benches write (see
 * bench-results.ts).
 *
 * Run: npx pnpm bench:summary   (tsx scripts/bench-summary.ts [--since <epoch ms>])
 * `--since` (scripts/bench.ts passes the time its run started) marks the figures of a
 * file written before it as coming from an earlier run. A row whose bench did not run
 * prints as missing, never as zero.
 */
import { pathToFileURL } from 'node:url'
import {
  type BenchResults,
  type RowFigures,
  RPC_SUMMARY_ROWS,
  readBenchResults,
  repoRoot,
  SUMMARY_ROWS,
} from './bench-results.ts'

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })
const num = (n: number) => (n >= 100 ? fmt(n) : n >= 10 ? fmt(n, 1) : fmt(n, 2))
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`

const cellOf =
  (memory: boolean) =>
  (v: number | undefined, absent = 'missing') =>
    v === undefined ? absent : memory ? `${fmt(v / 1024, 1)} KiB` : num(v)

/** The rpc bench's table (also printed by packages/rpc/bench), from its results file. */
export function rpcTableLines(r: BenchResults | undefined): string[] {
  const procs = Object.values(r?.rows ?? {}).find((f) => f?.gethAllProcs)?.gethAllProcs
  const all = `GOMAXPROCS=${procs ?? 'default'}`
  const lines = [
    "## @devp2p/rpc beside jayson, json-rpc-2.0 and go-ethereum's rpc.Server (issue #17)",
    '',
    `| figure | ours | jayson | json-rpc-2.0 | geth GOMAXPROCS=1 | geth ${all} | ours ÷ jayson | ours ÷ json-rpc-2.0 | ours ÷ geth (1 core) | ours ÷ geth (default) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const notes: string[] = []
  for (const row of RPC_SUMMARY_ROWS) {
    const f = r?.rows[row.key]
    if (f?.note !== undefined) notes.push(`${row.label}: ${f.note}`)
    if (f === undefined) {
      const why = r === undefined ? 'rpc bench did not run' : 'not measured'
      lines.push(`| ${row.label} | missing (${why}) | | | | | | | | |`)
      continue
    }
    const cell = cellOf(row.unit === 'bytes')
    const geth = row.key === 'rpc-ws-conn-heap' ? 'n/a' : undefined // Go has no JS heap
    const gethAllAbsent = r?.settings.gethAllCores === false ? 'off' : 'missing'
    lines.push(
      `| ${row.label} | ${cell(f.ours)} | ${cell(f.jayson)} | ${cell(f.jsonRpc2)}` +
        ` | ${geth ?? cell(f.geth1)} | ${geth ?? cell(f.gethAll, gethAllAbsent)}` +
        ` | ${ratio(f.ours, f.jayson)} | ${ratio(f.ours, f.jsonRpc2)}` +
        ` | ${ratio(f.ours, f.geth1)} | ${ratio(f.ours, f.gethAll)} |`,
    )
  }
  lines.push('')
  lines.push(
    'Calls of `foo_getNumber` (→ 42) from a load generator in another process; each server' +
      ' in its own process. Rates: above 1× means ours is faster; memory: below 1× means' +
      ' ours is smaller.',
  )
  for (const note of notes) lines.push(`- ${note}`)
  if (r?.settings.missing) lines.push(`- missing: ${r.settings.missing}`)
  return lines
}

/** The summary as lines of Markdown. */
export function summaryLines(results: Map<string, BenchResults>, since?: number): string[] {
  const lines: string[] = []
  let gethProcs: number | undefined
  for (const r of results.values()) {
    for (const f of Object.values(r.rows)) gethProcs ??= f?.gethAllProcs
  }
  const allTitle = `geth GOMAXPROCS=${gethProcs ?? 'default'}`
  lines.push('## devp2p-ts beside @ethereumjs/devp2p and go-ethereum (the issue #21 table)', '')
  lines.push(
    `| figure | ours | ejs | geth GOMAXPROCS=1 | ${allTitle} | ours ÷ geth (1 core) | ours ÷ geth (default) | ours ÷ ejs |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  const notes: string[] = []
  for (const row of SUMMARY_ROWS) {
    const r = results.get(row.bench)
    const f: RowFigures | undefined = r?.rows[row.key]
    if (f === undefined) {
      const why = r === undefined ? `${row.bench} bench did not run` : 'not measured'
      lines.push(`| ${row.label} | missing (${why}) | | | | | | |`)
      continue
    }
    const cell = cellOf(row.unit === 'bytes')
    const gethAllAbsent = r?.settings.gethAllCores === false ? 'off' : 'missing'
    lines.push(
      `| ${row.label} | ${cell(f.ours)} | ${cell(f.ejs)} | ${cell(f.geth1)} | ${cell(f.gethAll, gethAllAbsent)}` +
        ` | ${ratio(f.ours, f.geth1)} | ${ratio(f.ours, f.gethAll)} | ${ratio(f.ours, f.ejs)} |`,
    )
    if (f.note !== undefined) notes.push(`${row.label}: ${f.note}`)
  }
  lines.push('')
  lines.push(
    'Rates: above 1× means ours is faster. Memory: lower is better, below 1× means ours is' +
      ' smaller. "off": BENCH_GETH_ALL_CORES=0; "missing": that bench or implementation did' +
      ' not run (no Go: no geth columns).',
  )
  for (const note of notes) lines.push(`- ${note}`)
  lines.push('', ...rpcTableLines(results.get('rpc')), '')
  const commits = new Set<string>()
  for (const r of results.values()) {
    commits.add(r.commit)
    const settings = Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')
    const stale =
      since !== undefined && Date.parse(r.timestamp) < since ? ' — FROM AN EARLIER RUN' : ''
    lines.push(`- ${r.bench} bench: ${r.timestamp}, commit ${r.commit}, ${settings}${stale}`)
  }
  if (results.size === 0) lines.push('- no results in .bench/: run `npx pnpm bench` first')
  if (commits.size > 1) lines.push('- the figures come from different commits')
  return lines
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--since')
  const since = i === -1 ? undefined : Number(process.argv[i + 1])
  console.log(`\n${summaryLines(readBenchResults(repoRoot()), since).join('\n')}`)
}
