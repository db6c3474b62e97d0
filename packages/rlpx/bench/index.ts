/**
 * RLPx benchmarks, ours beside @ethereumjs/devp2p's RLPx in the same run, each with the
 * floor the crypto primitives set:
 * - handshakes per second (both ends in this process over loopback TCP, sequential);
 * - throughput over one connection for 64 B … 1 MiB messages, snappy off and on;
 * - heap per idle connection with 500 connections;
 * - the primitive floor: the ECDH/keygen/sign/recover of one handshake and the
 *   keccak/AES of one frame, measured here, and the distance of every figure to it.
 *
 * Run: npx pnpm --filter @devp2p/rlpx bench   (tsx --conditions=source --expose-gc bench/index.ts)
 * Optional argument: handshakes to time (default 300).
 */
import { createCipheriv } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import {
  cryptoBackends,
  ecdh,
  generatePrivateKey,
  keccak256,
  publicKeyFromPrivate,
  randomBytes,
  recoverPublicKey,
  sign,
} from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '../src/index.js'
import { ethereumjsPeer } from '../test/helpers/ethereumjs-peer.js'

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })
const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`
const sizeName = (size: number) =>
  size >= 1024 * 1024
    ? `${size / 1024 / 1024} MiB`
    : size >= 1024
      ? `${size / 1024} KiB`
      : `${size} B`

// ---------------------------------------------------------------- TCP plumbing

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

/** A listener answering our handshakes; `pair()` dials it and returns both ends after Hello. */
async function oursListener() {
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
  const pair = async (): Promise<[RlpxConnection, RlpxConnection]> => {
    const got = new Promise<RlpxConnection>((r) => accepted.push(r))
    const a = await initiatorHandshake(await dial(srv.port), {
      privateKey: keyA,
      remotePublicKey: pubB,
    })
    await a.writeMsg(0, hello(pubA))
    await a.readMsg()
    return [a, await got]
  }
  return { pair, close: srv.close }
}

type TheirPeer = ReturnType<typeof ethereumjsPeer>
const theirSocket = (p: TheirPeer) => (p.peer as unknown as { _socket: Socket })._socket

/** The same with two @ethereumjs/devp2p Peers (their handshake and Hello, snappy on). */
async function theirListener() {
  const keyA = generatePrivateKey()
  const keyB = generatePrivateKey()
  const pubA = publicKeyFromPrivate(keyA)
  const pubB = publicKeyFromPrivate(keyB)
  const accepted: TheirPeer[] = []
  const srv = await server((s) => {
    accepted.push(
      ethereumjsPeer({ socket: s, privateKey: keyB, publicKey: pubB, remotePublicKey: null }),
    )
  })
  const pair = async (): Promise<[TheirPeer, TheirPeer]> => {
    const a = ethereumjsPeer({
      socket: await dial(srv.port),
      privateKey: keyA,
      publicKey: pubA,
      remotePublicKey: pubB,
    })
    await a.connected
    const b = accepted.shift()!
    await b.connected
    return [a, b]
  }
  return { pair, close: srv.close }
}

// ---------------------------------------------------------------- handshakes

async function oursHandshakes(n: number): Promise<number> {
  const l = await oursListener()
  for (let i = 0; i < 100; i++) {
    const [a, b] = await l.pair()
    await Promise.all([a.close(), b.close()])
  }
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const [a, b] = await l.pair()
    await Promise.all([a.close(), b.close()])
  }
  const rate = n / ((performance.now() - t0) / 1000)
  await l.close()
  return rate
}

async function theirHandshakes(n: number): Promise<number> {
  const l = await theirListener()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const [a, b] = await l.pair()
    theirSocket(a).destroy()
    theirSocket(b).destroy()
  }
  const rate = n / ((performance.now() - t0) / 1000)
  await l.close()
  return rate
}

/**
 * The I/O alone: sequential TCP connect, the four one-way messages of a handshake and
 * Hello exchange (auth, ack, Hello, Hello; 400 bytes each), close. No crypto.
 */
async function tcpOnly(n: number): Promise<number> {
  const msg = new Uint8Array(400)
  const srv = await server((s) => {
    s.setNoDelay(true)
    let got = 0
    s.on('data', (d) => {
      got += d.length
      if (got === 400 || got === 800) s.write(msg)
    })
    s.on('end', () => s.end())
    s.on('error', () => {})
  })
  const once = async () => {
    const s = await dial(srv.port)
    s.setNoDelay(true)
    let got = 0
    let wake!: () => void
    s.on('data', (d) => {
      got += d.length
      if (got === 400 || got === 800) wake()
    })
    for (let round = 0; round < 2; round++) {
      const p = new Promise<void>((r) => (wake = r))
      s.write(msg)
      await p
    }
    await new Promise<void>((r) => s.end(r))
    s.destroy()
  }
  for (let i = 0; i < 100; i++) await once()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await once()
  const rate = n / ((performance.now() - t0) / 1000)
  await srv.close()
  return rate
}

// ---------------------------------------------------------------- throughput

/** Half random, half zeros: compressible like real traffic, not trivially so. */
function makePayload(size: number): Uint8Array {
  const payload = new Uint8Array(size)
  payload.set(randomBytes(size >> 1))
  return payload
}

interface Rate {
  msgs: number
  mbs: number
}

async function oursThroughput(size: number, snappy: boolean, totalBytes: number): Promise<Rate> {
  const l = await oursListener()
  const [a, b] = await l.pair()
  a.setSnappy(snappy)
  b.setSnappy(snappy)
  const payload = makePayload(size)
  const count = Math.max(20, Math.floor(totalBytes / size))
  const t0 = performance.now()
  const reader = (async () => {
    for (let i = 0; i < count; i++) await b.readMsg()
  })()
  for (let i = 0; i < count; i++) await a.writeMsg(0x10, payload)
  await reader
  const secs = (performance.now() - t0) / 1000
  await Promise.all([a.close(), b.close()])
  await l.close()
  return { msgs: count / secs, mbs: (count * size) / secs / 1e6 }
}

/** Their Peers always negotiate p2p v5, so snappy is always on between two of them. */
async function theirThroughput(size: number, totalBytes: number): Promise<Rate> {
  const l = await theirListener()
  const [a, b] = await l.pair()
  const payload = makePayload(size)
  const count = Math.max(20, Math.min(3000, Math.floor(totalBytes / size)))
  // their send() does not report back-pressure: keep about 4 MiB in flight
  const window = Math.max(4, Math.floor((4 * 1024 * 1024) / size))
  let sent = 0
  const t0 = performance.now()
  for (let got = 0; got < count; got++) {
    while (sent < count && sent - got < window) {
      a.sendFoo(payload)
      sent++
    }
    await b.nextMessage()
  }
  const secs = (performance.now() - t0) / 1000
  if (a.errors.length + b.errors.length > 0) throw a.errors[0] ?? b.errors[0]
  theirSocket(a).destroy()
  theirSocket(b).destroy()
  await l.close()
  return { msgs: count / secs, mbs: (count * size) / secs / 1e6 }
}

// ---------------------------------------------------------------- heap per connection

const gc = (globalThis as { gc?: () => void }).gc
async function settle(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 20))
    gc?.()
  }
  return process.memoryUsage()
}

interface Heap {
  heap: number
  external: number
}

async function heapPerConnection<T>(
  n: number,
  open: () => Promise<T>,
  close: (items: T[]) => Promise<void>,
): Promise<Heap> {
  const items: T[] = []
  items.push(await open()) // warm every code path and lazy allocation first
  const before = await settle()
  for (let i = 1; i <= n; i++) items.push(await open())
  const after = await settle()
  await close(items)
  return {
    heap: (after.heapUsed - before.heapUsed) / n,
    external: (after.external - before.external) / n,
  }
}

async function oursHeap(n: number): Promise<Heap> {
  const l = await oursListener()
  const r = await heapPerConnection(
    n,
    () => l.pair(),
    async (pairs) => {
      await Promise.all(pairs.flat().map((c) => c.close()))
    },
  )
  await l.close()
  return r
}

async function theirHeap(n: number): Promise<Heap> {
  const l = await theirListener()
  const r = await heapPerConnection(
    n,
    () => l.pair(),
    async (pairs) => {
      for (const p of pairs.flat()) theirSocket(p).destroy()
    },
  )
  await l.close()
  return r
}

// ---------------------------------------------------------------- primitive floor

/** Median µs per call of `f` over a few rounds of about `ms` each. */
function cost(f: () => void, ms = 150): number {
  for (let i = 0; i < 50; i++) f()
  const rounds: number[] = []
  for (let r = 0; r < 5; r++) {
    let n = 0
    const t0 = performance.now()
    let t = t0
    while (t - t0 < ms / 5) {
      for (let i = 0; i < 10; i++) f()
      n += 10
      t = performance.now()
    }
    rounds.push(((t - t0) * 1000) / n)
  }
  return rounds.sort((a, b) => a - b)[2]!
}

function primitiveCosts() {
  const k1 = generatePrivateKey()
  const k2 = generatePrivateKey()
  const pub2 = publicKeyFromPrivate(k2)
  const digest = randomBytes(32)
  const sig = sign(digest, k1)
  const keygen = cost(() => publicKeyFromPrivate(generatePrivateKey()))
  const ecdhUs = cost(() => ecdh(k1, pub2))
  const signUs = cost(() => sign(digest, k1))
  const recoverUs = cost(() => recoverPublicKey(digest, sig))
  const keccak32 = cost(() => keccak256(digest))
  const handshakeUs = 8 * ecdhUs + 4 * keygen + signUs + recoverUs
  return { keygen, ecdh: ecdhUs, sign: signUs, recover: recoverUs, keccak32, handshakeUs }
}

/**
 * The crypto one frame needs on one end, measured on the primitives themselves: AES-CTR
 * over header + padded body, keccak over the padded body, 4 keccak digests of 32 bytes
 * (MAC seeds and tags) and 2 AES blocks (the MAC seeds). Both ends in one process: × 2.
 */
function frameFloorUs(encryptedBytes: number, keccak32: number): number {
  const key = randomBytes(32)
  const ctr = createCipheriv('aes-256-ctr', key, new Uint8Array(16))
  const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  const padded = (encryptedBytes + 1 + 15) & ~15
  const body = randomBytes(16 + padded)
  const block = randomBytes(16)
  const ms = padded > 64 * 1024 ? 400 : 150
  const aes = cost(() => ctr.update(body), ms)
  const mac = cost(() => keccak256(body.subarray(16)), ms)
  const seeds = cost(() => ecb.update(block))
  return 2 * (aes + mac + 4 * keccak32 + 2 * seeds)
}

// ---------------------------------------------------------------- run

const N = Number(process.argv[2] ?? 300)
const backends = cryptoBackends()
console.log(
  `crypto backends: secp256k1 ${backends.secp256k1}, keccak ${backends.keccak}, aes ${backends.aes}` +
    (gc ? '' : '  (no --expose-gc: heap figures are rough)'),
)

const prim = primitiveCosts()
console.log('\nPrimitive costs (median µs per operation, this run)')
console.table([
  {
    keygen: prim.keygen.toFixed(1),
    ECDH: prim.ecdh.toFixed(1),
    sign: prim.sign.toFixed(1),
    recover: prim.recover.toFixed(1),
    'keccak256 32 B': prim.keccak32.toFixed(2),
    'one handshake, both ends': prim.handshakeUs.toFixed(0),
  },
])

const hsFloor = 1e6 / prim.handshakeUs
const tcpRate = await tcpOnly(N)
const oursHs = await oursHandshakes(N)
const theirHs = await theirHandshakes(Math.max(20, Math.round(N / 10)))
console.log(
  '\nHandshake + Hello exchange, both ends in one process, sequential TCP connects\n' +
    `(floor: 8 ECDH + 4 keygen + 1 sign + 1 recover = ${fmt(prim.handshakeUs)} µs → ${fmt(hsFloor)}/s;\n` +
    ` the same exchanges over TCP without crypto: ${fmt(tcpRate)}/s = ${fmt(1e6 / tcpRate)} µs;\n` +
    ` crypto + that I/O: ${fmt(1e6 / (prim.handshakeUs + 1e6 / tcpRate))}/s)`,
)
console.table([
  {
    impl: '@devp2p/rlpx',
    'handshakes/s': fmt(oursHs),
    'vs theirs': ratio(oursHs, theirHs),
    'distance to floor': ratio(hsFloor, oursHs),
  },
  {
    impl: '@ethereumjs/devp2p',
    'handshakes/s': fmt(theirHs),
    'vs theirs': '',
    'distance to floor': ratio(hsFloor, theirHs),
  },
])

const rows = []
for (const size of [64, 1024, 16 * 1024, 1024 * 1024]) {
  const floorUs = frameFloorUs(size, prim.keccak32)
  const floorMbs = size / floorUs
  const theirs = await theirThroughput(size, 8 * 1024 * 1024)
  for (const snappy of [false, true]) {
    const r = await oursThroughput(size, snappy, 64 * 1024 * 1024)
    rows.push({
      size: sizeName(size),
      snappy,
      'msgs/s': fmt(r.msgs),
      'MB/s': fmt(r.mbs, 1),
      'floor MB/s': fmt(floorMbs, 1),
      'distance to floor': snappy ? '(compressed)' : ratio(floorMbs, r.mbs),
      'theirs msgs/s': snappy ? fmt(theirs.msgs) : '',
      'theirs MB/s': snappy ? fmt(theirs.mbs, 1) : '',
      'ours ÷ theirs': snappy ? ratio(r.mbs, theirs.mbs) : '',
    })
  }
}
console.log(
  '\nOne TCP connection, writer and reader in one process. Floor: AES-CTR + keccak of the' +
    '\nframe, 4 keccak digests and 2 AES blocks, on both ends, without snappy. Their Peers' +
    '\nalways negotiate snappy, so theirs is only beside ours with snappy on.',
)
console.table(rows)

const CONNS = 500
const oursMem = await oursHeap(CONNS)
const theirMem = await theirHeap(CONNS)
const kib = (n: number) => `${fmt(n / 1024, 1)} KiB`
console.log(
  `\nMemory per idle connection (both ends, after Hello), ${CONNS} connections open, after gc`,
)
console.table([
  {
    impl: '@devp2p/rlpx',
    heapUsed: kib(oursMem.heap),
    external: kib(oursMem.external),
    total: kib(oursMem.heap + oursMem.external),
    'vs theirs': ratio(oursMem.heap + oursMem.external, theirMem.heap + theirMem.external),
  },
  {
    impl: '@ethereumjs/devp2p',
    heapUsed: kib(theirMem.heap),
    external: kib(theirMem.external),
    total: kib(theirMem.heap + theirMem.external),
    'vs theirs': '',
  },
])
process.exit(0)
