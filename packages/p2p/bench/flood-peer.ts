/**
 * The remote side of bench/flood.ts, run in a child process so that its work does not
 * count in the node's event-loop delay. Argument: a JSON {@link FloodPeerArgs}.
 *
 * - `flood`: `count` peers join the node (Hello, snappy on) and each sends Pings or
 *   sub-protocol requests as fast as the socket takes them, reading (and discarding)
 *   every reply; a flooder that is dropped joins again. Reports `{ drops }` on 'stop'.
 * - `probe`: a legitimate peer joins, does `rtts` request/reply round trips, leaves,
 *   and does it again until told to stop; reports each setup time (TCP connect until
 *   the node's Hello is read) and the median round trip.
 */
import { connect, type Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { initiatorHandshake, type RlpxConnection } from '@devp2p/rlpx'

export interface FloodPeerArgs {
  mode: 'flood' | 'probe'
  port: number
  /** The node's public key, hex. */
  node: string
  /** flood: the number of flooding peers. */
  count?: number
  /** flood: what they send. */
  kind?: 'ping' | 'sub'
  /** probe: round trips per connection. */
  rtts?: number
}

/** The bench protocol's request code on the wire (base protocol 0x00–0x0f, then bench). */
export const ECHO_WIRE = 0x10
const PING = 0x02
const PING_PAYLOAD = Uint8Array.of(0xc0)
const SMALL = new Uint8Array(8)
const BATCH = 256

const utf8 = new TextEncoder()

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

async function join(args: FloodPeerArgs): Promise<RlpxConnection> {
  const privateKey = generatePrivateKey()
  const socket = await tcp(args.port)
  const conn = await initiatorHandshake(socket, {
    privateKey,
    remotePublicKey: Buffer.from(args.node, 'hex'),
  })
  const hello = encode([
    5,
    utf8.encode('flood-peer'),
    [[utf8.encode('bench'), 1]],
    0,
    publicKeyFromPrivate(privateKey),
  ])
  await conn.writeMsg(0x00, hello)
  const theirs = await conn.readMsg()
  if (theirs.code !== 0x00) throw new Error(`expected hello, got ${theirs.code}`)
  conn.setSnappy(true)
  return conn
}

let stopping = false
const send = (msg: unknown): void => {
  process.send?.(msg)
}

async function flooder(args: FloodPeerArgs, counts: { drops: number; sent: number }) {
  const code = args.kind === 'ping' ? PING : ECHO_WIRE
  const payload = args.kind === 'ping' ? PING_PAYLOAD : SMALL
  while (!stopping) {
    let conn: RlpxConnection
    try {
      conn = await join(args)
    } catch {
      counts.drops++
      await new Promise((r) => setTimeout(r, 10))
      continue
    }
    const reading = (async () => {
      try {
        for await (const _ of conn) {
          // replies are read and discarded: the flooder keeps the node's writes flowing
        }
      } catch {}
    })()
    try {
      while (!stopping) {
        let last: Promise<void> | undefined
        for (let i = 0; i < BATCH; i++) {
          // only the last write is awaited: the others must not reject unhandled when the
          // node drops us mid-batch (a failed read fails the connection's queued writes too)
          last?.catch(() => {})
          last = conn.writeMsg(code, payload)
        }
        await last
        counts.sent += BATCH
      }
    } catch {
      counts.drops++
    }
    await conn.close()
    await reading
  }
}

async function probe(args: FloodPeerArgs): Promise<void> {
  const rtts = args.rtts ?? 10
  while (!stopping) {
    const t0 = performance.now()
    let conn: RlpxConnection
    try {
      conn = await join(args)
    } catch (err) {
      send({ type: 'probe-failed', error: (err as Error).message })
      continue
    }
    const setupMs = performance.now() - t0
    const times: number[] = []
    try {
      for (let i = 0; i < rtts && !stopping; i++) {
        const t = performance.now()
        await conn.writeMsg(ECHO_WIRE, SMALL)
        for (;;) {
          const msg = await conn.readMsg()
          if (msg.code === ECHO_WIRE) break
          if (msg.code === PING) await conn.writeMsg(0x03, PING_PAYLOAD)
        }
        times.push(performance.now() - t)
      }
    } catch (err) {
      send({ type: 'probe-failed', error: (err as Error).message })
    }
    times.sort((a, b) => a - b)
    send({ type: 'probe', setupMs, rttMs: times[times.length >> 1] ?? Number.NaN })
    await conn.close()
    await new Promise((r) => setTimeout(r, 50))
  }
}

const args = JSON.parse(process.argv[2]!) as FloodPeerArgs
const counts = { drops: 0, sent: 0 }
const runs: Promise<void>[] = []
process.on('message', (msg: { type: string }) => {
  if (msg.type !== 'stop') return
  stopping = true
  void Promise.allSettled(runs).then(() => {
    send({ type: 'stopped', ...counts })
    process.disconnect?.()
  })
})
if (args.mode === 'flood') {
  for (let i = 0; i < (args.count ?? 1); i++) runs.push(flooder(args, counts))
} else {
  runs.push(probe(args))
}
send({ type: 'started' })
process.on('disconnect', () => setTimeout(() => process.exit(0), 3000).unref())
