/**
 * A pss routing simulation: N `PssRouter`s driven directly (no sockets, no RLPx) on one
 * ManualClock, over an in-memory fabric: a queue of deliveries ordered by simulated time,
 * each link with its own one-way latency drawn from a seeded PRNG. A run is exactly
 * repeatable for a seed.
 *
 * Run: npx pnpm --filter @devp2p/pss sim
 *   (tsx --conditions=@devp2p/source bench/simulation.ts; ~1 min on one core)
 * Environment: SIM_SEED (1), SIM_NODES (comma list, default "100,1000"), SIM_BIN_PEERS
 * (`DEFAULT_BIN_PEERS`, the kademlia topology's `binPeers`), SIM_MAX_PEERS (25).
 *
 * Topologies:
 * - `random`: "as found through discovery". Every node dials `dialPeers` (8) nodes drawn
 *   uniformly from the live ones (discovery v4's dial candidates are nodes from lookups of
 *   random targets: effectively uniform), refused by a node already at `maxPeers` (25);
 *   with the inbound ones a node ends with ~16 peers (8–25), as a geth node with
 *   maxPeers 50 of which a third dialed has ~17 dialed.
 * - `kademlia`: the same discovery, with the router's dial hint: a node considers
 *   `candidates` (100) uniformly drawn nodes plus the 16 closest to its own id (what a
 *   lookup of one's own id returns, as geth does at start) and dials those for which
 *   `PssRouter.wantsPeer` says they fill a proximity-order bin (fewer than `binPeers`, 1,
 *   connected peers sharing exactly as many leading bits with it), as Swarm's hive did;
 *   the inbound ones add about as many again.
 * - `mixed`: both, as a server dialing discovery's random nodes (`nodeSource`) and the
 *   hint's candidates (pss's `dialCandidates`): the kademlia dials, then `dialPeers`
 *   uniformly random ones. Every topology respects `maxPeers`.
 *
 * Traffic over `durationMs` (5 simulated minutes): full-address messages between random
 * live pairs, messages to a 1-byte prefix of a live node's id (a neighbourhood), and a few
 * to the empty address (everyone). With churn, `churnPerMinute` (10 %) of the nodes leave
 * per simulated minute and as many join, spread evenly: a leaver's links vanish (and what
 * is in flight on them); a joiner gets a new id and dials as above; a node that lost a peer
 * dials again 1–5 s later (random: one node; kademlia: the wanted ones among fresh
 * candidates; mixed: both). A message whose recipient left before it arrived is not
 * counted (it could not be delivered); a neighbourhood or broadcast message is expected at
 * the nodes that were live in it when it was sent and still are at the end.
 *
 * The module also exports the harness for test/simulation.test.ts.
 */

import { pathToFileURL } from 'node:url'
import { ManualClock, seededRandom } from '@devp2p/testing'
import { compareXor, toHex } from '../src/address.js'
import { ADMIT_BIN_PEERS, DEFAULT_BIN_PEERS, DEFAULT_TTL_S } from '../src/constants.js'
import { encodeMessage } from '../src/message.js'
import { PssRouter, type PssRouterOptions } from '../src/router.js'

export type Topology = 'random' | 'kademlia' | 'mixed'

export interface SimConfig {
  readonly nodes: number
  readonly topology: Topology
  readonly seed?: number
  /** Nodes leaving (and as many joining) per simulated minute, as a fraction of N (0). */
  readonly churnPerMinute?: number
  readonly durationMs?: number
  readonly fullMessages?: number
  readonly partialMessages?: number
  readonly broadcasts?: number
  readonly dialPeers?: number
  readonly maxPeers?: number
  /**
   * Slots of `maxPeers` only peers the hint wants may take: random dials stop at
   * `maxPeers - reservedPeers`, and a node that far full admits a connection only when
   * its own router wants the other node (`wantsPeer`), as a p2p server does with pss
   * (`ServerOptions.reservedPeers`). Default as the server's: `maxPeers / 5` where nodes
   * use the hint (`kademlia`, `mixed`), 0 for `random`.
   */
  readonly reservedPeers?: number
  readonly binPeers?: number
  /** kademlia: uniformly drawn discovery candidates a node considers when it dials (100). */
  readonly candidates?: number
  readonly minLatencyMs?: number
  readonly maxLatencyMs?: number
  /** Options for every router (fanout, forwardOwn, ...). */
  readonly router?: Partial<PssRouterOptions>
}

