/**
 * The rpc bench (issue #17): calls per second of a trivial method (`foo_getNumber` → 42)
 * over HTTP keep-alive, WebSocket and IPC, sequential and with 64 in flight, and memory per
 * idle WebSocket connection; ours (`RpcServer` with `HttpRpcServer`, `WsRpcServer`,
 * `IpcRpcServer`) beside jayson, json-rpc-2.0 and go-ethereum's rpc.Server, in one run.
 *
 * Every server runs in a process of its own (bench/server.ts for the Node ones,
 * interop/geth's `rpcpeer serve` for geth), and the load comes from one more
 * process (bench/load.ts, calling through bench/callers.ts), the same code for every server and none of ours: HTTP/1.1
 * keep-alive POSTs on node:net sockets, the `ws` package, node:net. Per server: memory first, on the fresh
 * process (16 connections opened and closed to warm up, then RSS, and for Node the JS heap
 * + external after gc, before and after opening BENCH_WS_CONNS connections that each make
 * one call and stay idle, divided by their count; geth: VmRSS from /proc), then for each
 * transport the sequential and the 64-in-flight rate of every server in turn (all servers
 * are started first and idle between turns, so the figures of one row are taken within
 * seconds of each other): a warm-up, then the median of the rounds' rates. With 64 in
 * flight, HTTP uses 64 keep-alive connections; WebSocket and IPC carry all 64 on one
 * connection.
 *
 * Run: cd packages/rpc && npx pnpm bench   (part of `npx pnpm bench` at the root; builds
 * the package first: ours is measured as it ships, from dist/)
 * BENCH_MS: time per round (default 1000 ms), BENCH_ROUNDS: rounds per figure, the median
 * reported (default 3; 1 with BENCH_QUICK=1), BENCH_WARMUP_MS (default 1000 ms) before a
 * figure's rounds, BENCH_WS_CONNS (default 1000),
 * BENCH_RPC_SERVERS (a comma list of ours, jayson, json-rpc-2.0, geth; default all),
 * BENCH_GETH_ALL_CORES=0 (no geth column on every core), BENCH_RPCPEER=<path> (that
 * rpcpeer binary instead of building interop/geth's).
 * Prints a table (ours ÷ each) and writes <repo>/.bench/rpc.json for the summary of
 * `npx pnpm bench` (scripts/bench-summary.ts).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gethAllCoresFromEnv } from '@devp2p/testing'
import {
  type RowFigures,
  type RowKey,
  readBenchResults,
  repoRoot,
  writeBenchResults,
} from '../../../scripts/bench-results.ts'
import { rpcTableLines } from '../../../scripts/bench-summary.ts'
import { findRpcpeer, rssOf, startGeth } from './geth.ts'
import {
  type Endpoints,
  type LoadOrder,
  type LoadReply,
  type ServerMemory,
  type ServerReady,
  TRANSPORTS,
  type Transport,
} from './messages.ts'

const envNumber = (name: string, fallback: number): number => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}
const MS = envNumber('BENCH_MS', 1000)
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', process.env.BENCH_QUICK === '1' ? 1 : 3))
const WARMUP_MS = envNumber('BENCH_WARMUP_MS', 1000)
const WS_CONNS = Math.round(envNumber('BENCH_WS_CONNS', 1000))
const INFLIGHT = 64
/** Connections opened and closed before the memory figure, so first-use costs are paid. */
const WARM_CONNS = 16
const SERVERS = (process.env.BENCH_RPC_SERVERS ?? 'ours,jayson,json-rpc-2.0,geth')
  .split(',')
  .map((s) => s.trim())

type Column = 'ours' | 'jayson' | 'jsonRpc2' | 'geth1' | 'gethAll'
type Figures = Partial<Record<RowKey, number>>

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Load generator CPU (in cores) from which a rate is noted as bounded by the load. */
const SATURATED_CPU = 0.9
/** Per row, the servers whose figure the load generator may have capped. */
const saturated = new Map<RowKey, string[]>()

/** A server being measured: where it listens and how to read its memory. */
interface Running {
  readonly endpoints: Endpoints
  memory(): Promise<{ rss: number; heap?: number }>
  stop(): Promise<void>
}

// ---------------------------------------------------------------- children

