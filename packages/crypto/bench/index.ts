/**
 * Benchmarks for @devp2p/crypto: our functions (with each backend) beside the
 * implementations @ethereumjs/devp2p uses (ethereum-cryptography, i.e. @noble v1) and
 * node:crypto where it can do the job. Run: `pnpm bench` (BENCH_MS=100 for a quick run).
 */
import { createCipheriv, createECDH, createHash, createHmac, hash } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type BenchEntry, runComparison } from '@devp2p/testing'
import { ECIES, genPrivateKey, MAC, pk2id } from '@ethereumjs/devp2p'
import { hmac as nobleHmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { encrypt as ecAesEncrypt } from 'ethereum-cryptography/aes.js'
import { keccak256 as ecKeccak256 } from 'ethereum-cryptography/keccak.js'
import { secp256k1 as ecSecp256k1 } from 'ethereum-cryptography/secp256k1.js'
import {
  ecdh as ecCompatEcdh,
  ecdsaRecover as ecCompatRecover,
} from 'ethereum-cryptography/secp256k1-compat.js'
import { createKeccak } from 'hash-wasm'
import {
  type BackendChoice,
  cryptoBackends,
  ecdh,
  eciesDecrypt,
  eciesEncrypt,
  generatePrivateKey,
  KeccakState,
  keccak256,
  publicKeyFromPrivate,
  recoverPublicKey,
  sign,
  useBackend,
} from '../src/index.js'

const initial = cryptoBackends()
console.log(`backends: secp256k1=${initial.secp256k1} keccak=${initial.keccak} aes=${initial.aes}`)

/** Runs `fn` with a backend; switching is a few property writes, negligible here. */
function withBackend(choice: BackendChoice, fn: () => unknown): () => unknown {
  return () => {
    useBackend(choice)
    return fn()
  }
}
const native = { secp256k1: 'native', keccak: 'wasm' } as const
const noble = { secp256k1: 'noble', keccak: 'noble' } as const

const bytes = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) & 0xff)
const b32 = bytes(32)
const b1k = bytes(1024)
const digest = keccak256(bytes(100))
const keyA = generatePrivateKey()
const keyB = generatePrivateKey()
const pubB64 = publicKeyFromPrivate(keyB)
const pubB65 = new Uint8Array([4, ...pubB64])
const sig = sign(digest, keyA)

// ---- memory first, before the benchmarks leave garbage behind ---------------------

// A bench may use gc(): it makes the memory figures below exact instead of noisy.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
function settle(): NodeJS.MemoryUsage {
  gc()
  gc()
  return process.memoryUsage()
}

const STATES = 20_000
for (const keccak of ['wasm', 'noble'] as const) {
  useBackend({ keccak })
  const before = settle()
  const states: KeccakState[] = []
  for (let i = 0; i < STATES; i++) states.push(new KeccakState().update(b32))
  const after = settle()
  const perState =
    (after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers)) / STATES
  console.log(
    `memory per KeccakState (${keccak}): ~${Math.round(perState)} bytes (${STATES} states, heap + array buffers)`,
  )
  states.length = 0
}
{
  const HASHERS = 8
  const before = settle()
  const hashers = []
  for (let i = 0; i < HASHERS; i++) hashers.push(await createKeccak(256))
  const after = settle()
  const perHasher = (after.external - before.external) / HASHERS
  console.log(
    `memory per hash-wasm keccak hasher: ~${Math.round(perHasher / 1024)} KiB external (WASM memory); we create one per process`,
  )
  hashers.length = 0 // keeps them reachable until measured
}
useBackend({ keccak: initial.keccak })

// ---- keccak ----------------------------------------------------------------------

function keccakRow(size: number, data: Uint8Array): BenchEntry[] {
  return [
    { label: 'ours (wasm)', fn: withBackend(native, () => keccak256(data)), bytes: size },
    { label: 'ours (noble)', fn: withBackend(noble, () => keccak256(data)), bytes: size },
    { label: 'ethereum-cryptography', fn: () => ecKeccak256(data), bytes: size },
  ]
}

