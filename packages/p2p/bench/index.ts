/**
 * p2p server benchmarks, ours (`Server`) beside @ethereumjs/devp2p's `RLPx` and
 * go-ethereum's `p2p.Server` in the same run, both ends in one process over loopback TCP,
 * snappy on (all announce p2p v5):
 * - connection setup: sequential TCP connect + RLPx handshake + Hello until both sides
 *   report the peer, then disconnect until both report the drop;
 * - request/response round trips through a sub-protocol (1 KiB each way, awaited);
 * - one-way throughput through a sub-protocol, 1 KiB and 16 KiB messages, in bursts of
 *   about 1 MiB that the receiver acknowledges;
 * - heap per connection with 500 connected peers, after gc.
 *
 * Run: cd packages/p2p && npx pnpm bench:server   (part of `npx pnpm bench`; builds the
 * package and its dependencies, then runs `tsx --expose-gc bench/index.ts`: the code
 * measured is the build, dist/, as it ships, not tsx's transform of the sources, which
 * wraps every closure in a __name() call that shows in profiles)
 * BENCH_MS sets the time per measuring round (default 300 ms); BENCH_PEERS the peer count
 * of the heap figure (default 500).
 * `--profile [dir]` / `--heap-profile [dir]` (default dir: <repo>/.bench/profiles/p2p)
 * profile each of our measured sections (see profile.ts):
 *   npx pnpm bench:server --profile /tmp/p2p-prof
 * The figures also go to <repo>/.bench/p2p.json for the summary table of `npx pnpm bench`
 * (scripts/bench-summary.ts).
 *
 * What had to be configured:
 * - ours: the dialer's redial history (35 s per node, as geth) would refuse to dial the
 *   same listener again, so the dialer runs on a clock that jumps 36 s after each
 *   connection; the inbound throttle (30 s per IP) exempts loopback already;
 * - theirs: no DPT (no discovery), `maxPeers` raised (their limit counts dialing sockets
 *   and peers, default 10); they have no inbound throttle or redial history. Their
 *   sub-protocols must snappy-compress what they send (their API hands raw frames), and
 *   their `send` reports no back-pressure, so the sender waits for the socket's 'drain'.
 *   Their sockets keep Nagle's algorithm on and write each frame as two chunks (header,
 *   body), so a lone message waits for the peer's delayed ACK (~40 ms on Linux): the
 *   harness turns Nagle off for them (their best case); the round-trip row "their socket
 *   default" shows what their defaults give.
 * - go-ethereum: interop/geth/cmd/gethbench (built with `go build` when its sources
 *   changed; skipped with one line when `go` is missing) runs after ours and theirs, in its
 *   own process, the same benchmarks with the same payloads, bursts, warm-ups and medians,
 *   on GOMAXPROCS=1 (ours runs on about one core), then on every core (the default
 *   GOMAXPROCS; BENCH_GETH_ALL_CORES=0 leaves that run out). Its dial scheduler will not redial a node within 35 s either, so its
 *   setup bench dials the socket itself and hands it to `Server.SetupConn`; its memory
 *   figure is live heap (after GC) + goroutine stacks.
 */
import { once } from 'node:events'
import { join } from 'node:path'
import { type Clock, systemClock } from '@devp2p/common'
import { cryptoBackends, generatePrivateKey, randomBytes } from '@devp2p/crypto'
// the package as it ships (dist/; the sources when run with --conditions=@devp2p/source)
import {
  DIAL_HISTORY_MS,
  type MsgReadWriter,
  type PeerEvent,
  type Protocol,
  Server,
  type ServerOptions,
} from '@devp2p/p2p'
import { encode } from '@devp2p/rlp'
import {
  type GethColumn,
  type GethMemory,
  gethAllCoresFromEnv,
  measure,
  openGethBench,
} from '@devp2p/testing'
import { Common, Mainnet } from '@ethereumjs/common'
import {
  type BenchResults,
  gethFigures,
  repoRoot,
  resultsDir,
  writeBenchResults,
} from '../../../scripts/bench-results.ts'
import {
  EthereumjsNode,
  type TheirCapability,
  type TheirSession,
} from '../test/helpers/ethereumjs-node.ts'
import { SectionProfiler } from './profile.ts'
import { BenchTable, OURS, THEIRS } from './table.ts'

const gc = (globalThis as { gc?: () => void }).gc
const envMs = Number(process.env.BENCH_MS)
const ROUND_MS = Number.isFinite(envMs) && envMs > 0 ? envMs : 300
const envPeers = Number(process.env.BENCH_PEERS)
const PEERS = Number.isInteger(envPeers) && envPeers > 0 ? envPeers : 500

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })

// Message codes of the bench protocol (both implementations): 0 request → the same
// payload back; 1 data, no answer; 2 sync → 2 back once everything before it was read.
const ECHO = 0
const DATA = 1
const SYNC = 2
const EMPTY = encode([])

/** Half random, half zeros: compressible like real traffic, not trivially so. */
function makePayload(size: number): Uint8Array {
  const payload = new Uint8Array(size)
  payload.set(randomBytes(size >> 1))
  return payload
}

// ---------------------------------------------------------------- ours

/** The real clock, plus an offset the connection bench moves past the redial history. */
class JumpClock implements Clock {
  offset = 0
  now(): number {
    return Date.now() + this.offset
  }
  setTimeout(fn: () => void, ms: number) {
    return setTimeout(fn, ms).unref()
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout)
  }
  deadline(ms: number, fire: () => void) {
    return systemClock.deadline(ms, fire)
  }
}

/** Answers ECHO and SYNC, drops DATA. */
const responder: Protocol = {
  name: 'bench',
  version: 1,
  length: 3,
  async run(_peer, rw) {
    for await (const msg of rw) {
      if (msg.code === ECHO) await rw.writeMsg({ code: ECHO, payload: msg.payload })
      else if (msg.code === SYNC) await rw.writeMsg({ code: SYNC, payload: EMPTY })
    }
  },
}

/** Hands each peer's rw to `onPeer` and idles until the peer drops. */
function handover(onPeer: (rw: MsgReadWriter) => void = () => {}): Protocol {
  return {
    name: 'bench',
    version: 1,
    length: 3,
    async run(peer, rw) {
      onPeer(rw)
      await new Promise<void>((resolve) => peer.signal.addEventListener('abort', () => resolve()))
    },
  }
}

async function startOurs(options: Partial<ServerOptions> & Pick<ServerOptions, 'protocols'>) {
  const server = new Server({
    privateKey: generatePrivateKey(),
    listenAddr: '127.0.0.1:0',
    name: 'devp2p-ts-bench',
    ...options,
  })
  await server.start()
  return server
}

/** Resolves on the `count`-th peer event of `type` on `server`. */
function events(server: Server, type: PeerEvent['type'], count = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    const on = (e: PeerEvent): void => {
      if (e.type !== type || ++seen < count) return
      server.off('peer', on)
      resolve()
    }
    server.on('peer', on)
  })
}

async function oursSetup() {
  const clock = new JumpClock()
  const listener = await startOurs({ protocols: [handover()], maxPeers: 10, noDial: true })
  const dialer = await startOurs({ protocols: [handover()], listenAddr: '', clock })
  const target = listener.self()
  const op = async (): Promise<void> => {
    const added = Promise.all([events(listener, 'add'), events(dialer, 'add')])
    dialer.addPeer(target)
    await added
    const dropped = Promise.all([events(listener, 'drop'), events(dialer, 'drop')])
    dialer.removePeer(target) // disconnect requested
    await dropped
    clock.offset += DIAL_HISTORY_MS + 1_000
  }
  return { op, close: () => Promise.all([dialer.stop(), listener.stop()]) }
}

/** A connected pair: `rw` is the dialing end of the bench protocol, the other end answers. */
async function oursPair() {
  const server = await startOurs({ protocols: [responder], noDial: true })
  let ready!: (rw: MsgReadWriter) => void
  const got = new Promise<MsgReadWriter>((resolve) => {
    ready = resolve
  })
  const client = await startOurs({ protocols: [handover(ready)], listenAddr: '' })
  const added = events(server, 'add')
  client.addPeer(server.self())
  const [rw] = await Promise.all([got, added])
  return { rw, close: () => Promise.all([client.stop(), server.stop()]) }
}

// ---------------------------------------------------------------- theirs

const common = new Common({ chain: Mainnet })

const theirResponder: TheirCapability = {
  name: 'bench',
  version: 1,
  length: 3,
  onMessage(session, msg) {
    if (msg.code === ECHO) session.send(ECHO, msg.payload)
    else if (msg.code === SYNC) session.send(SYNC, EMPTY)
  },
}
const theirHandover: TheirCapability = { name: 'bench', version: 1, length: 3 }

function theirTarget(node: EthereumjsNode) {
  return { publicKey: node.publicKey, ip: '127.0.0.1', tcp: node.port }
}

