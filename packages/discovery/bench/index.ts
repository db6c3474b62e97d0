/**
 * discv4 packet benchmarks: packets decoded and verified per second, ours beside
 * @ethereumjs/devp2p's DPT codec on the same bytes in the same run, each with the floor
 * the primitives set (one public key recovery and two keccak256, measured here on the
 * same packet).
 *
 * Run: npx pnpm --filter @devp2p/discovery bench   (tsx --conditions=@devp2p/source bench/index.ts)
 * BENCH_MS=<ms per round> changes the measuring time (default 300).
 *
 * Their codec uses @noble (pure JS) for secp256k1 and keccak. Ours runs twice: with the
 * backends it picks (native libsecp256k1 and WASM keccak when they load), then with
 * secp256k1 forced to @noble, the same library as theirs, to separate the codec from the
 * crypto backend.
 */
import {
  cryptoBackends,
  generatePrivateKey,
  keccak256,
  publicKeyFromPrivate,
  recoverPublicKey,
  sign,
  useBackend,
} from '@devp2p/crypto'
import { type BenchResult, type BenchRow, runComparison } from '@devp2p/testing'
import { decode as theirDecode, encode as theirEncode } from '@ethereumjs/devp2p'
import { decodePacket, encodePacket, type Packet } from '../src/v4/index.js'

const key = generatePrivateKey()
const expiration = Math.floor(Date.now() / 1000) + 20

// Content both codecs handle alike: ports ≥ 256 (theirs writes smaller ones with a
// leading zero), a 4-byte expiration. Both decoders get a plain Uint8Array (given a
// Buffer, theirs misreads IPv6 addresses and the expiration).
const ping: Packet = {
  type: 'ping',
  version: 4,
  from: { ip: '10.0.0.1', udp: 30303, tcp: 30303 },
  to: { ip: '203.0.113.7', udp: 30303, tcp: 30303 },
  expiration,
  enrSeq: 1_700_000_000_000n,
}
const neighbors: Packet = {
  type: 'neighbors',
  nodes: Array.from({ length: 12 }, (_, i) => ({
    ip: `198.51.100.${i + 1}`,
    udp: 30303 + i,
    tcp: 30303 + i,
    publicKey: publicKeyFromPrivate(generatePrivateKey()),
  })),
  expiration,
}
const pingBytes = encodePacket(ping, key).bytes
const neighborsBytes = encodePacket(neighbors, key).bytes
const junk = pingBytes.slice()
junk[40] = junk[40]! ^ 1 // a changed signature byte: the hash no longer matches

// Sanity: both decoders accept both packets and agree on the signer.
const pub = publicKeyFromPrivate(key)
for (const bytes of [pingBytes, neighborsBytes]) {
  const ours = decodePacket(bytes)
  const theirs = theirDecode(bytes)
  if (
    Buffer.compare(ours.publicKey, pub) !== 0 ||
    Buffer.compare(theirs.publicKey.subarray(1), pub) !== 0
  ) {
    throw new Error('decoders disagree on the signer')
  }
}

const floorVerify = (bytes: Uint8Array) => () => {
  keccak256(bytes.subarray(32))
  recoverPublicKey(keccak256(bytes.subarray(97)), bytes.subarray(32, 97))
}
const rejects = (decode: (bytes: Uint8Array) => unknown) => () => {
  try {
    decode(junk)
  } catch {
    return
  }
  throw new Error('junk was accepted')
}
const theirPing = {
  version: 4,
  from: { address: '10.0.0.1', udpPort: 30303, tcpPort: 30303 },
  to: { address: '203.0.113.7', udpPort: 30303, tcpPort: 30303 },
  timestamp: expiration,
}

function rows(backend: string): BenchRow[] {
  return [
    {
      op: `decode + verify Ping (${pingBytes.length} B)`,
      entries: [
        { label: `ours (${backend})`, fn: () => decodePacket(pingBytes) },
        { label: '@ethereumjs/devp2p', fn: () => theirDecode(pingBytes) },
        { label: 'floor: 1 recovery + 2 keccak256', fn: floorVerify(pingBytes) },
      ],
    },
    {
      op: `decode + verify Neighbors, 12 nodes (${neighborsBytes.length} B)`,
      entries: [
        { label: `ours (${backend})`, fn: () => decodePacket(neighborsBytes) },
        { label: '@ethereumjs/devp2p', fn: () => theirDecode(neighborsBytes) },
        { label: 'floor: 1 recovery + 2 keccak256', fn: floorVerify(neighborsBytes) },
      ],
    },
    {
      op: 'reject a packet with a bad hash',
      entries: [
        { label: `ours (${backend})`, fn: rejects(decodePacket) },
        { label: '@ethereumjs/devp2p', fn: rejects(theirDecode) },
        { label: 'floor: 1 keccak256', fn: () => keccak256(junk.subarray(32)) },
      ],
    },
    {
      op: 'encode + sign Ping',
      entries: [
        { label: `ours (${backend})`, fn: () => encodePacket(ping, key) },
        { label: '@ethereumjs/devp2p', fn: () => theirEncode('ping', theirPing, key) },
        {
          label: 'floor: 1 sign + 2 keccak256',
          fn: () => {
            sign(keccak256(pingBytes.subarray(97)), key)
            keccak256(pingBytes.subarray(32))
          },
        },
      ],
    },
  ]
}

function summary(results: BenchResult[]): void {
  const byOp = new Map<string, BenchResult[]>()
  for (const r of results) byOp.set(r.op, [...(byOp.get(r.op) ?? []), r])
  console.log('\n| operation | ours ÷ theirs | ours ÷ floor |\n| --- | ---: | ---: |')
  for (const [op, [ours, theirs, floor]] of byOp) {
    if (!ours || !theirs || !floor) continue
    const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`
    console.log(
      `| ${op} | ${x(ours.opsPerSec, theirs.opsPerSec)} | ${x(ours.opsPerSec, floor.opsPerSec)} |`,
    )
  }
}

const initial = cryptoBackends()
console.log(`crypto backends: secp256k1 ${initial.secp256k1}, keccak ${initial.keccak}`)
const first = `${initial.secp256k1} secp256k1, ${initial.keccak} keccak`
summary(await runComparison(`discv4 packets, ops/s (ours: ${first})`, rows(first)))

if (initial.secp256k1 !== 'noble') {
  useBackend({ secp256k1: 'noble' })
  const second = `noble secp256k1, ${initial.keccak} keccak`
  summary(await runComparison(`discv4 packets, ops/s (ours: ${second})`, rows(second)))
}
