/**
 * RLPx benchmarks, ours beside @ethereumjs/devp2p's RLPx in the same run, each with the
 * floor the primitives set:
 * - handshakes per second (handshake and Hello exchange, both ends in this process over
 *   loopback TCP, sequential connects, close);
 * - throughput over one connection for 64 B … 1 MiB messages, snappy off and on;
 * - heap per idle connection with 500 connections;
 * - the floors: every primitive operation one handshake or one frame needs, each
 *   measured alone here, and the distance of every figure to them;
 * - go-ethereum's p2p/rlpx, the same cases (interop/geth/cmd/gethbench, built with
 *   `go build` when its sources changed, each case run in its own process right after
 *   ours and theirs, GOMAXPROCS=1, then on every core (BENCH_GETH_ALL_CORES=0 leaves
 *   that run out); skipped with one line without `go`), in ours ÷ geth columns.
 *
 * Every figure is measured in a fresh child process (this file, run with
 * RLPX_BENCH_CASE set), after a warm-up, so that neither implementation inherits the
 * other's heap, timers or JIT state. Each of our figures with a floor is the median of
 * three such processes, with the range of their distances printed beside it.
 *
 * Run: npx pnpm --filter @devp2p/rlpx bench   (builds the package and its dependencies,
 * then runs `tsx --expose-gc bench/index.ts`: the code measured is the build, dist/, as
 * it ships; only this file and cases.ts are run from TypeScript)
 * Optional argument: handshakes per timed run (default 1000, 200 quick; three runs, after a
 * warm-up). `npx pnpm --filter @devp2p/rlpx bench 300 --profile /tmp/rlpx-prof` passes it.
 *
 * BENCH_QUICK=1: only what the summary table of `npx pnpm bench` needs, in about a minute
 * and a half: one process per figure instead of three, 200 handshakes per timed run,
 * throughput of 1 KiB and 16 KiB messages with snappy on, no memory figure.
 * `--profile [dir]` (default <repo>/.bench/profiles/rlpx): every child process runs with
 * node's --cpu-prof and leaves `<case>-<args>.cpuprofile` there (the whole process:
 * warm-up and floor measurements included).
 *
 * The summary's RLPx rows (handshakes; 1 KiB and 16 KiB with snappy on) go to
 * <repo>/.bench/rlpx.json (scripts/bench-summary.ts).
 */
import { fork } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cryptoBackends } from '@devp2p/crypto'
import { type GethColumn, gethAllCoresFromEnv, openGethBench } from '@devp2p/testing'
import {
  type BenchResults,
  gethFigures,
  repoRoot,
  resultsDir,
  writeBenchResults,
} from '../../../scripts/bench-results.js'
import { benchCases } from './cases.js'

type Cases = typeof benchCases
type CaseName = keyof Cases

const CASE_ENV = 'RLPX_BENCH_CASE'

/** Only the summary's figures, one process each (BENCH_QUICK=1; see the header). */
const QUICK = process.env.BENCH_QUICK === '1'

/** Fresh processes per figure of ours that has a floor (see {@link medianOfProcesses}). */
const PROCESSES = QUICK ? 1 : 3

/** `--profile [dir]`: where each child's --cpu-prof profile goes (undefined: none). */
const PROFILE_DIR = (() => {
  const i = process.argv.indexOf('--profile')
  if (i === -1) return undefined
  const next = process.argv[i + 1]
  return next === undefined || next.startsWith('--')
    ? join(resultsDir(repoRoot()), 'profiles', 'rlpx')
    : resolve(next)
})()

/** A distance and the spread over the processes: `1.44× (1.40–1.47)`. */
const distanceText = (r: { distance: number; spread: [number, number] }): string =>
  `${r.distance.toFixed(2)}× (${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)})`

if (process.env[CASE_ENV] !== undefined) {
  // a child: run one case and report its result to the parent
  const { name, args } = JSON.parse(process.env[CASE_ENV]) as { name: CaseName; args: unknown[] }
  const f = benchCases[name] as (...a: unknown[]) => unknown
  const result = await f(...args)
  process.send!(result, () => process.exit(0))
} else {
  await main()
}