function stateRow(size: number, data: Uint8Array): BenchEntry[] {
  useBackend(native)
  const wasmState = new KeccakState().update(b32)
  useBackend(noble)
  const nobleState = new KeccakState().update(b32)
  const theirMac = new MAC(b32)
  theirMac.update(b32)
  return [
    { label: 'ours (wasm)', fn: () => wasmState.update(data).digest(), bytes: size },
    { label: 'ours (noble)', fn: () => nobleState.update(data).digest(), bytes: size },
    {
      label: '@ethereumjs/devp2p MAC',
      fn: () => {
        theirMac.update(data)
        return theirMac.digest()
      },
      bytes: size,
    },
  ]
}

/** Two states updated and read in turn, as a connection's ingress and egress MACs are. */
function alternatingRow(size: number, data: Uint8Array): BenchEntry[] {
  const pair = <T>(make: () => T, step: (s: T) => unknown): (() => unknown) => {
    const states = [make(), make()]
    let turn = 0
    return () => {
      turn ^= 1
      return step(states[turn]!)
    }
  }
  const ours = (backend: BackendChoice) => () => {
    useBackend(backend)
    const state = new KeccakState().update(b32)
    useBackend(native)
    return state
  }
  return [
    { label: 'ours (wasm)', fn: pair(ours(native), (s) => s.update(data).digest()), bytes: size },
    { label: 'ours (noble)', fn: pair(ours(noble), (s) => s.update(data).digest()), bytes: size },
    {
      label: '@ethereumjs/devp2p MAC',
      fn: pair(
        () => new MAC(b32),
        (mac) => {
          mac.update(data)
          return mac.digest()
        },
      ),
      bytes: size,
    },
  ]
}

await runComparison('keccak256', [
  { op: 'keccak256 32 B', entries: keccakRow(32, b32) },
  { op: 'keccak256 1 KiB', entries: keccakRow(1024, b1k) },
  { op: 'KeccakState update+digest 32 B', entries: stateRow(32, b32) },
  { op: 'KeccakState update+digest 1 KiB', entries: stateRow(1024, b1k) },
  { op: 'two KeccakStates in turn, 32 B', entries: alternatingRow(32, b32) },
])

// ---- secp256k1 -------------------------------------------------------------------

/** @ethereumjs/devp2p's ecdhX: libsecp256k1-compatible ECDH returning x. */
function theirEcdhX(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const hashfn = (x: Uint8Array, y: Uint8Array): Uint8Array => {
    const out = new Uint8Array(33)
    out[0] = (y[31]! & 1) === 0 ? 0x02 : 0x03
    out.set(x, 1)
    return out.subarray(1)
  }
  return ecCompatEcdh(publicKey, privateKey, { hashfn }, new Uint8Array(32))
}
const nodeEcdh = createECDH('secp256k1')
nodeEcdh.setPrivateKey(keyA)

await runComparison('secp256k1', [
  {
    op: 'generatePrivateKey',
    entries: [
      { label: 'ours', fn: generatePrivateKey },
      { label: '@ethereumjs/devp2p genPrivateKey', fn: genPrivateKey },
    ],
  },
  {
    op: 'publicKeyFromPrivate',
    entries: [
      { label: 'ours (native)', fn: withBackend(native, () => publicKeyFromPrivate(keyA)) },
      { label: 'ours (noble)', fn: withBackend(noble, () => publicKeyFromPrivate(keyA)) },
      { label: 'ethereum-cryptography', fn: () => ecSecp256k1.getPublicKey(keyA, false) },
    ],
  },
  {
    op: 'sign (recoverable)',
    entries: [
      { label: 'ours (native)', fn: withBackend(native, () => sign(digest, keyA)) },
      { label: 'ours (noble)', fn: withBackend(noble, () => sign(digest, keyA)) },
      { label: 'ethereum-cryptography', fn: () => ecSecp256k1.sign(digest, keyA) },
    ],
  },
  {
    op: 'recoverPublicKey',
    entries: [
      { label: 'ours (native)', fn: withBackend(native, () => recoverPublicKey(digest, sig)) },
      { label: 'ours (noble)', fn: withBackend(noble, () => recoverPublicKey(digest, sig)) },
      {
        label: 'ethereum-cryptography (compat)',
        fn: () => ecCompatRecover(sig.subarray(0, 64), sig[64]!, digest, false),
      },
    ],
  },
  {
    op: 'ecdh (x coordinate)',
    entries: [
      { label: 'ours (native)', fn: withBackend(native, () => ecdh(keyA, pubB64)) },
      { label: 'ours (noble)', fn: withBackend(noble, () => ecdh(keyA, pubB64)) },
      { label: '@ethereumjs/devp2p ecdhX', fn: () => theirEcdhX(pubB65, keyA) },
      { label: 'node:crypto ECDH (key set once)', fn: () => nodeEcdh.computeSecret(pubB65) },
      {
        label: 'node:crypto ECDH (new key per call)',
        fn: () => {
          const e = createECDH('secp256k1')
          e.setPrivateKey(keyA)
          return e.computeSecret(pubB65)
        },
      },
    ],
  },
])

