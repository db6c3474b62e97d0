/**
 * The workloads and floor measurements of the RLPx bench. Each runs alone in a fresh
 * child process (see index.ts), so one implementation's garbage, timers and JIT state
 * never weigh on the next figure.
 */
import { createCipheriv, createHmac, hash } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import {
  ecdh,
  generatePrivateKey,
  KeccakState,
  keccak256,
  publicKeyFromPrivate,
  randomBytes,
  recoverPublicKey,
  sign,
} from '@devp2p/crypto'
import { encode } from '@devp2p/rlp'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '@devp2p/rlpx'
import { compressSync, uncompressSync } from 'snappy'
// The floor's snappy decoder and length reader are internals the package does not
// export: from the sources (plain functions, no closures for tsx to wrap).
import { uvarintLength } from '../src/snappy-codec.js'
import { snappyDecodeInto } from '../src/snappy-small.js'
import { snappyEncodeSmall } from '../src/snappy-small-encode.js'
import { ethereumjsPeer } from '../test/helpers/ethereumjs-peer.js'

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

/** A p2p Hello as a client sends it (≈ 100 bytes): the message both ends exchange. */
const hello = (pub: Uint8Array) => encode([5, 'bench', [['foo', 1]], 0, pub])
const HELLO_BYTES = hello(new Uint8Array(64)).length

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

// ---------------------------------------------------------------- timing helpers

/** Runs `round(count)` until about `ms` have passed; returns the rate per second. */
async function rateOver(ms: number, round: (count: number) => Promise<void>, first = 1) {
  let count = first
  let done = 0
  const t0 = performance.now()
  for (;;) {
    await round(count)
    done += count
    const elapsed = performance.now() - t0
    if (elapsed >= ms) return (done * 1000) / elapsed
    // aim the next round at the rest of the time, at most doubling
    count = Math.max(1, Math.min(2 * count, Math.ceil((done * (ms - elapsed)) / elapsed)))
  }
}

/** Median of three timed runs of `rateOver` after a warm-up of `warmMs`. */
async function steadyRate(warmMs: number, ms: number, round: (count: number) => Promise<void>) {
  await rateOver(warmMs, round)
  const rates = [await rateOver(ms, round), await rateOver(ms, round), await rateOver(ms, round)]
  return rates.sort((a, b) => a - b)[1]!
}

/**
 * Median µs per call of `f` in steady state: after 50 ms of warm-up, five rounds of
 * `ms / 5` each (long enough that the garbage of what `f` returns is collected within).
 */