async function theirsSetup() {
  const listener = await EthereumjsNode.start({
    capabilities: [theirHandover],
    maxPeers: 10,
    common,
  })
  const dialer = await EthereumjsNode.start({
    capabilities: [theirHandover],
    listen: false,
    maxPeers: 10,
    common,
  })
  const target = theirTarget(listener)
  const op = async (): Promise<void> => {
    const added = Promise.all([listener.nextAdded(), dialer.nextAdded()])
    await dialer.dial(target)
    await added
    const removed = Promise.all([listener.nextRemoved(), dialer.nextRemoved()])
    dialer.rlpx.disconnect(listener.publicKey) // their "client quitting"
    await removed
  }
  return { op, close: () => Promise.all([dialer.stop(), listener.stop()]) }
}

/** `noDelay: false` keeps their own socket settings (Nagle on). */
async function theirsPair(noDelay = true) {
  const server = await EthereumjsNode.start({ capabilities: [theirResponder], common, noDelay })
  const client = await EthereumjsNode.start({
    capabilities: [theirHandover],
    listen: false,
    common,
    noDelay,
  })
  const session = client.nextSession()
  const added = server.nextAdded()
  await client.dial(theirTarget(server))
  const [s] = await Promise.all([session, added])
  return { session: s, client, close: () => Promise.all([client.stop(), server.stop()]) }
}

/** Their `send` does not report back-pressure: wait for the socket when it is full. */
async function theirDrain(node: EthereumjsNode, session: TheirSession): Promise<void> {
  const socket = node.socketOf(session.peer)
  if (socket.writableNeedDrain) await once(socket, 'drain')
}

// ---------------------------------------------------------------- heap per connection

interface Heap {
  heap: number
  external: number
}

async function settle(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    gc?.()
  }
  return process.memoryUsage()
}

/**
 * Opens `n + 1` dialers first (their fixed cost is not per peer), connects one to warm
 * every path, measures, connects `n` more (in batches below the pending-handshake limits)
 * and measures again: the difference ÷ n is one connection with both of its ends.
 */
async function heapPerConnection(
  n: number,
  openDialers: (count: number) => Promise<unknown>,
  connect: (from: number, to: number) => Promise<void>,
): Promise<Heap> {
  await openDialers(n + 1)
  await connect(0, 1)
  const before = await settle()
  for (let i = 1; i <= n; i += 25) await connect(i, Math.min(i + 25, n + 1))
  const after = await settle()
  return {
    heap: (after.heapUsed - before.heapUsed) / n,
    external: (after.external - before.external) / n,
  }
}

async function oursHeap(n: number): Promise<Heap> {
  const hub = await startOurs({ protocols: [handover()], maxPeers: n + 10, noDial: true })
  const dialers: Server[] = []
  try {
    return await heapPerConnection(
      n,
      async (count) => {
        for (let i = 0; i < count; i++) {
          dialers.push(await startOurs({ protocols: [handover()], listenAddr: '', maxPeers: 3 }))
        }
      },
      async (from, to) => {
        const batch = dialers.slice(from, to)
        const added = Promise.all([
          events(hub, 'add', batch.length),
          ...batch.map((d) => events(d, 'add')),
        ])
        for (const d of batch) d.addPeer(hub.self())
        await added
      },
    )
  } finally {
    await Promise.all([...dialers.map((d) => d.stop()), hub.stop()])
  }
}

async function theirsHeap(n: number): Promise<Heap> {
  const hub = await EthereumjsNode.start({
    capabilities: [theirHandover],
    maxPeers: n + 10,
    common,
  })
  const dialers: EthereumjsNode[] = []
  const target = theirTarget(hub)
  try {
    return await heapPerConnection(
      n,
      async (count) => {
        for (let i = 0; i < count; i++) {
          dialers.push(
            await EthereumjsNode.start({
              capabilities: [theirHandover],
              listen: false,
              maxPeers: 3,
              common,
            }),
          )
        }
      },
      async (from, to) => {
        const batch = dialers.slice(from, to)
        let hubAdds = 0
        const hubAdded = new Promise<void>((resolve) => {
          const on = (): void => {
            if (++hubAdds < batch.length) return
            hub.rlpx.events.off('peer:added', on)
            resolve()
          }
          hub.rlpx.events.on('peer:added', on)
        })
        const added = Promise.all([hubAdded, ...batch.map((d) => d.nextAdded())])
        await Promise.all(batch.map((d) => d.dial(target)))
        await added
      },
    )
  } finally {
    await Promise.all([...dialers.map((d) => d.stop()), hub.stop()])
  }
}

