/**
 * Lockout through pending slots (issue #15 point 2), measured: while N sockets from one
 * address (127.0.0.2), half sending nothing and half one byte per second, are reopened
 * as soon as the server closes them, M legitimate peers from another address
 * (127.0.0.1) try to join a default server (50 handshake slots, 5 s deadline), one
 * arriving every WINDOW/M. Each tries again 1 s after a failed attempt until the window
 * ends. Printed: how many got in, and how long each took from its first attempt to the
 * server's `add` event.
 *
 * The attacker runs in a child process (its own event loop, as a remote attacker has);
 * the server and the legitimate peers share this one.
 *
 * Run: cd packages/p2p && npx pnpm bench:lockout
 * LOCKOUT_SOCKETS (default 600; 0 for the baseline without attack), LOCKOUT_PEERS (37),
 * LOCKOUT_WINDOW_MS (20000).
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey } from '@devp2p/crypto'
import { Server } from '../src/index.ts'
import { rawJoin } from '../test/helpers/raw-peer.ts'
import { fooProtocol } from '../test/helpers/servers.ts'
import { SlotAttacker } from '../test/helpers/slot-attacker.ts'

const envInt = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name]
  const value = Number(raw)
  return raw !== undefined && raw !== '' && Number.isInteger(value) && value >= min
    ? value
    : fallback
}
const SOCKETS = envInt('LOCKOUT_SOCKETS', 600, 0)
const PEERS = envInt('LOCKOUT_PEERS', 37)
const WINDOW_MS = envInt('LOCKOUT_WINDOW_MS', 20_000)
const RETRY_MS = 1_000

interface AttackStats {
  connects: number
  closes: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The child: attacks until told to stop, then reports its counts. */
function runAttacker(port: number, sockets: number): void {
  const attacker = new SlotAttacker({ port, sockets })
  attacker.start()
  const ready = setInterval(() => {
    if (attacker.connects >= sockets && attacker.closes >= sockets) {
      clearInterval(ready)
      process.send?.({ type: 'ready' })
    }
  }, 50)
  process.on('message', (msg: { type: string }) => {
    if (msg.type !== 'stop') return
    const stats: AttackStats = { connects: attacker.connects, closes: attacker.closes }
    attacker.stop()
    process.send?.({ type: 'stats', stats }, () => process.exit(0))
  })
}

async function main(): Promise<void> {
  const server = new Server({
    privateKey: generatePrivateKey(),
    listenAddr: '127.0.0.1:0',
    protocols: [fooProtocol()],
    noDial: true,
  })
  await server.start()
  const port = server.self().tcp!
  const child = fork(fileURLToPath(import.meta.url), ['attacker', String(port), String(SOCKETS)], {
    execArgv: process.execArgv,
  })
  const messages: { type: string; stats?: AttackStats }[] = []
  let wake: (() => void) | undefined
  child.on('message', (msg: { type: string; stats?: AttackStats }) => {
    messages.push(msg)
    wake?.()
  })
  const nextMessage = async (type: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type)
      if (found) return found
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }
  await nextMessage('ready')
  const pendingAtStart = server.pendingHandshakes

  const start = performance.now()
  const results = await Promise.all(
    Array.from({ length: PEERS }, async (_, i) => {
      await sleep((i * WINDOW_MS) / PEERS)
      const first = performance.now()
      let attempts = 0
      while (performance.now() - start < WINDOW_MS) {
        attempts++
        try {
          const peer = await rawJoin(server)
          const ms = performance.now() - first
          await peer.conn.close()
          return { ms, attempts }
        } catch {
          await sleep(RETRY_MS)
        }
      }
      return { ms: undefined, attempts }
    }),
  )
  child.send({ type: 'stop' })
  const { stats } = await nextMessage('stats')
  await server.stop()

  const joined = results.flatMap((r) => (r.ms === undefined ? [] : [r.ms])).sort((a, b) => a - b)
  const at = (q: number) => joined[Math.min(joined.length - 1, Math.floor(q * joined.length))]!
  const fmt = (ms: number) => (ms < 100 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`)
  console.log(
    `lockout: ${SOCKETS} idle/trickling sockets from 127.0.0.2 reconnecting ` +
      `(${stats!.connects} connections, ${stats!.closes} closed by the server); ` +
      `${pendingAtStart} handshakes pending when the peers started`,
  )
  console.log(
    `  ${joined.length} of ${PEERS} legitimate peers from 127.0.0.1 got in within ${WINDOW_MS / 1000} s` +
      ` (${results.reduce((n, r) => n + r.attempts, 0)} attempts)`,
  )
  if (joined.length > 0) {
    console.log(
      `  time to join: median ${fmt(at(0.5))}, p90 ${fmt(at(0.9))}, max ${fmt(joined.at(-1)!)}`,
    )
  }
}

if (process.argv[2] === 'attacker') {
  runAttacker(Number(process.argv[3]), Number(process.argv[4]))
} else {
  await main()
}
