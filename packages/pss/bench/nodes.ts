/**
 * pss delivery on a network of real nodes: N `Node`s of @devp2p/node in one process
 * (bench/node-network.ts: real TCP with RLPx and p2p, real discovery v4 over UDP, all on
 * 127.0.0.1, pss registered as a node service), where bench/simulation.ts drives bare
 * routers over an idealised fabric.
 *
 * Run: npx pnpm --filter @devp2p/pss sim:nodes
 *   (tsx --conditions=@devp2p/source bench/nodes.ts)
 * Environment: SIM_NODES (32), SIM_MAX_PEERS (8: with geth's dial ratio each node dials 2,
 * so the network is sparse), SIM_MESSAGES (200), SIM_RATE (messages per second, 20),
 * SIM_START (`together`: every node at once instead of one after the other, each once
 * it found the bootnode),
 * SIM_DIAL_RATIO (the p2p server's, default p2p's 3), SIM_HINT (`own-lookup`: an
 * experiment, Kademlia candidates from lookups of each node's own key as well), SIM_CHURN (fraction of the nodes stopped and replaced by new ones per minute while
 * messages are sent, 0), SIM_SEED (1: who sends to whom), SIM_SETTLE_MS (how long peer
 * counts must stay unchanged to call the topology settled, 3000), SIM_DEADLINE_MS (how
 * long after the last send messages may still arrive, 15000).
 *
 * 1. starts the nodes, the first one the others' discovery bootnode;
 * 2. waits until no node's peer count changed for SIM_SETTLE_MS (or a minute passed) and
 *    prints the degree distribution and the Kademlia bins the peers fill;
 * 3. sends the messages with `sendAsym`, each from a random node to a random node that is
 *    not its peer, spaced at SIM_RATE, and counts the ones that arrive by the deadline;
 *    every node's `onRoute` events give each message's hops and transmissions;
 * 4. prints the table, the messages that did not arrive and where they stopped, and stops
 *    every node (the process then exits by itself).
 *
 * The module also exports the run for test/nodes.test.ts.
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { equalBytes } from '@devp2p/crypto'
import { seededRandom } from '@devp2p/testing'
import { stringToTopic } from '../src/topic.js'
import { binsFilled, degrees, hopsFrom, NodeNetwork } from './node-network.js'
import { pickPair } from './node-pairs.js'
import {
  NODES_TABLE_HEADER,
  type NodesSimConfig,
  type NodesSimResult,
  nodesTableRow,
  pct,
  summary,
} from './node-results.js'

export type { NodesSimConfig, NodesSimResult, Summary } from './node-results.js'

import { describeFailure, type Hop, type Sent, traceOf } from './node-trace.js'

/** Messages that did not arrive printed one per line (the rest are only counted). */
const FAILURES_PRINTED = 12

export const NODES_DEFAULTS: NodesSimConfig = {
  nodes: 32,
  maxPeers: 8,
  messages: 200,
  ratePerS: 20,
  churnPerMinute: 0,
  seed: 1,
  settleQuietMs: 3000,
  settleTimeoutMs: 60_000,
  deadlineMs: 15_000,
}

const POLL_MS = 100

