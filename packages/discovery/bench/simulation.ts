/**
 * A discovery v4 network simulation: N nodes of the real `Discv4` in one process over the
 * in-memory network (@devp2p/testing's MemoryNetwork), bootstrapped from one bootnode;
 * then table fill, lookups for existing nodes, and heap per node.
 *
 * Run: cd packages/discovery && npx tsx --conditions=@devp2p/source --expose-gc bench/simulation.ts
 * Environment: SIM_NODES (1000, the bootnode included), SIM_BATCH (50; 0 = all at once),
 * SIM_LATENCY_MS (50, one way), SIM_LOOKUPS (200), SIM_LOOKUP_PARALLEL (10), SIM_SEED (1).
 * About 3 minutes for 1000 nodes on 2 cores, nearly all of it signing and recovering
 * datagrams (~530 per node to bootstrap).
 *
 * Time is simulated: every node runs on one {@link SimClock}, which jumps to the next
 * timer once the network is quiet (every datagram delivered, every reaction to it done).
 * Datagrams take SIM_LATENCY_MS of that time, so "network time" is what a real network
 * with that latency and instant CPUs would take: round trips, the wait for a bond's Ping,
 * response timeouts (500 ms). Wall time is the CPU cost of the whole run. The simulated
 * clock keeps a busy event loop from turning late replies into timeouts (with real
 * timers, 1000 nodes sharing one thread time out on each other), and makes a run repeat
 * exactly for a seed.
 *
 * Joiners start in batches of 50, each batch once the previous one finished its first
 * refresh. The bootnode's limits do not call for it (the unbonded-reply limit is per IP,
 * every node has its own /24, and the bootnode's 999 bond pings stay under
 * MAX_PENDING_REPLIES); the protocol does: like geth, a node adds nodes that contact it
 * only after its own first refresh, so nodes that start at the same instant never take
 * each other in and the network mixes only through the bootnode's ~100-node table until
 * the 30-minute refresh. All at once (SIM_BATCH=0), 1000 nodes end with tables at 43 % of
 * the ideal and lookups finding 85 % of targets; in batches, 78 % and 100 %. Batches are
 * closer to a real network, where nodes join over time.
 *
 * The module also exports the harness for test/v4/simulation.test.ts.
 */

import { pathToFileURL } from 'node:url'
import type { Clock, Deadline, TimerHandle } from '@devp2p/common'
import { isValidPrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, LocalNode, logDistance, NodeDB, type NodeId } from '@devp2p/enode'
import { MemoryNetwork, type MemoryTransport, seededRandom } from '@devp2p/testing'
import { BUCKET_MIN_DISTANCE, BUCKET_SIZE, N_BUCKETS } from '../src/kad/constants.js'
import { type DatagramTransport, Discv4, type LookupStats } from '../src/v4/index.js'

// ---------------------------------------------------------------- seeded randomness

export { seededRandom }

/** A valid secp256k1 private key drawn from `random`. */
function keyFrom(random: () => number): Uint8Array {
  for (;;) {
    const key = new Uint8Array(32)
    for (let i = 0; i < 32; i++) key[i] = Math.floor(random() * 256)
    if (isValidPrivateKey(key)) return key
  }
}

// ---------------------------------------------------------------- simulated time

const noop = (): void => {}

interface SimTimer {
  readonly at: number
  readonly seq: number
  fn: () => void
  live: boolean
}

/**
 * A {@link Clock} whose time moves only when {@link advance} is called: it jumps to the
 * earliest live timer and runs it. Timers due at the same time run in the order they were
 * set.
 */
