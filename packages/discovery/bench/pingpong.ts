/**
 * discv4 Ping → Pong round trips per second over loopback UDP: our Discv4 pinging another
 * Discv4, beside @ethereumjs/devp2p's DPT pinging another DPT, one at a time and with 16
 * Pings in flight. Both ends run in this process, so a round trip costs the process both
 * sides' work: sign the Ping, hash and recover it, sign the Pong, hash and recover it,
 * plus four UDP syscalls and the bookkeeping of each implementation (ours: reply
 * matching, bond records in the node database, the table update of a known node).
 *
 * Run: tsx --conditions=@devp2p/source bench/pingpong.ts   BENCH_MS=<ms per round> (default 300).
 *
 * How each side is driven, in a steady state where both ends already know each other:
 * - ours: `Discv4.ping(node)`, which resolves on the Pong that carries the Ping's hash.
 * - theirs: the DPT has no public ping (`addPeer` pings only nodes not in its table, and
 *   bans them when that fails), so the benchmark calls their server's `ping` (the one
 *   `addPeer`, `bootstrap` and their bucket revalidation use). It keeps the promise of a
 *   Ping per `address:port` for 1 s and hands it to any later caller without sending
 *   anything; the helper deletes that entry before each call, so every call is a real
 *   Ping and Pong.
 * "16 in flight" keeps 16 Pings outstanding and counts completed round trips.
 *
 * Two Pings with the same content sent within one second are the same bytes (both sign
 * deterministically, RFC 6979, and the expiration is in seconds), so they have the same
 * hash and one Pong answers both: ours would count one round trip several times, and
 * their server, which files requests by hash, loses the first request's promise for good
 * (it never settles; in their own use the 1 s cache above keeps a second Ping from being
 * sent). So both sides cycle through 64 variants of the target that differ in the TCP
 * port their Ping's `to` field announces: the Pings in flight are always distinct.
 *
 * Their crypto is @noble (pure JS). Ours runs with the backends it picks (native
 * libsecp256k1 when the addon loads) and with secp256k1 forced to @noble, to separate the
 * implementation from the crypto backend.
 */
import { cryptoBackends, generatePrivateKey, useBackend } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { type BenchEntry, type BenchRow, runComparison } from '@devp2p/testing'
import { createDiscv4, stopDiscv4 } from '../test/v4/helpers/discv4.js'
import { type DptNode, startDpt } from '../test/v4/helpers/ethereumjs-dpt.js'

const DEPTH = 16
let lost = 0
const countLoss = (): void => {
  lost++
}

/** Keeps `depth` calls of `once` outstanding; each call of the result waits for the oldest. */
function pipelined(once: () => Promise<unknown>, depth: number): () => Promise<unknown> {
  const queue: Promise<unknown>[] = []
  return async () => {
    while (queue.length < depth) queue.push(once().catch(countLoss))
    await queue.shift()
  }
}

// ---- ours: two Discv4 that have bonded and hold each other in their tables
const a = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
const b = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
await Promise.all([a.start(), b.start()])
await Promise.all([a.refresh(), b.refresh()])
const bNode = b.self()
await a.ping(bNode)
await b.ping(a.self())
for (let i = 0; i < 50; i++) await a.ping(bNode)

// ---- theirs: two DPTs that hold each other in their tables
const x: DptNode = await startDpt({ shouldFindNeighbours: false, timeout: 1000 })
const y: DptNode = await startDpt({ shouldFindNeighbours: false, timeout: 1000 })
await x.dpt.addPeer(y.peerInfo)
await y.dpt.addPeer(x.peerInfo)
for (let i = 0; i < 50; i++) await x.ping(y.peerInfo)

const initial = cryptoBackends()
const backends = [initial.secp256k1, ...(initial.secp256k1 === 'noble' ? [] : ['noble'])] as const
let current: string = initial.secp256k1
/** `fn`, run with our secp256k1 backend set to `backend`. */
const withBackend =
  (backend: string, fn: () => Promise<unknown>): (() => Promise<unknown>) =>
  () => {
    if (current !== backend) {
      useBackend({ secp256k1: backend as 'native' | 'noble' })
      current = backend
    }
    return fn()
  }

const VARIANTS = 64
const bNodes = Array.from({ length: VARIANTS }, (_, i) =>
  ENode.fromPublicKey(bNode.publicKey, { ip: bNode.ip, udp: bNode.udp, tcp: 30_000 + i }),
)
const yPeers = Array.from({ length: VARIANTS }, (_, i) => ({ ...y.peerInfo, tcpPort: 30_000 + i }))
let sent = 0
const oursPing = (): Promise<unknown> => a.ping(bNodes[sent++ % VARIANTS]!).catch(countLoss)
/**
 * Their ping promise can stay pending forever when their per-address cache hands out a
 * promise whose request was replaced; a lost round trip must not hang the bench.
 */
function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
const theirPing = (): Promise<unknown> =>
  within(x.ping(yPeers[sent++ % VARIANTS]!), 2_000).catch(countLoss)

function row(op: string, wrap: (fn: () => Promise<unknown>) => () => Promise<unknown>): BenchRow {
  const entries: BenchEntry[] = backends.map((backend) => ({
    label: `ours (${backend} secp256k1, ${initial.keccak} keccak)`,
    fn: withBackend(backend, wrap(oursPing)),
    async: true,
  }))
  entries.push({ label: '@ethereumjs/devp2p DPT', fn: wrap(theirPing), async: true })
  return { op, entries }
}

const results = await runComparison('discv4 Ping → Pong over loopback UDP, round trips/s', [
  row('sequential', (fn) => fn),
  row(`${DEPTH} in flight`, (fn) => pipelined(fn, DEPTH)),
])

console.log('\n| operation | ours ÷ theirs (per backend) |\n| --- | --- |')
for (const op of new Set(results.map((r) => r.op))) {
  const rs = results.filter((r) => r.op === op)
  const theirs = rs.at(-1)!
  const ratios = rs
    .slice(0, -1)
    .map(
      (r) =>
        `${r.label.replace(/^ours \(| secp256k1.*$/g, '')}: ${(r.opsPerSec / theirs.opsPerSec).toFixed(2)}×`,
    )
  console.log(`| ${op} | ${ratios.join(', ')} |`)
}
if (lost > 0) console.log(`\n${lost} Pings went unanswered within the timeout`)

await Promise.all([stopDiscv4(a), stopDiscv4(b), x.stop(), y.stop()])