/** Runs the whole experiment and stops every node, whatever happens. */
export async function runNodesSim(input: Partial<NodesSimConfig> = {}): Promise<NodesSimResult> {
  const cfg: NodesSimConfig = { ...NODES_DEFAULTS, ...input }
  const print = cfg.print ?? (() => {})
  const random = seededRandom(cfg.seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const topic = stringToTopic('sim-nodes')
  // bounded: one per message sent (cfg.messages)
  const sent: Sent[] = []
  // bounded: as `sent`
  const byDigest = new Map<string, Sent>()
  let sending: Sent | undefined
  // bounded: one key per disconnect reason p2p knows
  const setupFailures: Record<string, number> = {}

  const net = new NodeNetwork({
    maxPeers: cfg.maxPeers,
    ...(cfg.dialRatio === undefined ? {} : { dialRatio: cfg.dialRatio }),
    ...(cfg.hint === undefined ? {} : { hint: cfg.hint }),
    topic,
    onRoute(at, event) {
      if (event.from === undefined && sending !== undefined) {
        sending.digest = event.digest
        byDigest.set(event.digest, sending)
      }
      const m = byDigest.get(event.digest)
      // bounded: one event per node the message reached (repeats included: each node takes
      // a message from each of its peers at most once within the digest TTL)
      m?.events.push({ at: at.idHex, ...event } satisfies Hop)
    },
    onReceive(at, message) {
      if (message.payload.length < 4) return
      const index = new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0)
      const m = sent[index]
      if (m === undefined || m.to !== at || m.arrivedAt !== undefined) return
      if (message.from === undefined || !equalBytes(message.from, m.from.publicKey)) return
      m.arrivedAt = performance.now()
    },
    onSetupFailed(_at, error, inbound) {
      const key = `${inbound ? 'inbound' : 'dialed'}: ${error}`
      setupFailures[key] = (setupFailures[key] ?? 0) + 1
    },
  })

  let joined = 0
  let left = 0
  const churn = new AbortController()
  try {
    const t0 = performance.now()
    await net.start(cfg.nodes, cfg.start ?? 'sequential')
    print(`${cfg.nodes} nodes started in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

    // 2. the topology settles: every node has a peer and no peer count changes for settleQuietMs
    const t1 = performance.now()
    let last = ''
    let quietSince = t1
    let settled = false
    while (performance.now() - t1 < cfg.settleTimeoutMs) {
      const now = degrees(net).join(',')
      // a node without a peer is still looking (a handshake storm can hold every count at 0)
      if (now !== last || degrees(net).includes(0)) {
        last = now
        quietSince = performance.now()
      } else if (performance.now() - quietSince >= cfg.settleQuietMs) {
        settled = true
        break
      }
      await sleep(POLL_MS)
    }
    const settleMs = performance.now() - t1
    const degree = degrees(net)
    const degreeHistogram = new Map<number, number>()
    for (const d of [...degree].sort((a, b) => a - b))
      degreeHistogram.set(d, (degreeHistogram.get(d) ?? 0) + 1)
    const bins = binsFilled(net)
    print(
      `topology ${settled ? 'settled' : 'still changing'} after ${(settleMs / 1000).toFixed(1)} s; ` +
        `degrees ${[...degreeHistogram].map(([d, n]) => `${d}:${n}`).join(' ')} (degree:nodes); ` +
        `Kademlia bins filled per node ${summary(bins.map((b) => b.filled)).mean.toFixed(1)} ` +
        `of ${summary(bins.map((b) => b.possible)).mean.toFixed(1)} holding nodes`,
    )

    const dialed = net.live().flatMap((n) =>
      n.node.server
        .peers()
        .filter((p) => !p.inbound)
        .map((p) => n.hinted.has(p.idHex)),
    )
    print(
      `dialed connections: ${dialed.length} (each node may dial ${net.live()[0]!.node.server.maxDialedPeers}), ` +
        `${dialed.filter(Boolean).length} of them to a candidate pss's Kademlia hint offered`,
    )
    // nodes that started close together are peers more often than at random when the
    // slots fill up: the topology then follows the start order, not the ids
    const order = new Map(net.live().map((n, i) => [n.idHex, i]))
    const gaps = net
      .live()
      .flatMap((n) =>
        net.peersOf(n).map((p) => Math.abs(order.get(n.idHex)! - (order.get(p) ?? 0))),
      )
    print(
      `start-order distance between peers: mean ${summary(gaps).mean.toFixed(1)} ` +
        `(${(net.live().length + 1) / 3 < 1 ? 0 : ((net.live().length + 1) / 3).toFixed(1)} if peers were random)`,
    )
    for (const n of net.live().filter((n) => n.node.server.peerCount === 0)) {
      print(
        `  ${n.name} has no peer: ${n.node.discovery?.tableSize ?? 0} nodes in its discovery table, ` +
          `${n.node.server.pendingHandshakes} connections in setup`,
      )
    }

    // 4. churn, while sending: stop a random node (never the bootnode), start a new one
    const churning =
      cfg.churnPerMinute > 0
        ? (async () => {
            const everyMs = 60_000 / (cfg.churnPerMinute * cfg.nodes)
            for (;;) {
              await sleep(everyMs, undefined, { signal: churn.signal }).catch(() => {})
              if (churn.signal.aborted) return
              const leaver = pick(net.live().slice(1))
              await net.leave(leaver)
              left++
              await net.join()
              joined++
            }
          })()
        : Promise.resolve()
    // a failed join is thrown where the churn is awaited, not as an unhandled rejection
    churning.catch(() => {})

    // 3. messages, each to a node that is not the sender's peer
    const gapMs = 1000 / cfg.ratePerS
    const tSend = performance.now()
    for (let i = 0; i < cfg.messages; i++) {
      const wait = tSend + i * gapMs - performance.now()
      if (wait > 0) await sleep(wait)
      const { from, to, path } = pickPair(net, pick, cfg.routableOnly === true)
      const payload = new Uint8Array(4)
      new DataView(payload.buffer).setUint32(0, i)
      const m: Sent = {
        index: i,
        from,
        to,
        sentAt: performance.now(),
        events: [],
        routableHops: path === undefined ? undefined : path.length - 1,
      }
      sent.push(m)
      sending = m
      try {
        m.taken = from.pss.sendAsym(to.publicKey, topic, payload)
      } finally {
        sending = undefined
      }
    }
    churn.abort()
    await churning

    // every message that can still arrive, by the deadline
    const counts = (m: Sent): boolean => m.arrivedAt !== undefined || m.to.alive
    const deadline = performance.now() + cfg.deadlineMs
    while (performance.now() < deadline && sent.some((m) => counts(m) && m.arrivedAt === undefined))
      await sleep(POLL_MS)

    const counted = sent.filter(counts)
    const arrived = counted.filter((m) => m.arrivedAt !== undefined)
    const traces = counted.map((m) => traceOf(m))
    const drops: Record<string, number> = {}
    for (const n of net.all) {
      for (const [reason, count] of Object.entries(n.pss.stats().dropped))
        if (count > 0) drops[reason] = (drops[reason] ?? 0) + count
    }
    const described = counted
      .filter((m) => m.arrivedAt === undefined)
      .map((m) => describeFailure(m, net, hopsFrom(net, m.from).get(m.to.idHex)))
    const failureKinds: Record<string, number> = {}
    for (const { kind } of described) failureKinds[kind] = (failureKinds[kind] ?? 0) + 1
    const turns: Record<string, number> = {}
    for (const { turn } of described) {
      const key = turn === undefined ? 'none' : String(turn.nodesInBin)
      turns[key] = (turns[key] ?? 0) + 1
    }
    const tx = traces.reduce((a, t) => a + t.tx, 0)
    return {
      config: cfg,
      settled,
      settleMs,
      degree: summary(degree),
      degreeHistogram,
      binsFilled: summary(bins.map((b) => b.filled)),
      binsPossible: summary(bins.map((b) => b.possible)),
      counted: counted.length,
      delivered: arrived.length,
      routable: counted.filter((m) => m.routableHops !== undefined).length,
      routableDelivered: arrived.filter((m) => m.routableHops !== undefined).length,
      recipientLeft: sent.length - counted.length,
      hops: summary(
        counted.flatMap((m, i) => {
          const hops = traces[i]!.hops
          return m.arrivedAt === undefined || hops === undefined ? [] : [hops]
        }),
      ),
      latencyMs: summary(arrived.map((m) => m.arrivedAt! - m.sentAt)),
      txPerDelivered: arrived.length === 0 ? 0 : tx / arrived.length,
      maxTx: Math.max(0, ...traces.map((t) => t.tx)),
      failures: described.map((f) => f.line),
      failureKinds,
      turnBinSizes: turns,
      drops,
      setupFailures,
      joined,
      left,
    }
  } finally {
    churn.abort()
    await net.stop()
  }
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0`)
  return value
}

async function main(): Promise<void> {
  const d = NODES_DEFAULTS
  const cfg: NodesSimConfig = {
    nodes: envNumber('SIM_NODES', d.nodes),
    maxPeers: envNumber('SIM_MAX_PEERS', d.maxPeers),
    ...(process.env.SIM_START === 'together' ? { start: 'together' as const } : {}),
    ...(process.env.SIM_HINT === 'own-lookup' ? { hint: 'own-lookup' as const } : {}),
    ...(process.env.SIM_DIAL_RATIO ? { dialRatio: envNumber('SIM_DIAL_RATIO', 3) } : {}),
    messages: envNumber('SIM_MESSAGES', d.messages),
    ratePerS: envNumber('SIM_RATE', d.ratePerS),
    churnPerMinute: envNumber('SIM_CHURN', d.churnPerMinute),
    seed: envNumber('SIM_SEED', d.seed),
    settleQuietMs: envNumber('SIM_SETTLE_MS', d.settleQuietMs),
    settleTimeoutMs: d.settleTimeoutMs,
    deadlineMs: envNumber('SIM_DEADLINE_MS', d.deadlineMs),
    print: (line) => console.log(line),
  }
  console.log(
    `pss on ${cfg.nodes} real nodes (TCP + discovery v4 on 127.0.0.1), maxPeers ${cfg.maxPeers}` +
      `${cfg.dialRatio === undefined ? '' : `, dialRatio ${cfg.dialRatio}`}` +
      `${cfg.hint === 'own-lookup' ? ', hint plus own-id lookups' : ''}` +
      `${cfg.start === 'together' ? ', started all at once' : ''}, ` +
      `${cfg.messages} messages at ${cfg.ratePerS}/s, churn ${pct(cfg.churnPerMinute)}/min, seed ${cfg.seed}\n`,
  )
  const r = await runNodesSim(cfg)
  if (r.left > 0) console.log(`churn: ${r.left} nodes left, ${r.joined} joined`)
  if (r.recipientLeft > 0) console.log(`not counted: ${r.recipientLeft} (recipient left)`)
  console.log(`pss drops: ${JSON.stringify(r.drops)}`)
  console.log(`failed connection setups: ${JSON.stringify(r.setupFailures)}`)
  console.log(`not delivered, by how they ended: ${JSON.stringify(r.failureKinds)}`)
  console.log(
    `not delivered, by the nodes in the recipient's bin where they first moved away from it: ${JSON.stringify(r.turnBinSizes)}`,
  )
  for (const line of r.failures.slice(0, FAILURES_PRINTED)) console.log(`not delivered: ${line}`)
  if (r.failures.length > FAILURES_PRINTED)
    console.log(`… and ${r.failures.length - FAILURES_PRINTED} more`)
  console.log(`\n${NODES_TABLE_HEADER}\n${nodesTableRow(r)}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