export class SimClock implements Clock {
  #now: number
  #seq = 0
  #live = 0
  // bounded: the timers set and not yet run (cancelled ones leave when they come due)
  readonly #heap: SimTimer[] = []

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: SimTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true }
    this.#push(timer)
    this.#live++
    return timer
  }

  deadline(ms: number, fire: () => void): Deadline {
    const timer = this.setTimeout(fire, ms)
    return { cancel: () => this.clearTimeout(timer) }
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as SimTimer | undefined
    if (timer?.live) {
      timer.live = false
      timer.fn = noop // let go of what the callback holds
      this.#live--
      // cancelled timers leave the heap when they come due; drop them sooner when they pile up
      if (this.#heap.length > 1024 && this.#heap.length > 4 * this.#live) this.#compact()
    }
  }

  /** Timers set and neither run nor cleared. */
  get pendingTimers(): number {
    return this.#live
  }

  /**
   * Moves time to the earliest live timer and runs it. Returns false (and leaves time
   * alone) when there is none due by `deadline`.
   */
  advance(deadline = Number.POSITIVE_INFINITY): boolean {
    for (;;) {
      const next = this.#heap[0]
      if (next === undefined || next.at > deadline) return false
      this.#pop()
      if (!next.live) continue
      next.live = false
      this.#live--
      this.#now = Math.max(this.#now, next.at)
      next.fn()
      return true
    }
  }

  #compact(): void {
    const live = this.#heap.filter((t) => t.live)
    this.#heap.length = 0
    for (const timer of live) this.#push(timer)
  }

  #before(a: SimTimer, b: SimTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(timer: SimTimer): void {
    const heap = this.#heap
    let i = heap.push(timer) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && this.#before(heap[l]!, heap[m]!)) m = l
      if (r < heap.length && this.#before(heap[r]!, heap[m]!)) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
      i = m
    }
  }
}

// ---------------------------------------------------------------- the simulated network

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Options of {@link Simulation}. */
export interface SimulationOptions {
  /** Nodes, the bootnode (index 0) included. */
  readonly nodes: number
  /** Seeds the keys and every node's `random` (default 1). */
  readonly seed?: number
  /** One-way delay of every datagram, simulated ms (default 0: delivered at once). */
  readonly latencyMs?: number
}

/** One bootstrapped node: when it started and when its first refresh was done (sim ms). */
export interface BootTimes {
  readonly started: number
  readonly refreshed: number
}

/**
 * N `Discv4` nodes on one {@link MemoryNetwork} and one {@link SimClock}; node 0 is the
 * bootnode of all the others. Each node has its own /24 (`1.x.y.1`), so the table's IP
 * limits never bind.
 */
export class Simulation {
  readonly net = new MemoryNetwork()
  readonly clock = new SimClock()
  readonly nodes: Discv4[] = []
  readonly random: () => number
  readonly latencyMs: number
  // bounded: one entry per delivery time in the next `latencyMs`; datagrams in flight
  readonly #inFlight = new Map<number, (() => void)[]>()

  // bounded: one node database per node, closed by stop()
  readonly #dbs: NodeDB[] = []

  private constructor(options: SimulationOptions) {
    this.latencyMs = options.latencyMs ?? 0
    this.random = seededRandom(options.seed ?? 1)
  }

  /** The nodes, each composed as an app does: its own node database and record. */
  static async create(options: SimulationOptions): Promise<Simulation> {
    const sim = new Simulation(options)
    const seed = options.seed ?? 1
    const keys = seededRandom(seed ^ 0x5eed)
    let bootnode: ENode | undefined
    for (let i = 0; i < options.nodes; i++) {
      const privateKey = keyFrom(keys)
      const transport = sim.net.bind(`1.${(i >> 8) & 255}.${i & 255}.1`, 30303)
      const db = await NodeDB.open({ clock: sim.clock })
      sim.#dbs.push(db)
      const localNode = await LocalNode.create({ privateKey, db, clock: sim.clock })
      const node = new Discv4({
        privateKey,
        localNode,
        db,
        transport: sim.latencyMs > 0 ? sim.#delayed(transport) : transport,
        bootnodes: bootnode ? [bootnode] : [],
        clock: sim.clock,
        random: seededRandom(seed * 65_537 + i + 1),
      })
      // the bootnode's ENode, known before it starts: its key and its address
      bootnode ??= ENode.fromPublicKey(publicKeyFromPrivate(privateKey), {
        ip: transport.address.ip,
        udp: transport.address.port,
        tcp: transport.address.port,
      })
      sim.nodes.push(node)
    }
    return sim
  }

