/**
 * A small benchmark harness: it measures operations per second in batches (so the
 * timer's own cost does not dominate sub-microsecond operations), takes the median of
 * several rounds, and prints our implementation beside the others with the ratio.
 *
 * Benchmarks are never part of `pnpm test`; they print figures and assert nothing.
 */

export type BenchFn = () => unknown

/** One implementation of one operation. */
export interface BenchEntry {
  /** Who this is: `ours (native)`, `@ethereumjs/rlp`, ... */
  readonly label: string
  readonly fn: BenchFn
  /** Bytes processed per call, to print MB/s as well. */
  readonly bytes?: number
  /** Whether `fn` returns a promise that must be awaited. */
  readonly async?: boolean
}

/** One operation, measured for every implementation; the first entry is ours. */
export interface BenchRow {
  readonly op: string
  readonly entries: readonly BenchEntry[]
}

export interface BenchOptions {
  /** Time per round in milliseconds (default 300, or BENCH_MS from the command line). */
  readonly roundMs?: number
  /** Rounds per entry; the median is reported (default 5). */
  readonly rounds?: number
}

export interface BenchResult {
  readonly op: string
  readonly label: string
  readonly opsPerSec: number
  readonly mbPerSec?: number
}

async function runBatch(entry: BenchEntry, n: number): Promise<number> {
  const start = process.hrtime.bigint()
  if (entry.async) {
    for (let i = 0; i < n; i++) await entry.fn()
  } else {
    for (let i = 0; i < n; i++) entry.fn()
  }
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** Measures `entry` and returns its median throughput in operations per second. */
export async function measure(entry: BenchEntry, options: BenchOptions = {}): Promise<number> {
  const roundMs = options.roundMs ?? 300
  const rounds = options.rounds ?? 5
  // Warm up and calibrate: grow the batch until one batch takes about 20 ms.
  let batch = 1
  for (;;) {
    const ms = await runBatch(entry, batch)
    if (ms >= 20 || batch >= 1 << 24) break
    batch = ms < 1 ? batch * 16 : Math.ceil((batch * 20) / ms)
  }
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    let ops = 0
    let ms = 0
    while (ms < roundMs) {
      ms += await runBatch(entry, batch)
      ops += batch
    }
    samples.push((ops * 1000) / ms)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US')
  if (n >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

/**
 * Measures every row and prints a table: ops/s, MB/s where bytes are given, and for
 * each other implementation the ratio ours ÷ theirs (above 1 means we are faster).
 */
export async function runComparison(
  title: string,
  rows: readonly BenchRow[],
  options: BenchOptions = {},
): Promise<BenchResult[]> {
  const envMs = Number(process.env.BENCH_MS)
  const opts: BenchOptions = {
    ...options,
    roundMs: options.roundMs ?? (Number.isFinite(envMs) && envMs > 0 ? envMs : undefined),
  }
  const results: BenchResult[] = []
  console.log(`\n## ${title}\n`)
  console.log(
    `| operation | implementation | ops/s | MB/s | ours ÷ this |\n| --- | --- | ---: | ---: | ---: |`,
  )
  for (const row of rows) {
    let ours: number | undefined
    for (const entry of row.entries) {
      const opsPerSec = await measure(entry, opts)
      ours ??= opsPerSec
      const mbPerSec = entry.bytes === undefined ? undefined : (opsPerSec * entry.bytes) / 1e6
      results.push({ op: row.op, label: entry.label, opsPerSec, mbPerSec })
      const ratio =
        ours === opsPerSec && row.entries[0] === entry ? '—' : `${fmt(ours / opsPerSec)}×`
      console.log(
        `| ${row.op} | ${entry.label} | ${fmt(opsPerSec)} | ${mbPerSec === undefined ? '' : fmt(mbPerSec)} | ${ratio} |`,
      )
    }
  }
  return results
}
