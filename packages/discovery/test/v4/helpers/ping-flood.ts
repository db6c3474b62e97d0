/**
 * A flood of validly signed Pings, each from a fresh key, sent to one Discv4 service on the
 * in-memory UDP network with a manual clock. Shared by the bounded-memory test and the
 * `bench/ping-flood.ts` script that prints the heap figures.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { keccak256 } from '@devp2p/crypto'
import type { NodeDB } from '@devp2p/enode'
import { ManualClock, MemoryNetwork } from '@devp2p/testing'
import { RESPONSE_TIMEOUT_MS } from '../../../src/v4/constants.js'
import { encodePacket, expirationFrom } from '../../../src/v4/index.js'
import { createDiscv4, stopDiscv4 } from './discv4.js'

/** A garbage collection (V8's `gc`, reached without `--expose-gc` on the command line). */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

/** Heap in use after two full collections, in bytes (typed arrays' stores included). */
export function settledHeapBytes(): number {
  collectGarbage()
  collectGarbage()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/** secp256k1's group order and the x coordinate of its generator G (SEC 2). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n
const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
const to32 = (n: bigint): Uint8Array =>
  Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'))

/**
 * The i-th flood key: keccak256 of a fixed seed and i, reduced mod n (a valid key with
 * overwhelming probability): no key generation at all.
 */
export function floodKey(i: number): Uint8Array {
  const seed = new Uint8Array(36)
  seed.set(new TextEncoder().encode('ping-flood'))
  new DataView(seed.buffer).setUint32(32, i)
  return to32(toBigInt(keccak256(seed)) % N)
}

/**
 * A valid recoverable ECDSA signature (r ‖ s ‖ v, low s) of `digest` by `privateKey`,
 * made with the fixed nonce k = 1: R = G, so r = Gx and s = e + r·d (mod n), one bigint
 * multiplication instead of a scalar multiplication. Anyone recovering it gets the key's
 * public key. Never do this with a key that matters: two such signatures reveal the key.
 * It is what makes a flood of fresh identities cheap for an attacker, and for this test.
 */
export function signWithNonceOne(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  let s = (toBigInt(digest) + GX * toBigInt(privateKey)) % N
  let v = 0 // G's y is even
  if (s > N / 2n) {
    s = N - s // the signature of nonce −1: R = −G, odd y
    v = 1
  }
  const sig = new Uint8Array(65)
  sig.set(to32(GX), 0)
  sig.set(to32(s), 32)
  sig[64] = v
  return sig
}

/** A Ping `body` (type ‖ RLP data) signed by `privateKey`: hash ‖ signature ‖ body. */
export function sealCheaply(
  body: Uint8Array,
  digest: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(97 + body.length)
  out.set(signWithNonceOne(digest, privateKey), 32)
  out.set(body, 97)
  out.set(keccak256(out.subarray(32)), 0)
  return out
}

/**
 * The bytes after hash and signature of a Ping from 10.0.0.2 to 10.0.0.1 expiring from
 * `now`, and their keccak256: the part every flood packet shares (only the signer
 * differs, see {@link sealCheaply}).
 */
export function floodPingBody(now: number): { body: Uint8Array; digest: Uint8Array } {
  const body = encodePacket(
    {
      type: 'ping',
      version: 4,
      from: { ip: '10.0.0.2', udp: 30303, tcp: 0 },
      to: { ip: '10.0.0.1', udp: 30303, tcp: 0 },
      expiration: expirationFrom(now),
    },
    floodKey(-1 >>> 0),
  ).bytes.subarray(97)
  return { body, digest: keccak256(body) }
}

export interface PingFloodOptions {
  /** Pings to send, each from key `floodKey(i)`. */
  readonly count: number
  /** The service's node database (default: the in-memory one it opens). */
  readonly db?: NodeDB
  /** Called after every `checkpointEvery` pings have been handled. */
  readonly checkpointEvery: number
  readonly onCheckpoint: (sent: number) => void
}

/** Runs the flood; resolves when every ping has been handled and the service is stopped. */
export async function pingFlood(
  options: PingFloodOptions,
): Promise<{ pongs: number; pingsBack: number }> {
  const clock = new ManualClock()
  const net = new MemoryNetwork()
  const transport = net.bind('10.0.0.1', 30303)
  const disc = await createDiscv4({
    privateKey: floodKey(-1 >>> 0),
    transport,
    clock,
    ...(options.db ? { db: options.db } : {}),
  })
  await disc.start()
  // 10.0.0.0/8 is a LAN: the unbonded-reply rate limit does not apply, every Ping is served
  const sender = net.bind('10.0.0.2', 30303)
  let pongs = 0
  let pingsBack = 0
  sender.onMessage((bytes) => {
    if (bytes[97] === 0x02) pongs++
    if (bytes[97] === 0x01) pingsBack++
  })
  const batch = 500
  try {
    for (let sent = 0; sent < options.count; ) {
      const end = Math.min(options.count, sent + batch)
      // one body per batch (only the signer differs): the bytes after the signature
      const { body, digest } = floodPingBody(clock.now())
      for (; sent < end; sent++) {
        sender.send(sealCheaply(body, digest, floodKey(sent)), transport.address)
      }
      await net.idle()
      // the service pings every new sender back and nobody answers: those requests time
      // out every 5,000 Pings, so MAX_PENDING_REPLIES of them are open most of the time
      // (as under a real flood) and the service sends no more until they do
      if (sent % 5000 === 0 || sent === options.count) {
        clock.advance(RESPONSE_TIMEOUT_MS + 1)
        await net.idle()
      }
      if (sent % options.checkpointEvery === 0) options.onCheckpoint(sent)
    }
  } finally {
    await stopDiscv4(disc)
    await transport.close()
    await sender.close()
  }
  return { pongs, pingsBack }
}