function cost(f: () => void, ms = 250): number {
  for (const t0 = performance.now(); performance.now() - t0 < 50; ) {
    for (let i = 0; i < 10; i++) f()
  }
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

// ---------------------------------------------------------------- handshakes

/** The middle of three values. */
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[1]!

/**
 * Handshakes + Hello per second, sequential, both ends here, and the floor measured
 * right before each of three timed runs of `n` (after at least 4 s and `n` handshakes of
 * warm-up: the JIT takes a few thousand to settle). Measuring the two in turn keeps a
 * slow spell of this shared machine from landing on one and not the other.
 *
 * @returns the median rate, the floor of the median round and the median of the
 *   three distances (floor rate ÷ rate).
 */
export async function oursHandshakes(
  n: number,
): Promise<{ rate: number; floor: HandshakeFloor; distance: number }> {
  const l = await oursListener()
  const once = async () => {
    const [a, b] = await l.pair()
    await Promise.all([a.close(), b.close()])
  }
  const warmUntil = performance.now() + 4000
  for (let i = 0; i < n || performance.now() < warmUntil; i++) await once()
  const rounds: { rate: number; floor: HandshakeFloor }[] = []
  for (let round = 0; round < 3; round++) {
    const floor = handshakeFloor()
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await once()
    rounds.push({ rate: n / ((performance.now() - t0) / 1000), floor })
  }
  await l.close()
  const byFloor = [...rounds].sort((a, b) => a.floor.total - b.floor.total)
  return {
    rate: median(rounds.map((r) => r.rate)),
    floor: byFloor[1]!.floor,
    distance: median(rounds.map((r) => 1e6 / r.floor.total / r.rate)),
  }
}

export async function theirHandshakes(n: number): Promise<number> {
  const l = await theirListener()
  const once = async () => {
    const [a, b] = await l.pair()
    theirSocket(a).destroy()
    theirSocket(b).destroy()
  }
  for (let i = 0; i < Math.ceil(n / 10); i++) await once()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await once()
  const rate = n / ((performance.now() - t0) / 1000)
  await l.close()
  return rate
}

/**
 * The I/O alone: sequential TCP connect, the exchanges of a handshake and Hello (auth;
 * ack and Hello; Hello, ≈ 400 bytes each), close. No crypto.
 */
export async function tcpOnly(n: number): Promise<number> {
  const msg = new Uint8Array(400)
  const srv = await server((s) => {
    s.setNoDelay(true)
    let got = 0
    s.on('data', (d) => {
      got += d.length
      if (got === 400) s.write(Buffer.concat([msg, msg]))
    })
    s.on('end', () => s.end())
    s.on('error', () => {})
  })
  const once = async () => {
    const s = await dial(srv.port)
    s.setNoDelay(true)
    const answered = new Promise<void>((resolve) => {
      let got = 0
      s.on('data', (d) => {
        got += d.length
        if (got === 800) resolve()
      })
    })
    s.write(msg)
    await answered
    s.write(msg)
    await new Promise<void>((r) => s.end(r))
    s.destroy()
  }
  for (let i = 0; i < n; i++) await once()
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

export interface Rate {
  msgs: number
  mbs: number
}

const WARM_MS = 600
const TIMED_MS = 800

/**
 * One connection, writer and reader here: messages of `size` bytes, back to back, and
 * the frame floor measured right before each of three timed runs (see oursHandshakes).
 */
export async function oursThroughput(
  size: number,
  snappy: boolean,
): Promise<Rate & { floorUs: number; distance: number }> {
  const l = await oursListener()
  const [a, b] = await l.pair()
  a.setSnappy(snappy)
  b.setSnappy(snappy)
  const payload = makePayload(size)
  const round = async (count: number) => {
    const reader = (async () => {
      for (let i = 0; i < count; i++) await b.readMsg()
    })()
    for (let i = 0; i < count; i++) await a.writeMsg(0x10, payload)
    await reader
  }
  await rateOver(WARM_MS, round)
  const rounds: { msgs: number; floorUs: number }[] = []
  for (let r = 0; r < 3; r++) {
    const floorUs = snappy ? snappyFrameFloorUs(size) : frameFloorUs(size)
    rounds.push({ floorUs, msgs: await rateOver(TIMED_MS, round) })
  }
  await Promise.all([a.close(), b.close()])
  await l.close()
  const msgs = median(rounds.map((r) => r.msgs))
  return {
    msgs,
    mbs: (msgs * size) / 1e6,
    floorUs: median(rounds.map((r) => r.floorUs)),
    // time per message ÷ floor per message
    distance: median(rounds.map((r) => 1e6 / r.msgs / r.floorUs)),
  }
}

/** Their Peers always negotiate p2p v5, so snappy is always on between two of them. */
export async function theirThroughput(size: number): Promise<Rate> {
  const l = await theirListener()
  const [a, b] = await l.pair()
  const payload = makePayload(size)
  // their send() does not report back-pressure: keep about 4 MiB in flight
  const window = Math.max(4, Math.floor((4 * 1024 * 1024) / size))
  const msgs = await steadyRate(WARM_MS, TIMED_MS, async (count) => {
    let sent = 0
    for (let got = 0; got < count; got++) {
      while (sent < count && sent - got < window) {
        a.sendFoo(payload)
        sent++
      }
      await b.nextMessage()
    }
  })
  if (a.errors.length + b.errors.length > 0) throw a.errors[0] ?? b.errors[0]
  theirSocket(a).destroy()
  theirSocket(b).destroy()
  await l.close()
  return { msgs, mbs: (msgs * size) / 1e6 }
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

export interface Heap {
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

export async function oursHeap(n: number): Promise<Heap> {
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

export async function theirHeap(n: number): Promise<Heap> {
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

// ---------------------------------------------------------------- primitive floors

/**
 * The cost of every primitive operation one frame of `size` payload bytes needs, on
 * both ends, each measured alone (rlpx.md "Framing"). AES-256-CTR over header and
 * padded body at the cipher's bulk rate (the key stream can be drawn ahead, as ours
 * is); per end, the MAC absorbs the body and two 16-byte seeds, gives three digests
 * (header-mac, the body's running digest, frame-mac), and two single AES blocks make
 * the seeds (each depends on the digest before it, so they cannot be batched).
 */
export function frameFloorUs(size: number): number {
  const key = randomBytes(32)
  const ctr = createCipheriv('aes-256-ctr', key, new Uint8Array(16))
  const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  const padded = (size + 1 + 15) & ~15
  const body = randomBytes(padded)
  const block = Buffer.from(randomBytes(16))
  const bulk = new Uint8Array(64 * 1024)
  const state = new KeccakState().update(randomBytes(32))
  const ms = padded > 64 * 1024 ? 500 : 250
  const aesPerByte = cost(() => ctr.update(bulk)) / bulk.length
  const absorbBody = cost(() => state.update(body), ms)
  const absorbSeed = cost(() => state.update(block))
  const digest = cost(() => state.digest())
  const seed = cost(() => ecb.update(block))
  const perEnd = aesPerByte * (16 + padded) + absorbBody + 2 * absorbSeed + 3 * digest + 2 * seed
  return 2 * perEnd
}

/**
 * {@link frameFloorUs} of the compressed payload plus snappy on both ends: libsnappy's
 * compression, and the faster of the two decoders at this size (ours in JavaScript up
 * to 2 KiB, libsnappy beyond; see snappy-codec.ts).
 */
export function snappyFrameFloorUs(size: number): number {
  const payload = makePayload(size)
  const compressed = compressSync(payload)
  const ms = size > 64 * 1024 ? 500 : 250
  // the faster of what our codec uses (see snappy-codec.ts): our encoder up to 1 KiB,
  // libsnappy with the codec's options beyond
  const compressNative = cost(() => compressSync(payload, { copyOutputData: true }), ms)
  const compress =
    size <= 1024
      ? Math.min(
          compressNative,
          cost(() => snappyEncodeSmall(payload), ms),
        )
      : compressNative
  const native = cost(
    () => uncompressSync(compressed, { asBuffer: true, copyOutputData: true }),
    ms,
  )
  const headerBytes = uvarintLength(compressed)
  const js =
    size <= 2048
      ? cost(() => snappyDecodeInto(compressed, headerBytes, size, Buffer.allocUnsafe(size)), ms)
      : Number.POSITIVE_INFINITY
  return frameFloorUs(compressed.length) + compress + Math.min(native, js)
}

export interface HandshakeFloor {
  ecdh: number
  publicKey: number
  randomKey: number
  sign: number
  recover: number
  keccak32: number
  /** The symmetric half of one ECIES encryption or decryption (KDF, AES-128-CTR, HMAC). */
  eciesSymmetric: number
  /** Both ends: keccak of the secrets and the seeding of the four MAC states. */
  secrets: number
  /**
   * Both ends: keying the frame layer's AES-256, a CTR cipher (one key stream serves
   * both directions) and the one the MACs encrypt their seeds with.
   */
  frameKeys: number
  /** Both Hello frames, one each way. */
  hellos: number
  total: number
}

/**
 * The primitive operations of one handshake and Hello exchange, both ends: 8 ECDH
 * (per end: static-static, ECIES, ephemeral), 3 public keys from private keys (the
 * recipient's ephemeral and the two ECIES keys; the initiator's ephemeral public key
 * travels only inside its signature), 8 random draws (2 ephemeral keys, 2 ECIES keys,
 * 2 nonces, 2 IVs), 1 signature, 1 recovery, the symmetric side of 4 ECIES operations,
 * the keccak of the secrets (4 hashes per end, 2 MAC states seeded with a packet), the
 * keying of each end's two frame ciphers (AES-256-CTR, and AES-256 for the MAC seeds) and
 * the two Hello frames.
 */
export function handshakeFloor(): HandshakeFloor {
  const k1 = generatePrivateKey()
  const pub2 = publicKeyFromPrivate(generatePrivateKey())
  const digest = randomBytes(32)
  const sig = sign(digest, k1)
  const e = {
    ecdh: cost(() => ecdh(k1, pub2)),
    publicKey: cost(() => publicKeyFromPrivate(k1)),
    randomKey: cost(() => generatePrivateKey()),
    sign: cost(() => sign(digest, k1)),
    recover: cost(() => recoverPublicKey(digest, sig)),
    keccak32: cost(() => keccak256(digest)),
  }
  // ECIES around a typical packet: ≈ 300 bytes of plaintext (body and EIP-8 padding)
  const plain = randomBytes(300)
  const iv = randomBytes(16)
  const kdfInput = randomBytes(36)
  const eciesSymmetric = cost(() => {
    hash('sha256', kdfInput, 'buffer')
    hash('sha256', iv, 'buffer')
    createCipheriv('aes-128-ctr', iv, iv).update(plain)
    createHmac('sha256', digest).update(plain).digest()
  })
  const packet = randomBytes(400)
  const seeded = cost(() => new KeccakState().update(digest).update(packet).digest())
  const secrets = 2 * (4 * cost(() => keccak256(packet.subarray(0, 64))) + 2 * seeded)
  const zeroIv = new Uint8Array(16)
  const frameKeys =
    2 *
    cost(() => {
      createCipheriv('aes-256-ctr', digest, zeroIv)
      createCipheriv('aes-256-ecb', digest, null).setAutoPadding(false)
    })
  // two frames (one each way), each encrypted at one end and decrypted at the other
  const hellos = 2 * frameFloorUs(HELLO_BYTES)
  const total =
    8 * e.ecdh +
    3 * e.publicKey +
    8 * e.randomKey +
    e.sign +
    e.recover +
    4 * eciesSymmetric +
    secrets +
    frameKeys +
    hellos
  return { ...e, eciesSymmetric, secrets, frameKeys, hellos, total }
}

/** Every case index.ts can run in a child process, by name. */
export const benchCases = {
  tcpOnly,
  oursHandshakes,
  theirHandshakes,
  oursThroughput,
  theirThroughput,
  oursHeap,
  theirHeap,
}