/** Delivery figures of one kind of message. */
export interface KindFigures {
  readonly messages: number
  /** (message, recipient) pairs expected. */
  readonly expected: number
  readonly delivered: number
  /** delivered / expected. */
  readonly ratio: number
  /** Transmissions caused by these messages / deliveries. */
  readonly txPerDelivered: number
  /** The most transmissions one message caused. */
  readonly maxTx: number
}

export interface SimResult {
  readonly config: Required<Omit<SimConfig, 'router'>> & { router: Partial<PssRouterOptions> }
  readonly meanDegree: number
  readonly minDegree: number
  readonly maxDegree: number
  readonly full: KindFigures
  readonly partial: KindFigures
  readonly broadcast: KindFigures
  /** Full-address messages: hops to the recipient (first arrival). */
  readonly hops: { mean: number; median: number; max: number }
  /** Full-address messages: simulated latency to the recipient, ms. */
  readonly latencyMs: { mean: number; median: number; max: number }
  /** Full-address messages not counted: their recipient left before they arrived. */
  readonly recipientLeft: number
  readonly joined: number
  readonly left: number
  /**
   * Why full-address messages fail: of their transmissions before the recipient had them,
   * how many went to a node farther from the destination than the sender (`awayHops` of
   * `hops`); how many walks ended at a node that had seen the message (`endedByRepeat`, a
   * loop) or at one with no other peer (`endedNoPeer`).
   */
  readonly diagnosis: { hops: number; awayHops: number; endedByRepeat: number; endedNoPeer: number }
}

const DEFAULTS = {
  seed: 1,
  churnPerMinute: 0,
  durationMs: 5 * 60_000,
  fullMessages: 1000,
  partialMessages: 100,
  broadcasts: 5,
  dialPeers: 8,
  maxPeers: 25,
  binPeers: DEFAULT_BIN_PEERS,
  candidates: 100,
  minLatencyMs: 10,
  maxLatencyMs: 150,
}

/** What a discovery v4 lookup of our own id returns: the closest nodes (a bucket's worth). */
const LOOKUP_RESULTS = 16
const REDIAL_MIN_MS = 1000
const REDIAL_SPREAD_MS = 4000

// ---------------------------------------------------------------- event queue