// ---------------------------------------------------------------- run

const table = new BenchTable()
const geth = await openGethBench({
  roundMs: ROUND_MS,
  peers: PEERS,
  log: console.log,
})
const profiler = new SectionProfiler(
  process.argv.slice(2),
  join(resultsDir(repoRoot()), 'profiles', 'p2p'),
)
/** The summary's rows (scripts/bench-summary.ts), written to .bench/p2p.json at the end. */
const summary: BenchResults['rows'] = {}
const gethNotes: string[] = []

/** One labelled figure per gethbench run (none without Go), picked from its p2p report. */
function figures<T extends number | GethMemory>(
  columns: GethColumn[],
  pick: (p: NonNullable<GethColumn['report']['p2p']>) => T | undefined,
): [string, T][] {
  const out: [string, T][] = []
  for (const { label, report } of columns) {
    for (const note of report.notes) if (!gethNotes.includes(note)) gethNotes.push(note)
    const figure = report.p2p && pick(report.p2p)
    if (figure !== undefined) out.push([label, figure])
  }
  return out
}

/** Runs `fn` `n` times first: JIT, lazy allocations, the first sockets. */
async function warm(n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await fn()
}

const opts = { roundMs: ROUND_MS, rounds: 5 }
const started = performance.now()
const backends = cryptoBackends()
const measured = import.meta.resolve('@devp2p/p2p')
console.log(
  `measuring ${measured}` +
    (measured.includes('/dist/') ? '' : '  (the sources: `npx pnpm bench:server` measures dist/)'),
)
if (profiler.enabled) {
  console.log('profiling our sections: our figures are taken under the profiler')
}
console.log(
  `crypto backends: secp256k1 ${backends.secp256k1}, keccak ${backends.keccak}, aes ${backends.aes}` +
    (gc ? '' : '  (no --expose-gc: heap figures are rough)'),
)

{
  const ours = await oursSetup()
  await warm(100, ours.op)
  let ops = 0
  const counted = () => {
    ops++
    return ours.op()
  }
  const oursRate = await profiler.around(
    'setup',
    'connection',
    () => ops,
    () => measure({ label: OURS, fn: counted, async: true }, opts),
  )
  await ours.close()
  const theirs = await theirsSetup()
  await warm(20, theirs.op)
  const theirRate = await measure({ label: THEIRS, fn: theirs.op, async: true }, opts)
  await theirs.close()
  const gethColumns = await geth.run(['setup'])
  table.rate(
    'connection setup + disconnect, sequential',
    'conn/s',
    [
      [OURS, oursRate],
      [THEIRS, theirRate],
    ],
    figures(gethColumns, (p) => p.setupPerSec),
  )
  summary['p2p-setup'] = {
    ours: oursRate,
    ejs: theirRate,
    ...gethFigures(gethColumns, (c) => c.report.p2p?.setupPerSec),
  }
}

{
  const payload = makePayload(1024)
  const ours = await oursPair()
  let ops = 0
  const oursRtt = async (): Promise<void> => {
    ops++
    await ours.rw.writeMsg({ code: ECHO, payload })
    await ours.rw.readMsg()
  }
  await warm(200, oursRtt)
  ops = 0
  const oursRate = await profiler.around(
    'round-trips',
    'round trip',
    () => ops,
    () => measure({ label: OURS, async: true, fn: oursRtt }, opts),
  )
  await ours.close()
  const theirRate: number[] = []
  for (const noDelay of [true, false]) {
    const theirs = await theirsPair(noDelay)
    const theirRtt = async (): Promise<void> => {
      theirs.session.send(ECHO, payload)
      await theirs.session.next()
    }
    await warm(noDelay ? 200 : 5, theirRtt)
    theirRate.push(await measure({ label: THEIRS, async: true, fn: theirRtt }, opts))
    await theirs.close()
  }
  const gethColumns = await geth.run(['rtt'])
  table.rate(
    'round trips, 1 KiB each way',
    'req/s',
    [
      [OURS, oursRate],
      [THEIRS, theirRate[0]!],
      [`${THEIRS} (their socket default: Nagle on)`, theirRate[1]!],
    ],
    figures(gethColumns, (p) => p.rttPerSec),
    2 * 1024,
  )
  summary['p2p-rtt'] = {
    ours: oursRate,
    ejs: theirRate[0]!,
    ...gethFigures(gethColumns, (c) => c.report.p2p?.rttPerSec),
    note: 'ejs with Nagle off (their best case; their socket default is in the p2p table)',
  }
}