/** Runs `cases[name](...args)` in a fresh child process and returns its result. */
function inChild<N extends CaseName>(
  name: N,
  ...args: Parameters<Cases[N]>
): Promise<Awaited<ReturnType<Cases[N]>>> {
  return new Promise((resolve, reject) => {
    const profile =
      PROFILE_DIR === undefined
        ? []
        : [
            '--cpu-prof',
            '--cpu-prof-dir',
            PROFILE_DIR,
            '--cpu-prof-name',
            `${[name, ...args].join('-')}-${Date.now()}.cpuprofile`,
          ]
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CASE_ENV]: JSON.stringify({ name, args }) },
      execArgv: [...process.execArgv, ...profile],
    })
    let result: unknown
    let got = false
    child.once('message', (m) => {
      result = m
      got = true
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (got) resolve(result as Awaited<ReturnType<Cases[N]>>)
      else reject(new Error(`bench case ${name}(${args.join(', ')}) exited with ${code}`))
    })
  })
}

/**
 * Runs one of our cases in {@link PROCESSES} fresh processes, one after another, and
 * returns the run whose distance to the floor is the median, with the lowest and highest
 * distance. One process's figure can sit a few per cent above or below another's for the
 * same code (its JIT and memory layout), more than its own timed rounds differ, so the
 * median process is the figure, and the spread is printed beside it.
 */
async function medianOfProcesses<N extends 'oursHandshakes' | 'oursThroughput'>(
  name: N,
  ...args: Parameters<Cases[N]>
): Promise<Awaited<ReturnType<Cases[N]>> & { spread: [number, number] }> {
  const runs: Awaited<ReturnType<Cases[N]>>[] = []
  for (let i = 0; i < PROCESSES; i++) runs.push(await inChild(name, ...args))
  runs.sort((a, b) => a.distance - b.distance)
  const middle = runs[(PROCESSES - 1) / 2]!
  return { ...middle, spread: [runs[0]!.distance, runs[PROCESSES - 1]!.distance] }
}