  /**
   * `transport`, its datagrams handed to the network `latencyMs` later. Datagrams due at
   * the same time share one timer, so a constant latency costs few clock steps.
   */
  #delayed(transport: MemoryTransport): DatagramTransport {
    return {
      address: transport.address,
      onMessage: (handler) => transport.onMessage(handler),
      close: () => transport.close(),
      send: (bytes, to) => {
        const copy = bytes.slice()
        const at = this.clock.now() + this.latencyMs
        let due = this.#inFlight.get(at)
        if (due === undefined) {
          const batch: (() => void)[] = []
          due = batch
          this.#inFlight.set(at, batch)
          this.clock.setTimeout(() => {
            this.#inFlight.delete(at)
            for (const deliver of batch) deliver()
          }, this.latencyMs)
        }
        due.push(() => transport.send(copy, to))
      },
    }
  }

  /** Waits until nothing is in flight: no datagram queued, no reaction to one pending. */
  async settle(): Promise<void> {
    let mark = -1
    while (mark !== this.net.sent) {
      mark = this.net.sent
      await this.net.idle()
      await tick()
    }
  }

  /**
   * Drives the network and the clock until `promise` settles, and returns its outcome.
   * @throws Error when nothing is left to run (no datagram, no timer) and it is still
   *   pending, or after `limitMs` of simulated time.
   */
  async run<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false
    const watched = promise.finally(() => {
      done = true
    })
    watched.catch(() => {})
    const deadline = this.clock.now() + limitMs
    for (;;) {
      await this.settle()
      if (done) return watched
      if (!this.clock.advance(deadline)) {
        throw new Error(
          'the simulation ran out of timers (or of limitMs) before the promise settled',
        )
      }
    }
  }

  /**
   * Starts the bootnode, then the others (`batch` at a time, each batch once the previous
   * one finished its first refresh; all at once by default), and resolves when every node
   * has done its first refresh.
   */
  async bootstrap(batch = this.nodes.length): Promise<BootTimes[]> {
    const times: BootTimes[] = []
    const boot = async (node: Discv4, i: number): Promise<void> => {
      const started = this.clock.now()
      await node.start()
      await node.refresh()
      times[i] = { started, refreshed: this.clock.now() }
    }
    await this.run(boot(this.nodes[0]!, 0))
    for (let from = 1; from < this.nodes.length; from += batch) {
      const group = this.nodes.slice(from, from + batch)
      await this.run(Promise.all(group.map((node, j) => boot(node, from + j))))
    }
    return times
  }

  /** Stops every node, then lets the datagrams still in flight arrive (at closed endpoints). */
  async stop(): Promise<void> {
    await this.run(Promise.all(this.nodes.map((node) => node.stop())))
    await this.settle()
    const deadline = this.clock.now() + this.latencyMs
    while (this.#inFlight.size > 0 && this.clock.advance(deadline)) await this.settle()
    await Promise.all(this.#dbs.splice(0).map((db) => db.close()))
  }
}

// ---------------------------------------------------------------- measurements

/** geth's bucket of `id` in the table of `self` (as `Table.bucketOf`). */
export function bucketIndex(self: NodeId, id: NodeId): number {
  const d = logDistance(self, id)
  return d <= BUCKET_MIN_DISTANCE + 1 ? 0 : d - BUCKET_MIN_DISTANCE - 1
}

/** One node's table against the table it would hold if it knew every other node. */
export interface TableFill {
  /** Nodes in its table. */
  readonly size: number
  /** Σ over buckets of min(16, nodes of the simulation in that bucket's distance range). */
  readonly ideal: number
  /** Non-empty buckets. */
  readonly buckets: number
  /** Buckets that some node of the simulation falls in. */
  readonly idealBuckets: number
}

/** The {@link TableFill} of every node (O(N²) distances). */
export function tableFill(nodes: readonly Discv4[]): TableFill[] {
  return nodes.map((node) => {
    const all = new Array<number>(N_BUCKETS).fill(0)
    for (const other of nodes) if (other !== node) all[bucketIndex(node.id, other.id)]!++
    const held = new Array<number>(N_BUCKETS).fill(0)
    for (const entry of node.tableNodes()) held[bucketIndex(node.id, entry.id)]!++
    return {
      size: node.tableSize,
      ideal: all.reduce((sum, c) => sum + Math.min(BUCKET_SIZE, c), 0),
      buckets: held.filter((c) => c > 0).length,
      idealBuckets: all.filter((c) => c > 0).length,
    }
  })
}

/** One lookup of an existing node's key from another node. */
export interface LookupRun {
  /** Whether the target was among the results. */
  readonly found: boolean
  readonly stats: LookupStats
  /** Simulated time it took, ms. */
  readonly simMs: number
}

/**
 * `count` lookups, each from a random node for a random other node, `parallel` at a time
 * (a new one starts when one ends). Each lookup's network time is its own.
 */
export async function randomLookups(
  sim: Simulation,
  count: number,
  parallel = 1,
): Promise<LookupRun[]> {
  const runs: LookupRun[] = []
  const pick = (): Discv4 => sim.nodes[Math.floor(sim.random() * sim.nodes.length)]!
  let started = 0
  const one = async (): Promise<void> => {
    while (started < count) {
      started++
      const from = pick()
      let target = pick()
      while (target === from) target = pick()
      const stats: LookupStats = { queries: 0, failed: 0, hops: 0 }
      const sim0 = sim.clock.now()
      const result = await from.lookup(target.self(), { stats })
      runs.push({
        found: result.some((n) => n.idHex === target.idHex),
        stats,
        simMs: sim.clock.now() - sim0,
      })
    }
  }
  await sim.run(Promise.all(Array.from({ length: Math.max(1, parallel) }, one)))
  return runs
}

// ---------------------------------------------------------------- the benchmark

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d })
const seconds = (ms: number): string => `${fmt(ms / 1000, 1)} s`

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) return Number.NaN
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0`)
  return value
}

async function main(): Promise<void> {
  const n = envInt('SIM_NODES', 1000)
  const lookupCount = envInt('SIM_LOOKUPS', 200)
  const parallel = envInt('SIM_LOOKUP_PARALLEL', 10)
  const seed = envInt('SIM_SEED', 1)
  const batch = envInt('SIM_BATCH', 50) || n
  const latencyMs = envInt('SIM_LATENCY_MS', 50)
  if (n < 2) throw new RangeError('SIM_NODES must be at least 2')

  const heap0 = heapUsed()
  const sim = await Simulation.create({ nodes: n, seed, latencyMs })
  let wall0 = performance.now()
  const sim0 = sim.clock.now()
  const times = await sim.bootstrap(batch)
  const bootWall = performance.now() - wall0
  const bootSim = sim.clock.now() - sim0
  const bootMsgs = sim.net.sent
  const bootBytes = sim.net.bytes
  const heap1 = heapUsed()
  const perNodeSim = times.map((t) => t.refreshed - t.started)

  const fill = tableFill(sim.nodes)
  const sizes = fill.map((f) => f.size)
  const achieved = mean(fill.map((f) => f.size / f.ideal))

  wall0 = performance.now()
  const lookupSim0 = sim.clock.now()
  const runs = await randomLookups(sim, lookupCount, parallel)
  const lookupWall = performance.now() - wall0
  const lookupSim = sim.clock.now() - lookupSim0
  const lookupMsgs = sim.net.sent - bootMsgs
  await sim.stop()

  const row = (metric: string, value: string, note = ''): void =>
    console.log(`| ${metric} | ${value} | ${note} |`)
  console.log(`\n## discv4 simulation: ${fmt(n)} nodes, one bootnode\n`)
  console.log(
    `\`SIM_NODES=${n} SIM_BATCH=${batch >= n ? 0 : batch} SIM_LATENCY_MS=${latencyMs}` +
      ` SIM_LOOKUPS=${lookupCount} SIM_LOOKUP_PARALLEL=${parallel} SIM_SEED=${seed}` +
      ' npx tsx --conditions=@devp2p/source --expose-gc bench/simulation.ts` — simulated clock,' +
      ` ${latencyMs} ms one-way latency, no loss;` +
      ` ${batch >= n ? 'all joiners started at once' : `joiners started ${batch} at a time, each batch after the previous one's first refresh`}\n`,
  )
  console.log('| metric | value | note |\n| --- | ---: | --- |')
  row(
    'bootstrap, wall time',
    seconds(bootWall),
    'until every node finished its first refresh (self lookup + 3 random)',
  )
  row(
    'bootstrap, network time',
    seconds(bootSim),
    `per node, start to first refresh done: median ${seconds(median(perNodeSim))}, max ${seconds(Math.max(...perNodeSim))}`,
  )
  row(
    'bootstrap, datagrams',
    fmt(bootMsgs),
    `${fmt(bootMsgs / n)} per node; ${fmt(bootBytes / 1e6, 1)} MB, ${fmt(bootBytes / n / 1e3, 1)} kB per node`,
  )
  row(
    'table size, mean / median / min',
    `${fmt(mean(sizes), 1)} / ${fmt(median(sizes))} / ${fmt(Math.min(...sizes))}`,
    `ideal mean ${fmt(mean(fill.map((f) => f.ideal)), 1)}: Σ over buckets of min(16, nodes of the network in its range)`,
  )
  row(
    'table fill vs ideal, mean',
    `${fmt(achieved * 100, 1)} %`,
    `worst node ${fmt(Math.min(...fill.map((f) => f.size / f.ideal)) * 100, 1)} %`,
  )
  row(
    'non-empty buckets (of 17), mean',
    fmt(mean(fill.map((f) => f.buckets)), 2),
    `ideal ${fmt(mean(fill.map((f) => f.idealBuckets)), 2)}`,
  )
  if (runs.length > 0) {
    const found = runs.filter((r) => r.found).length
    row(
      'lookups for existing nodes',
      fmt(runs.length),
      `random source and target, ${parallel} at a time`,
    )
    row('lookup success', `${fmt((found / runs.length) * 100, 1)} %`, 'target among the 16 results')
    row(
      'lookup hops, mean / max',
      `${fmt(mean(runs.map((r) => r.stats.hops)), 2)} / ${Math.max(...runs.map((r) => r.stats.hops))}`,
      'longest chain of answers to a queried node',
    )
    row(
      'lookup queries, mean',
      fmt(mean(runs.map((r) => r.stats.queries)), 1),
      `FindNode requests; failed ${fmt(mean(runs.map((r) => r.stats.failed)), 2)}`,
    )
    row(
      'lookup time, mean / median',
      `${fmt(mean(runs.map((r) => r.simMs)))} / ${fmt(median(runs.map((r) => r.simMs)))} ms`,
      'network time (bonding pings included)',
    )
    row(
      'lookup phase, wall time',
      seconds(lookupWall),
      `${fmt(lookupWall / runs.length, 1)} ms per lookup; ${fmt(lookupMsgs)} datagrams in ${seconds(lookupSim)} of network time, revalidation of all nodes included`,
    )
  }
  row(
    'heap per node',
    `${fmt((heap1 - heap0) / n / 1024, 1)} KiB`,
    'after bootstrap (gc() before and after) ÷ nodes',
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