interface Event {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

/** A binary min-heap of events by (time, insertion order). */
class EventQueue {
  readonly #heap: Event[] = []
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  push(at: number, run: () => void): void {
    const h = this.#heap
    h.push({ at, seq: this.#seq++, run })
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  pop(): Event | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) return top
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

// ---------------------------------------------------------------- the network

interface SimNode {
  readonly id: Uint8Array
  readonly key: string
  readonly router: PssRouter
  /** peer key → one-way latency of the link, ms */
  readonly links: Map<string, number>
  alive: boolean
}

interface Tracked {
  readonly kind: 'full' | 'partial' | 'broadcast'
  readonly to: Uint8Array
  readonly sentAt: number
  /** node keys expected to get it */
  readonly expected: Set<string>
  /** node key → hops at first arrival */
  readonly reached: Map<string, number>
  firstAt?: number
  tx: number
}

/** Runs one simulation to the end (every delivery done) and returns its figures. */
export function runSimulation(input: SimConfig): SimResult {
  const maxPeers = input.maxPeers ?? DEFAULTS.maxPeers
  const hinted = input.topology !== 'random'
  const reservedPeers = input.reservedPeers ?? (hinted ? Math.floor(maxPeers / 5) : 0)
  const cfg = { ...DEFAULTS, ...input, reservedPeers, router: input.router ?? {} }
  const random = seededRandom(cfg.seed)
  const clock = new ManualClock()
  const start = clock.now()
  const queue = new EventQueue()
  // bounded: the simulation's own nodes, N live plus the ones that left
  const nodes = new Map<string, SimNode>()
  const live: SimNode[] = []
  // bounded: one entry per message the simulation sends
  const tracked: Tracked[] = []
  let joined = 0
  let left = 0
  const diag = { hops: 0, awayHops: 0, endedByRepeat: 0, endedNoPeer: 0 }
  // set around each router call, read by the send functions it calls
  let current: { msg: Tracked; hops: number } | undefined

  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!

  function newNode(): SimNode {
    const id = new Uint8Array(32)
    for (let i = 0; i < 32; i++) id[i] = Math.floor(random() * 256)
    const node: SimNode = {
      id,
      key: toHex(id),
      router: new PssRouter({ self: id, clock, ...cfg.router }),
      links: new Map(),
      alive: true,
    }
    nodes.set(node.key, node)
    live.push(node)
    return node
  }

  function deliver(from: SimNode, to: SimNode, bytes: Uint8Array, msg: Tracked, hops: number) {
    // a link that vanished (either end left) loses what was in flight on it
    if (!to.alive || !from.alive || !to.links.has(from.key)) return
    current = { msg, hops }
    const result = to.router.handle(from.id, bytes)
    current = undefined
    if (msg.kind === 'full' && msg.firstAt === undefined) {
      // before the recipient has it: did this hop move away, or end the walk?
      if (compareXor(msg.to, to.id, from.id) > 0) diag.awayHops++
      diag.hops++
      if (result.dropped === 'repeat') diag.endedByRepeat++
      else if (result.dropped === undefined && result.forwards === 0 && !result.deliver)
        diag.endedNoPeer++
    }
    if (result.deliver !== undefined && !msg.reached.has(to.key)) {
      msg.reached.set(to.key, hops)
      if (msg.kind === 'full') msg.firstAt = clock.now()
    }
  }

  function connect(a: SimNode, b: SimNode): void {
    const latency = cfg.minLatencyMs + Math.floor(random() * (cfg.maxLatencyMs - cfg.minLatencyMs))
    a.links.set(b.key, latency)
    b.links.set(a.key, latency)
    a.router.addPeer(b.id, (bytes) => {
      const ctx = current!
      ctx.msg.tx++
      const hops = ctx.hops + 1
      const msg = ctx.msg
      queue.push(clock.now() + latency, () => deliver(a, b, bytes, msg, hops))
      return true
    })
    b.router.addPeer(a.id, (bytes) => {
      const ctx = current!
      ctx.msg.tx++
      const hops = ctx.hops + 1
      const msg = ctx.msg
      queue.push(clock.now() + latency, () => deliver(b, a, bytes, msg, hops))
      return true
    })
  }

  function disconnect(a: SimNode, b: SimNode): void {
    a.links.delete(b.key)
    b.links.delete(a.key)
    a.router.removePeer(b.id)
    b.router.removePeer(a.id)
  }

  /**
   * Whether `c` takes a connection from `from`: a free slot, or a reserved one for a peer
   * its router wants with one more peer per bin (`ADMIT_BIN_PEERS`, as `pss.protocol`'s
   * `wantsPeer`): whoever dials `c` wants it, and `c`'s bin may already be full.
   */
  function admits(c: SimNode, from: SimNode): boolean {
    if (c.links.size >= cfg.maxPeers) return false
    if (c.links.size < cfg.maxPeers - cfg.reservedPeers) return true
    return c.router.wantsPeer(from.id, cfg.binPeers + ADMIT_BIN_PEERS - DEFAULT_BIN_PEERS)
  }

  /** Dials up to `count` candidates that `accept`s, drawn at random from the live nodes. */
  function dialSome(node: SimNode, count: number, accept: (c: SimNode) => boolean): void {
    const candidates = live.filter(
      (c) => c !== node && !node.links.has(c.key) && admits(c, node) && accept(c),
    )
    const limit = cfg.maxPeers - cfg.reservedPeers
    for (let n = 0; n < count && candidates.length > 0 && node.links.size < limit; n++) {
      const i = Math.floor(random() * candidates.length)
      const c = candidates[i]!
      candidates[i] = candidates[candidates.length - 1]!
      candidates.pop()
      connect(node, c)
    }
  }

  /**
   * kademlia: discovery's candidates (`candidates` nodes drawn uniformly, as random lookups
   * yield, plus the `LOOKUP_RESULTS` live nodes closest to us, as a lookup of our own id
   * yields), dialed when the router's `wantsPeer` says they fill a bin.
   */
  function dialWanted(node: SimNode): void {
    const seen = new Set<SimNode>()
    for (let i = 0; i < cfg.candidates; i++) seen.add(pick(live))
    const closest = [...live].sort((a, b) => compareXor(node.id, a.id, b.id))
    for (const c of closest.slice(0, LOOKUP_RESULTS + 1)) seen.add(c)
    for (const c of seen) {
      if (node.links.size >= cfg.maxPeers) return
      if (c === node || !admits(c, node)) continue
      if (node.router.wantsPeer(c.id, cfg.binPeers)) connect(node, c)
    }
  }

  function dialInitial(node: SimNode): void {
    if (cfg.topology !== 'random') dialWanted(node)
    if (cfg.topology !== 'kademlia') dialSome(node, cfg.dialPeers, () => true)
  }

  function redialLater(node: SimNode): void {
    const at = clock.now() + REDIAL_MIN_MS + Math.floor(random() * REDIAL_SPREAD_MS)
    queue.push(at, () => {
      if (!node.alive || node.links.size >= cfg.maxPeers) return
      if (cfg.topology !== 'random') dialWanted(node)
      if (cfg.topology !== 'kademlia') dialSome(node, 1, () => true)
    })
  }

  function leave(node: SimNode): void {
    node.alive = false
    live.splice(live.indexOf(node), 1)
    for (const key of [...node.links.keys()]) {
      const peer = nodes.get(key)!
      disconnect(node, peer)
      redialLater(peer)
    }
    left++
  }

  function sendMessage(kind: Tracked['kind']): void {
    if (live.length < 2) return
    const sender = pick(live)
    let to: Uint8Array
    const expected = new Set<string>()
    if (kind === 'full') {
      let target = pick(live)
      while (target === sender) target = pick(live)
      to = target.id
      expected.add(target.key)
    } else if (kind === 'partial') {
      to = pick(live).id.slice(0, 1)
      for (const n of live) if (n !== sender && n.id[0] === to[0]) expected.add(n.key)
    } else {
      to = new Uint8Array()
      for (const n of live) if (n !== sender) expected.add(n.key)
    }
    const msg: Tracked = { kind, to, sentAt: clock.now(), expected, reached: new Map(), tx: 0 }
    tracked.push(msg)
    const payload = new Uint8Array(4)
    new DataView(payload.buffer).setUint32(0, tracked.length)
    const bytes = encodeMessage({
      to,
      expiry: Math.floor(clock.now() / 1000) + DEFAULT_TTL_S,
      topic: new Uint8Array([0x73, 0x69, 0x6d, 0x00]),
      flags: 0,
      payload,
    })
    current = { msg, hops: 0 }
    sender.router.send(bytes)
    current = undefined
  }

  // the network before traffic starts
  for (let i = 0; i < cfg.nodes; i++) newNode()
  for (const node of [...live]) dialInitial(node)
  const degrees = live.map((n) => n.links.size)

  // traffic: every message at a random instant of the run
  const plan: Tracked['kind'][] = [
    ...Array<Tracked['kind']>(cfg.fullMessages).fill('full'),
    ...Array<Tracked['kind']>(cfg.partialMessages).fill('partial'),
    ...Array<Tracked['kind']>(cfg.broadcasts).fill('broadcast'),
  ]
  for (const kind of plan)
    queue.push(start + Math.floor(random() * cfg.durationMs), () => sendMessage(kind))
  // churn: one node leaves and one joins at even intervals
  const churnEvents = Math.round((cfg.churnPerMinute * cfg.nodes * cfg.durationMs) / 60_000)
  for (let i = 0; i < churnEvents; i++) {
    queue.push(start + Math.floor(((i + 0.5) * cfg.durationMs) / churnEvents), () => {
      leave(pick(live))
      dialInitial(newNode())
      joined++
    })
  }

  for (let event = queue.pop(); event !== undefined; event = queue.pop()) {
    if (event.at > clock.now()) clock.advance(event.at - clock.now())
    event.run()
  }

  // figures
  const figures = (kind: Tracked['kind']): KindFigures => {
    let messages = 0
    let expected = 0
    let delivered = 0
    let tx = 0
    let maxTx = 0
    for (const m of tracked) {
      if (m.kind !== kind) continue
      // count only recipients that were still there at the end (full: when it arrived)
      let exp = 0
      for (const key of m.expected) if (nodes.get(key)!.alive || m.reached.has(key)) exp++
      if (kind === 'full' && exp === 0) continue
      messages++
      expected += exp
      delivered += [...m.reached.keys()].filter((k) => m.expected.has(k)).length
      tx += m.tx
      maxTx = Math.max(maxTx, m.tx)
    }
    return {
      messages,
      expected,
      delivered,
      ratio: expected === 0 ? 1 : delivered / expected,
      txPerDelivered: delivered === 0 ? 0 : tx / delivered,
      maxTx,
    }
  }
  const fullDone = tracked.filter((m) => m.kind === 'full' && m.firstAt !== undefined)
  const recipientLeft = tracked.filter(
    (m) => m.kind === 'full' && m.firstAt === undefined && !nodes.get([...m.expected][0]!)!.alive,
  ).length
  return {
    config: cfg,
    meanDegree: degrees.reduce((a, b) => a + b, 0) / degrees.length,
    minDegree: Math.min(...degrees),
    maxDegree: Math.max(...degrees),
    full: figures('full'),
    partial: figures('partial'),
    broadcast: figures('broadcast'),
    hops: summary(fullDone.map((m) => [...m.reached.values()][0]!)),
    latencyMs: summary(fullDone.map((m) => m.firstAt! - m.sentAt)),
    recipientLeft,
    joined,
    left,
    diagnosis: diag,
  }
}

function summary(values: number[]): { mean: number; median: number; max: number } {
  if (values.length === 0) return { mean: 0, median: 0, max: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  return {
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    median: sorted[Math.floor(sorted.length / 2)]!,
    max: sorted[sorted.length - 1]!,
  }
}

// ---------------------------------------------------------------- the table

const pct = (x: number) => `${(100 * x).toFixed(x === 1 ? 0 : 1)} %`

/** One row of the printed table. */
export function tableRow(r: SimResult): string {
  const c = r.config
  const cells = [
    String(c.nodes),
    c.topology,
    c.churnPerMinute === 0 ? 'none' : `${pct(c.churnPerMinute)}/min`,
    r.meanDegree.toFixed(1),
    pct(r.full.ratio),
    `${r.hops.mean.toFixed(2)} / ${r.hops.median} / ${r.hops.max}`,
    Math.log2(c.nodes).toFixed(1),
    `${r.latencyMs.mean.toFixed(0)} / ${r.latencyMs.median} / ${r.latencyMs.max}`,
    `${r.full.txPerDelivered.toFixed(1)} (max ${r.full.maxTx})`,
    pct(r.partial.ratio),
    r.partial.txPerDelivered.toFixed(1),
    pct(r.broadcast.ratio),
    r.broadcast.txPerDelivered.toFixed(1),
    pct(r.diagnosis.hops === 0 ? 0 : r.diagnosis.awayHops / r.diagnosis.hops),
  ]
  return `| ${cells.join(' | ')} |`
}

export const TABLE_HEADER = [
  '| N | topology | churn | peers (mean) | full: delivered | hops mean / median / max | log2 N | latency ms mean / median / max | tx per delivered (full) | partial: delivered | tx/delivered | broadcast: delivered | tx/delivered | hops away from the destination (full) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
].join('\n')

async function main(): Promise<void> {
  const seed = Number(process.env.SIM_SEED ?? 1)
  const binPeers = Number(process.env.SIM_BIN_PEERS ?? DEFAULT_BIN_PEERS)
  const maxPeers = Number(process.env.SIM_MAX_PEERS ?? DEFAULTS.maxPeers)
  const reserved = process.env.SIM_RESERVED_PEERS
  const reservedPeers = reserved === undefined ? undefined : Number(reserved)
  const sizes = (process.env.SIM_NODES ?? '100,1000').split(',').map(Number)
  console.log(`pss routing simulation, seed ${seed}, router defaults\n`)
  console.log(TABLE_HEADER)
  for (const nodes of sizes)
    for (const topology of ['random', 'kademlia', 'mixed'] as const)
      for (const churnPerMinute of [0, 0.1]) {
        const r = runSimulation({
          ...{ nodes, topology, churnPerMinute, seed, binPeers, maxPeers },
          ...(reservedPeers === undefined ? {} : { reservedPeers }),
        })
        console.log(tableRow(r))
      }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
