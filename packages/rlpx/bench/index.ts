/**
 * RLPx benchmarks: handshakes per second (ours vs @ethereumjs/devp2p, both ends in this
 * process over loopback TCP), throughput over one connection, and the frame-codec floor.
 * Run: npx tsx --conditions=source bench/index.ts
 */
import { connect, createServer, type Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import {
  deriveSecrets,
  FrameCodec,
  initiatorHandshake,
  type RlpxConnection,
  recipientHandshake,
} from '../src/index.js'
import { ethereumjsPeer } from '../test/helpers/ethereumjs-peer.js'

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })

async function server(onSocket: (s: Socket) => void) {
  const srv = createServer(onSocket)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as { port: number }
  return { port, close: () => new Promise<void>((r) => srv.close(() => r())) }
}
async function dial(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1')
  await new Promise((r) => s.once('connect', r))
  return s
}
const hello = (pub: Uint8Array) => encode([5, 'bench', [['foo', 1]], 0, pub])

async function oursHandshakes(n: number): Promise<number> {
  const keyA = generatePrivateKey()
  const keyB = generatePrivateKey()
  const pubA = publicKeyFromPrivate(keyA)
  const pubB = publicKeyFromPrivate(keyB)
  const accepted: ((c: RlpxConnection) => void)[] = []
  const srv = await server((s) => {
    void recipientHandshake(s, { privateKey: keyB }).then(async (c) => {
      await c.writeMsg(0, hello(pubB))
      await c.readMsg()
      accepted.shift()?.(c)
    })
  })
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const got = new Promise<RlpxConnection>((r) => accepted.push(r))
    const a = await initiatorHandshake(await dial(srv.port), {
      privateKey: keyA,
      remotePublicKey: pubB,
    })
    await a.writeMsg(0, hello(pubA))
    await a.readMsg()
    const b = await got
    await Promise.all([a.close(), b.close()])
  }
  const rate = n / ((performance.now() - t0) / 1000)
  await srv.close()
  return rate
}

async function theirHandshakes(n: number): Promise<number> {
  const keyA = generatePrivateKey()
  const keyB = generatePrivateKey()
  const pubA = publicKeyFromPrivate(keyA)
  const pubB = publicKeyFromPrivate(keyB)
  const peers: ReturnType<typeof ethereumjsPeer>[] = []
  const srv = await server((s) => {
    peers.push(
      ethereumjsPeer({ socket: s, privateKey: keyB, publicKey: pubB, remotePublicKey: null }),
    )
  })
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const s = await dial(srv.port)
    const a = ethereumjsPeer({
      socket: s,
      privateKey: keyA,
      publicKey: pubA,
      remotePublicKey: pubB,
    })
    await a.connected
    s.destroy()
  }
  const rate = n / ((performance.now() - t0) / 1000)
  for (const p of peers) (p.peer as unknown as { _socket: Socket })._socket.destroy()
  await srv.close()
  return rate
}

async function throughput(size: number, snappy: boolean, totalBytes: number) {
  const keyB = generatePrivateKey()
  let accept!: (c: RlpxConnection) => void
  const got = new Promise<RlpxConnection>((r) => (accept = r))
  const srv = await server((s) => void recipientHandshake(s, { privateKey: keyB }).then(accept))
  const a = await initiatorHandshake(await dial(srv.port), {
    privateKey: generatePrivateKey(),
    remotePublicKey: publicKeyFromPrivate(keyB),
  })
  const b = await got
  a.setSnappy(snappy)
  b.setSnappy(snappy)
  // half random, half zeros: compressible like real traffic, not trivially so
  const payload = new Uint8Array(size)
  payload.set(randomBytes(size >> 1))
  const count = Math.max(20, Math.floor(totalBytes / size))
  const t0 = performance.now()
  const reader = (async () => {
    for (let i = 0; i < count; i++) await b.readMsg()
  })()
  for (let i = 0; i < count; i++) await a.writeMsg(0x10, payload)
  await reader
  const secs = (performance.now() - t0) / 1000
  await Promise.all([a.close(), b.close()])
  await srv.close()
  return { msgs: count / secs, mbs: (count * size) / secs / 1e6 }
}

function codecFloor(size: number, seconds = 0.5) {
  const mk = () => {
    const s = {
      initiator: true,
      ephemeralPrivateKey: generatePrivateKey(),
      remoteEphemeralPublicKey: publicKeyFromPrivate(generatePrivateKey()),
      localNonce: new Uint8Array(32),
      remoteNonce: new Uint8Array(32),
      authPacket: new Uint8Array(1),
      ackPacket: new Uint8Array(1),
      remotePublicKey: new Uint8Array(64),
    }
    return s
  }
  const input = mk()
  const tx = new FrameCodec(deriveSecrets(input))
  // a mirror codec: swap roles so its ingress equals tx's egress
  const rx = new FrameCodec({ ...deriveSecrets(input), ingressMac: deriveSecrets(input).egressMac })
  const payload = randomBytes(size)
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < seconds * 1000) {
    const frame = tx.encode(0x10, payload)
    const rest = rx.decodeHeader(frame.subarray(0, 32))
    rx.decodeBody(frame.subarray(32, 32 + rest))
    n++
  }
  const secs = (performance.now() - t0) / 1000
  return { msgs: n / secs, mbs: (n * size) / secs / 1e6 }
}

const N = Number(process.argv[2] ?? 200)
const ours = await oursHandshakes(N)
const theirs = await theirHandshakes(Math.max(20, N / 4))
console.log('\nHandshake + Hello exchange, both ends in one process, sequential TCP connects')
console.table([
  { impl: '@devp2p/rlpx', 'handshakes/s': fmt(ours) },
  {
    impl: '@ethereumjs/devp2p',
    'handshakes/s': fmt(theirs),
    'ours ÷ this': `${(ours / theirs).toFixed(2)}×`,
  },
])

const rows = []
for (const size of [64, 1024, 16 * 1024, 1024 * 1024]) {
  const floor = codecFloor(size)
  for (const snappy of [false, true]) {
    const r = await throughput(size, snappy, 64 * 1024 * 1024)
    rows.push({
      size: size >= 1024 * 1024 ? '1 MiB' : size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
      snappy,
      'msgs/s': fmt(r.msgs),
      'MB/s': fmt(r.mbs, 1),
      'codec floor msgs/s': fmt(floor.msgs),
      'codec floor MB/s': fmt(floor.mbs, 1),
    })
  }
}
console.log(
  '\nOne TCP connection, writer and reader in one process (codec floor: encode+decode in memory, no I/O)',
)
console.table(rows)