/** The next message a child sends. */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited (${code})`))
    child.once('exit', onExit)
    child.once('message', (m) => {
      child.off('exit', onExit)
      resolve(m as T)
    })
  })
}

function forkChild(script: string, args: string[]): ChildProcess {
  const execArgv = process.execArgv.includes('--expose-gc')
    ? process.execArgv
    : [...process.execArgv, '--expose-gc']
  return fork(new URL(script, import.meta.url), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.disconnect()
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** A Node server (bench/server.ts), or why it is missing. */
async function startNode(kind: string, ipcPath: string): Promise<Running | string> {
  const child = forkChild('./server.ts', [kind, ipcPath])
  const ready = await nextMessage<ServerReady>(child).catch(
    (e: Error): ServerReady => ({ type: 'missing', reason: e.message }),
  )
  if (ready.type === 'missing') {
    await endChild(child)
    return ready.reason
  }
  return {
    endpoints: ready.endpoints,
    async memory() {
      const reply = nextMessage<ServerMemory>(child)
      child.send({ type: 'memory' })
      const m = await reply
      return { rss: m.rss, heap: m.heapUsed + m.external }
    },
    stop: () => endChild(child),
  }
}

let load: ChildProcess | undefined

async function order(o: LoadOrder): Promise<LoadReply> {
  load ??= forkChild('./load.ts', [])
  const reply = nextMessage<LoadReply>(load)
  load.send(o)
  return reply
}

// ---------------------------------------------------------------- measuring

const log = (line: string) => console.log(line)

async function measureMemory(label: string, server: Running): Promise<Figures> {
  const url = server.endpoints.ws
  if (url === undefined) return {}
  await order({ type: 'idle', url, count: WARM_CONNS })
  await order({ type: 'close-idle' })
  const before = await server.memory()
  const opened = await order({ type: 'idle', url, count: WS_CONNS })
  const after = await server.memory()
  await order({ type: 'close-idle' })
  if (opened.type !== 'idle' || opened.opened === 0) {
    log(`  ${label} idle WebSocket connections failed: ${JSON.stringify(opened)}`)
    return {}
  }
  if (opened.errors > 0)
    log(`  ${label}: ${opened.errors} connections failed (${opened.firstError})`)
  const out: Figures = { 'rpc-ws-conn-rss': (after.rss - before.rss) / opened.opened }
  if (after.heap !== undefined && before.heap !== undefined) {
    out['rpc-ws-conn-heap'] = (after.heap - before.heap) / opened.opened
  }
  const heap = out['rpc-ws-conn-heap']
  log(
    `  ${label} (${opened.opened}): RSS ${fmt(out['rpc-ws-conn-rss']!)} B` +
      (heap === undefined ? '' : `, heap + external ${fmt(heap)} B`),
  )
  return out
}

/** A server of the run, started (or missing, with the reason). */
interface Contender {
  readonly column: Column
  readonly label: string
  readonly server: Running | string
  readonly figures: Figures
}

/** One rate figure of one server, into its figures. */
async function measureRate(
  c: Contender & { server: Running },
  transport: Transport,
  inflight: number,
) {
  const url = c.server.endpoints[transport]
  if (url === undefined) return
  const reply = await order({
    type: 'rate',
    transport,
    url,
    inflight,
    warmupMs: WARMUP_MS,
    ms: MS,
    rounds: ROUNDS,
  })
  if (reply.type !== 'rate' || reply.errors > 0) {
    const why = reply.type === 'rate' ? `${reply.errors} errors, ${reply.firstError}` : ''
    log(`  ${c.label}: failed (${reply.type === 'failed' ? reply.error : why})`)
    return
  }
  const key = `rpc-${transport}-${inflight === 1 ? 'seq' : '64'}` as RowKey
  c.figures[key] = reply.callsPerSec
  if (reply.loadCpu >= SATURATED_CPU) saturated.set(key, [...(saturated.get(key) ?? []), c.label])
  const cpu = Math.round(reply.loadCpu * 100)
  const rounds = reply.rounds.map(fmt).join(', ')
  log(
    `  ${c.label}: ${fmt(reply.callsPerSec)} calls/s (rounds ${rounds}; load generator at ${cpu}% CPU)`,
  )
}

async function startContender(
  column: Column,
  label: string,
  start: () => Promise<Running | string>,
): Promise<Contender> {
  let server: Running | string
  try {
    server = await start()
  } catch (e) {
    server = (e as Error).message
  }
  if (typeof server === 'string') log(`${label}: missing (${server})`)
  return { column, label, server, figures: {} }
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-bench-'))
  const gethAll = gethAllCoresFromEnv()
  const gethProcs = availableParallelism()
  const contenders: Contender[] = []
  log(
    `rpc bench: the median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${MS} ms per figure after ${WARMUP_MS} ms of warm-up, ` +
      `${INFLIGHT} in flight, ${WS_CONNS} idle WebSocket connections\n`,
  )
  try {
    // every server starts first and idles while the others are measured, so each figure
    // is taken of every server within seconds (the machine's speed drifts within minutes)
    const nodes = [
      ['ours', 'ours'],
      ['jayson', 'jayson'],
      ['json-rpc-2.0', 'jsonRpc2'],
    ] as const
    for (const [kind, column] of nodes) {
      if (!SERVERS.includes(kind)) continue
      const ipc = join(dir, `${kind}.ipc`)
      contenders.push(await startContender(column, kind, () => startNode(kind, ipc)))
    }
    if (SERVERS.includes('geth')) {
      const found = await findRpcpeer()
      for (const procs of gethAll ? [1, 0] : [1]) {
        const label = `geth GOMAXPROCS=${procs || gethProcs}`
        const start = async (): Promise<Running | string> => {
          if ('missing' in found) return found.missing
          const geth = await startGeth(found.binary, join(dir, `geth-${procs}.ipc`), procs)
          const memory = async () => {
            await new Promise((resolve) => setTimeout(resolve, 100))
            return { rss: rssOf(geth.pid) ?? Number.NaN }
          }
          return { endpoints: geth.endpoints, memory, stop: geth.stop }
        }
        contenders.push(await startContender(procs === 1 ? 'geth1' : 'gethAll', label, start))
      }
    }
    const running = contenders.filter(
      (c): c is Contender & { server: Running } => typeof c.server !== 'string',
    )
    log('\nmemory per idle WebSocket connection (each server fresh):')
    for (const c of running) Object.assign(c.figures, await measureMemory(c.label, c.server))
    // each figure starts with the next server, so that a slow spell of the machine or a
    // colder load-generator path does not fall on the same server in every row
    let figure = 0
    for (const transport of TRANSPORTS) {
      for (const inflight of [1, INFLIGHT]) {
        log(`\n${transport}, ${inflight === 1 ? 'sequential' : `${inflight} in flight`}:`)
        const first = figure++ % running.length
        for (const c of [...running.slice(first), ...running.slice(0, first)]) {
          await measureRate(c, transport, inflight)
        }
      }
    }
  } finally {
    if (load !== undefined) await endChild(load)
    for (const c of contenders) if (typeof c.server !== 'string') await c.server.stop()
    rmSync(dir, { recursive: true, force: true })
  }

  const rows: Partial<Record<RowKey, RowFigures>> = {}
  for (const { column, figures } of contenders) {
    for (const [key, value] of Object.entries(figures) as [RowKey, number][]) {
      if (!Number.isFinite(value)) continue
      const row = rows[key] ?? {}
      rows[key] = row
      row[column] = value
      const capped = saturated.get(key)
      if (capped !== undefined) {
        row.note = `the load generator was at ≥${SATURATED_CPU * 100}% CPU for ${capped.join(', ')}: those figures may be its limit, not the server's`
      }
      if (column === 'gethAll') row.gethAllProcs = gethProcs
    }
  }
  const settings: Record<string, string | number | boolean> = {
    ms: MS,
    rounds: ROUNDS,
    warmupMs: WARMUP_MS,
    inflight: INFLIGHT,
    wsConns: WS_CONNS,
    node: process.version,
    gethAllCores: gethAll,
  }
  const missing = contenders.flatMap((c) =>
    typeof c.server === 'string' ? [`${c.label}: ${c.server}`] : [],
  )
  if (missing.length > 0) settings.missing = missing.join('; ')
  const file = writeBenchResults('rpc', settings, rows)
  console.log(`\n${rpcTableLines(readBenchResults(repoRoot()).get('rpc')).join('\n')}`)
  console.log(`\nfigures written to ${file}`)
}

await main()