// ---- ECIES -----------------------------------------------------------------------

const plaintext = bytes(200, 7)
const macData = Uint8Array.of(0x01, 0x2d)
useBackend(native)
const message = eciesEncrypt(pubB64, plaintext, macData)
const theirEcies = new ECIES(keyB, pk2id(pubB65), pk2id(pubB65)) as unknown as {
  _encryptMessage(data: Uint8Array, sharedMacData?: Uint8Array | null): Uint8Array | undefined
  _decryptMessage(data: Uint8Array, sharedMacData?: Uint8Array | null): Uint8Array
}

await runComparison('ECIES (200-byte message)', [
  {
    op: 'eciesEncrypt',
    entries: [
      {
        label: 'ours (native)',
        fn: withBackend(native, () => eciesEncrypt(pubB64, plaintext, macData)),
      },
      {
        label: 'ours (noble)',
        fn: withBackend(noble, () => eciesEncrypt(pubB64, plaintext, macData)),
      },
      { label: '@ethereumjs/devp2p', fn: () => theirEcies._encryptMessage(plaintext, macData) },
    ],
  },
  {
    op: 'eciesDecrypt',
    entries: [
      {
        label: 'ours (native)',
        fn: withBackend(native, () => eciesDecrypt(keyB, message, macData)),
      },
      { label: 'ours (noble)', fn: withBackend(noble, () => eciesDecrypt(keyB, message, macData)) },
      { label: '@ethereumjs/devp2p', fn: () => theirEcies._decryptMessage(message, macData) },
    ],
  },
])

// ---- symmetric primitives: why node:crypto ----------------------------------------

const key16 = bytes(16, 3)
const iv16 = bytes(16, 5)
await runComparison('symmetric primitives (ECIES uses node:crypto)', [
  {
    op: 'sha256 32 B',
    entries: [
      { label: 'node:crypto hash()', fn: () => hash('sha256', b32, 'buffer'), bytes: 32 },
      {
        label: 'node:crypto createHash',
        fn: () => createHash('sha256').update(b32).digest(),
        bytes: 32,
      },
      { label: '@noble/hashes', fn: () => nobleSha256(b32), bytes: 32 },
    ],
  },
  {
    op: 'hmac-sha256 200 B',
    entries: [
      {
        label: 'node:crypto',
        fn: () => createHmac('sha256', b32).update(plaintext).digest(),
        bytes: 200,
      },
      { label: '@noble/hashes', fn: () => nobleHmac(nobleSha256, b32, plaintext), bytes: 200 },
    ],
  },
  {
    op: 'aes-128-ctr 200 B (new cipher)',
    entries: [
      {
        label: 'node:crypto',
        fn: () => createCipheriv('aes-128-ctr', key16, iv16).update(plaintext),
        bytes: 200,
      },
      {
        label: 'ethereum-cryptography (@noble/ciphers)',
        fn: () => ecAesEncrypt(plaintext, key16, iv16, 'aes-128-ctr'),
        bytes: 200,
      },
    ],
  },
])

useBackend({ secp256k1: initial.secp256k1, keccak: initial.keccak })