for (const size of [1024, 16 * 1024]) {
  const payload = makePayload(size)
  const burst = Math.max(16, Math.round((1024 * 1024) / size)) // about 1 MiB, then SYNC
  const ours = await oursPair()
  let bursts = 0
  const oursBurst = async (): Promise<void> => {
    bursts++
    for (let i = 0; i < burst; i++) await ours.rw.writeMsg({ code: DATA, payload })
    await ours.rw.writeMsg({ code: SYNC, payload: EMPTY })
    await ours.rw.readMsg()
  }
  await warm(3, oursBurst)
  bursts = 0
  const section = `throughput-${size / 1024}k`
  const oursRate = await profiler.around(
    section,
    'message',
    () => bursts * burst,
    () => measure({ label: OURS, async: true, fn: oursBurst }, opts),
  )
  await ours.close()
  const theirs = await theirsPair()
  const theirBurst = async (): Promise<void> => {
    for (let i = 0; i < burst; i++) {
      theirs.session.send(DATA, payload)
      await theirDrain(theirs.client, theirs.session)
    }
    theirs.session.send(SYNC, EMPTY)
    await theirs.session.next()
  }
  await warm(1, theirBurst)
  const theirRate = await measure({ label: THEIRS, async: true, fn: theirBurst }, opts)
  await theirs.close()
  const gethColumns = await geth.run(['throughput'], [size])
  table.rate(
    `throughput one way, ${size / 1024} KiB messages`,
    'msgs/s',
    [
      [OURS, oursRate * burst],
      [THEIRS, theirRate * burst],
    ],
    figures(gethColumns, (p) => p.throughput?.[0]?.msgsPerSec),
    size,
  )
  // the summary's 1 KiB row is in messages/s, its 16 KiB row in MB/s (10^6 bytes)
  const unit = size === 1024 ? 1 : size / 1e6
  const gethRate = (c: GethColumn) => {
    const msgs = c.report.p2p?.throughput?.[0]?.msgsPerSec
    return msgs === undefined ? undefined : msgs * unit
  }
  summary[size === 1024 ? 'p2p-1k-msgs' : 'p2p-16k-mbs'] = {
    ours: oursRate * burst * unit,
    ejs: theirRate * burst * unit,
    ...gethFigures(gethColumns, gethRate),
  }
}

{
  const ours = await oursHeap(PEERS)
  const theirs = await theirsHeap(PEERS)
  const bench = `heap per connection, ${PEERS} peers (both ends; lower is better)`
  const gethColumns = await geth.run(['peermem'])
  table.heap(
    bench,
    ours,
    theirs,
    figures(gethColumns, (p) => p.memory),
  )
  const kib = (n: number) => `${fmt(n / 1024, 1)} KiB`
  const geth1 = gethColumns.find((c) => c.report.gomaxprocs === 1)?.report.p2p?.memory
  summary['p2p-peer-memory'] = {
    ours: ours.heap + ours.external,
    ejs: theirs.heap + theirs.external,
    ...gethFigures(gethColumns, (c) => c.report.p2p?.memory?.totalBytes),
    note:
      `${PEERS} peers; ours ${kib(ours.heap)} heap + ${kib(ours.external)} external` +
      (geth1 === undefined
        ? ''
        : `; geth (1 core) ${kib(geth1.heapBytes)} heap + ${kib(geth1.stackBytes)} stacks`),
  }
}
profiler.close()

table.print(
  `@devp2p/p2p beside @ethereumjs/devp2p and go-ethereum (${fmt((performance.now() - started) / 1000)} s)`,
)
if (gethNotes.length > 0) console.log(`\ngo-ethereum: ${gethNotes.join('; ')}.`)
const resultsFile = writeBenchResults(
  'p2p',
  {
    BENCH_MS: ROUND_MS,
    BENCH_PEERS: PEERS,
    gethAllCores: gethAllCoresFromEnv(),
    measured: measured.includes('/dist/') ? 'dist' : 'sources',
    profiled: profiler.enabled,
  },
  summary,
)
console.log(`\nfigures for the summary table: ${resultsFile}`)
console.log(
  '\nBoth ends in one process over loopback TCP, snappy on; rates are medians of 5 rounds of' +
    ` ${ROUND_MS} ms. Ratios are ours ÷ theirs: above 1 is better for rates, below 1 for heap.` +
    '\ngo-ethereum runs in its own process (interop/geth/cmd/gethbench) right after ours and' +
    ' theirs, measured the same way; its memory is live heap + goroutine stacks after GC.',
)