async function main(): Promise<void> {
  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })
  const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`
  const sizeName = (size: number) =>
    size >= 1024 * 1024
      ? `${size / 1024 / 1024} MiB`
      : size >= 1024
        ? `${size / 1024} KiB`
        : `${size} B`

  const processesText = PROCESSES === 1 ? 'one process' : `the median of ${PROCESSES} processes`
  const positional = process.argv.slice(2).find((a) => /^\d+$/.test(a))
  const N = Number(positional ?? (QUICK ? 200 : 1000))
  if (QUICK) console.log('BENCH_QUICK=1: only the figures of the summary table, one process each')
  if (PROFILE_DIR !== undefined) console.log(`CPU profiles of every child: ${PROFILE_DIR}`)
  const backends = cryptoBackends()
  console.log(
    `crypto backends: secp256k1 ${backends.secp256k1}, keccak ${backends.keccak}, aes ${backends.aes}`,
  )
  // The packages as they ship: tsc's dist, not tsx's transform of the sources, which
  // wraps every closure it creates in a __name() call (esbuild's keepNames).
  const measured = fileURLToPath(import.meta.resolve('@devp2p/rlpx'))
  console.log(`measuring ${measured}`)
  if (!measured.includes('/dist/')) {
    console.log('  (not the build: run through `pnpm bench`, which builds first, for figures)')
  }
  const CONNS = 500
  // each case of geth right after ours and theirs, alone: never beside one of our children
  const geth = await openGethBench({
    handshakes: N,
    conns: CONNS,
    log: console.log,
  })
  /** The summary's rows, written to .bench/rlpx.json at the end. */
  const summary: BenchResults['rows'] = {}
  const gethTag = (c: GethColumn) =>
    c.report.gomaxprocs === 1 ? 'geth' : `geth ${c.report.gomaxprocs} cores`

  // ------------------------------------------------------------ handshakes
  const tcpRate = await inChild('tcpOnly', N)
  const ours = await medianOfProcesses('oursHandshakes', N)
  const { floor, rate: oursHs } = ours
  const hsFloor = 1e6 / floor.total
  const theirHs = await inChild('theirHandshakes', Math.max(10, Math.round(N / 40)))
  const gethHsColumns = await geth.run(['handshakes'])
  const gethHs = gethHsColumns.flatMap((c) => {
    const rate = c.report.rlpx?.handshakesPerSec
    return rate === undefined ? [] : [{ c, rate }]
  })
  summary['rlpx-handshakes'] = {
    ours: oursHs,
    ejs: theirHs,
    ...gethFigures(gethHsColumns, (c) => c.report.rlpx?.handshakesPerSec),
  }
  for (const { c } of gethHs) console.log(`${c.label}: ${c.report.notes.join('; ')}`)
  console.log('\nPrimitive costs (median µs per operation, measured alone, in steady state)')
  console.table([
    {
      ECDH: floor.ecdh.toFixed(1),
      'public key': floor.publicKey.toFixed(1),
      'random key': floor.randomKey.toFixed(2),
      sign: floor.sign.toFixed(1),
      recover: floor.recover.toFixed(1),
      'keccak256 32 B': floor.keccak32.toFixed(2),
      'ECIES AES+HMAC+KDF': floor.eciesSymmetric.toFixed(1),
    },
  ])
  console.log(
    '\nHandshake + Hello exchange, both ends in one process, sequential TCP connects, close;' +
      "\nthe floor is measured before each of three timed runs, and a process's distance is" +
      `\nthe median of its three ratios; the figures are those of ${processesText}` +
      '\n(when more than one, with the lowest and highest distance in brackets)\n' +
      '(floor: 8 ECDH + 3 public keys + 8 random draws + sign + recover + 4 × ECIES symmetric\n' +
      ` + secrets keccak ${fmt(floor.secrets, 1)} µs + frame cipher keys ${fmt(floor.frameKeys, 1)} µs` +
      `\n + 2 Hello frames ${fmt(floor.hellos, 1)} µs` +
      ` = ${fmt(floor.total)} µs → ${fmt(hsFloor)}/s;\n` +
      ` the same exchanges over TCP without any crypto: ${fmt(tcpRate)}/s = ${fmt(1e6 / tcpRate)} µs;\n` +
      ` floor + that I/O: ${fmt(1e6 / (floor.total + 1e6 / tcpRate))}/s)`,
  )
  console.table([
    {
      impl: '@devp2p/rlpx',
      'handshakes/s': fmt(oursHs),
      'µs each': fmt(1e6 / oursHs),
      'vs theirs': ratio(oursHs, theirHs),
      ...Object.fromEntries(gethHs.map(({ c, rate }) => [`vs ${gethTag(c)}`, ratio(oursHs, rate)])),
      'distance to floor': distanceText(ours),
    },
    {
      impl: '@ethereumjs/devp2p',
      'handshakes/s': fmt(theirHs),
      'µs each': fmt(1e6 / theirHs),
      'vs theirs': '',
      'distance to floor': ratio(hsFloor, theirHs),
    },
    ...gethHs.map(({ c, rate }) => ({
      impl: c.label,
      'handshakes/s': fmt(rate),
      'µs each': fmt(1e6 / rate),
      'vs theirs': '',
      'distance to floor': ratio(hsFloor, rate),
    })),
  ])

  // ------------------------------------------------------------ throughput
  const rows = []
  const sizes = QUICK ? [1024, 16 * 1024] : [64, 1024, 16 * 1024, 1024 * 1024]
  for (const size of sizes) {
    const theirs = await inChild('theirThroughput', size)
    const gethFrames = await geth.run(['frames'], [size])
    for (const snappy of QUICK ? [true] : [false, true]) {
      const r = await medianOfProcesses('oursThroughput', size, snappy)
      if (snappy && (size === 1024 || size === 16 * 1024)) {
        // the summary's 1 KiB row is in messages/s, its 16 KiB row in MB/s (10^6 bytes)
        const unit = size === 1024 ? 1 : size / 1e6
        summary[size === 1024 ? 'rlpx-1k-msgs' : 'rlpx-16k-mbs'] = {
          ours: r.msgs * unit,
          ejs: theirs.msgs * unit,
          ...gethFigures(gethFrames, (c) => {
            const g = c.report.rlpx?.throughput?.find((t) => t.snappy)
            return g === undefined ? undefined : g.msgsPerSec * unit
          }),
        }
      }
      const floorMbs = size / r.floorUs
      rows.push({
        size: sizeName(size),
        snappy,
        'msgs/s': fmt(r.msgs),
        'MB/s': fmt(r.mbs, 1),
        'floor MB/s': fmt(floorMbs, 1),
        'distance to floor': distanceText(r),
        'theirs msgs/s': snappy ? fmt(theirs.msgs) : '',
        'theirs MB/s': snappy ? fmt(theirs.mbs, 1) : '',
        'ours ÷ theirs': snappy ? ratio(r.mbs, theirs.mbs) : '',
        ...Object.fromEntries(
          gethFrames.flatMap((c) => {
            const g = c.report.rlpx?.throughput?.find((t) => t.snappy === snappy)
            if (g === undefined) return []
            const tag = gethTag(c)
            const figures = c === gethFrames[0] ? [[`${tag} MB/s`, fmt(g.mbPerSec, 1)]] : []
            return [...figures, [`ours ÷ ${tag}`, ratio(r.mbs, g.mbPerSec)]]
          }),
        ),
      })
    }
  }
  console.log(
    '\nOne TCP connection, writer and reader in one process, messages back to back; the floor' +
      '\nis measured before each of three timed runs, the distance is the median ratio, and the' +
      `\nfigures are those of ${processesText} (distances' range in brackets).` +
      '\nFloor:' +
      '\nevery AES call, keccak absorb and digest the frame needs on both ends, measured alone' +
      '\n(with snappy: of the compressed frame, plus compressing and decompressing). Their' +
      '\nPeers always negotiate snappy, so theirs is only beside ours with snappy on. geth runs' +
      '\nthe same cases with p2p/rlpx (a writer and a reader goroutine, snappy off and on).',
  )
  console.table(rows)
  const resultsFile = writeBenchResults(
    'rlpx',
    {
      handshakes: N,
      processes: PROCESSES,
      quick: QUICK,
      gethAllCores: gethAllCoresFromEnv(),
      measured: measured.includes('/dist/') ? 'dist' : 'sources',
      profiled: PROFILE_DIR !== undefined,
    },
    summary,
  )
  console.log(`\nfigures for the summary table: ${resultsFile}`)
  if (QUICK) return

  // ------------------------------------------------------------ memory
  const oursMem = await inChild('oursHeap', CONNS)
  const theirMem = await inChild('theirHeap', CONNS)
  const gethMem = (await geth.run(['connmem'])).flatMap((c) => {
    const m = c.report.rlpx?.memory
    return m === undefined ? [] : [{ c, m }]
  })
  const kib = (n: number) => `${fmt(n / 1024, 1)} KiB`
  console.log(
    `\nMemory per idle connection (both ends, after Hello), ${CONNS} connections open, after gc`,
  )
  console.table([
    {
      impl: '@devp2p/rlpx',
      heapUsed: kib(oursMem.heap),
      external: kib(oursMem.external),
      total: kib(oursMem.heap + oursMem.external),
      'vs theirs': ratio(oursMem.heap + oursMem.external, theirMem.heap + theirMem.external),
      ...Object.fromEntries(
        gethMem.map(({ c, m }) => [
          `vs ${gethTag(c)}`,
          ratio(oursMem.heap + oursMem.external, m.totalBytes),
        ]),
      ),
    },
    {
      impl: '@ethereumjs/devp2p',
      heapUsed: kib(theirMem.heap),
      external: kib(theirMem.external),
      total: kib(theirMem.heap + theirMem.external),
      'vs theirs': '',
    },
    ...gethMem.map(({ c, m }) => ({
      impl: c.label,
      heapUsed: kib(m.heapBytes),
      external: `${kib(m.stackBytes)} stacks`,
      total: kib(m.totalBytes),
      'vs theirs': '',
    })),
  ])
}
