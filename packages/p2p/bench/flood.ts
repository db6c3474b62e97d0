/**
 * Fairness under floods: how long one node's event loop is held while 1 or 8 peers flood
 * it with small messages and read the replies, and what a legitimate peer sees meanwhile.
 *
 * The node (a `Server` with an echo sub-protocol) runs in this process; the flooders and
 * the legitimate peer (the probe) run in two child processes (bench/flood-peer.ts), so
 * only the node's own work counts in `perf_hooks.monitorEventLoopDelay`. Each scenario:
 * flooders join and flood for FLOOD_MS while the probe joins, does 10 round trips, leaves
 * and joins again; printed: the loop delay's p99 and max during the flood, the probe's
 * setup time (TCP connect to the node's Hello) median and max, its median round trip,
 * and how often the node dropped a flooder (a dropped flooder joins again at once).
 *
 * Run: cd packages/p2p && npx tsx --conditions=@devp2p/source bench/flood.ts   (also in `pnpm bench`)
 * FLOOD_MS sets each scenario's duration (default 3000).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { generatePrivateKey } from '@devp2p/crypto'
import { type Protocol, Server } from '../src/index.ts'
import type { FloodPeerArgs } from './flood-peer.ts'

const envMs = Number(process.env.FLOOD_MS)
const FLOOD_MS = Number.isFinite(envMs) && envMs > 0 ? envMs : 3000

const echo: Protocol = {
  name: 'bench',
  version: 1,
  length: 3,
  async run(_peer, rw) {
    for await (const msg of rw) await rw.writeMsg({ code: 0, payload: msg.payload })
  },
}

const sleep = (n: number): Promise<void> => new Promise((r) => setTimeout(r, n))

interface Probe {
  setupMs: number
  rttMs: number
}

function child(args: FloodPeerArgs, onMsg: (msg: { type: string }) => void): ChildProcess {
  const proc = fork(new URL('./flood-peer.ts', import.meta.url), [JSON.stringify(args)], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  proc.on('message', onMsg)
  return proc
}

async function stopChild(proc: ChildProcess): Promise<Record<string, number>> {
  const stopped = new Promise<Record<string, number>>((resolve) => {
    proc.on('message', (msg: { type: string } & Record<string, number>) => {
      if (msg.type === 'stopped') resolve(msg)
    })
    proc.once('exit', () => resolve({}))
  })
  proc.send({ type: 'stop' })
  const timer = setTimeout(() => proc.kill(), 5000)
  const result = await stopped
  clearTimeout(timer)
  if (proc.exitCode === null) await once(proc, 'exit')
  return result
}

const pct = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
const ms = (n: number): string =>
  n == null || Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(1)

async function scenario(label: string, count: number, kind: 'ping' | 'sub'): Promise<void> {
  const server = new Server({
    privateKey: generatePrivateKey(),
    listenAddr: '127.0.0.1:0',
    name: 'flood-bench',
    protocols: [echo],
    noDial: true,
    maxPeers: 50,
  })
  await server.start()
  const self = server.self()
  const base = { port: self.tcp!, node: Buffer.from(self.publicKey).toString('hex') }
  let drops = 0
  // the probe and stopping flooders leave without a Disconnect (network error) or with
  // one (requested, quitting); anything else is the node dropping a flooder
  server.on('peer', (e) => {
    if (e.type === 'drop' && ![0x00, 0x01, 0x08].includes(e.reason ?? 0)) drops++
  })
  let flood: ChildProcess | undefined
  if (count > 0) {
    let started!: () => void
    const ready = new Promise<void>((r) => {
      started = r
    })
    flood = child({ mode: 'flood', count, kind, ...base }, (m) => {
      if (m.type === 'started') started()
    })
    await ready
    // let every flooder join and reach full speed
    // (bounded: a frozen node may never let all of them in)
    const joinBy = performance.now() + 10_000
    while (server.peerCount < count && performance.now() < joinBy) {
      await Promise.race([new Promise((r) => server.once('peer', r)), sleep(500)])
    }
    await sleep(300)
  }
  const probes: Probe[] = []
  let probeFailures = 0
  let measuring = false
  let warmedUp!: () => void
  const warm = new Promise<void>((r) => {
    warmedUp = r
  })
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  // the first probe (its process starting, its JIT warming) is not counted
  const probe = child({ mode: 'probe', rtts: 10, ...base }, (m) => {
    if (m.type === 'probe') {
      if (measuring) probes.push(m as unknown as Probe)
      else warmedUp()
    }
    if (m.type === 'probe-failed' && measuring) probeFailures++
  })
  await Promise.race([warm, sleep(10_000)])
  measuring = true
  histogram.enable()
  await sleep(FLOOD_MS)
  measuring = false
  histogram.disable()
  await stopChild(probe)
  const sent = flood ? await stopChild(flood) : {}
  await server.stop()
  const setups = probes.map((p) => p.setupMs).sort((a, b) => a - b)
  const rtts = probes.map((p) => p.rttMs ?? Number.NaN).sort((a, b) => a - b)
  const p99 = histogram.percentile(99) / 1e6
  const max = histogram.max / 1e6
  console.log(
    `${label.padEnd(30)} loop delay p99 ${ms(p99).padStart(6)} ms, max ${ms(max).padStart(6)} ms | ` +
      `probe setup median ${ms(pct(setups, 0.5)).padStart(6)} ms, max ${ms(setups.at(-1) ?? Number.NaN).padStart(6)} ms ` +
      `(${setups.length} setups${probeFailures ? `, ${probeFailures} failed` : ''}), RTT median ${ms(pct(rtts, 0.5))} ms | ` +
      `flooders dropped ${drops}${sent.sent ? `, ${Math.round(sent.sent / (FLOOD_MS / 1000)).toLocaleString('en-US')} msgs/s sent` : ''}`,
  )
}

console.log(`flood bench: ${FLOOD_MS} ms per scenario, node in this process, peers in two children`)
await scenario('no flood', 0, 'sub')
await scenario('1 peer flooding Pings', 1, 'ping')
await scenario('8 peers flooding Pings', 8, 'ping')
await scenario('1 peer flooding sub-protocol', 1, 'sub')
await scenario('8 peers flooding sub-protocol', 8, 'sub')
