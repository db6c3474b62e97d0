/**
 * Test helpers that build packets from the wire layout of discv4.md directly, without the
 * encoder under test: `hash(32) ‖ sig(65) ‖ type(1) ‖ data`, hash = keccak256(sig ‖ type ‖
 * data), sig = sign(keccak256(type ‖ data)).
 */
import { keccak256, publicKeyFromPrivate, sign } from '@devp2p/crypto'
import { unhex } from '@devp2p/testing'
import { expect } from 'vitest'
import { DiscoveryError, type DiscoveryErrorCode } from '../../src/v4/index.js'
import vectors from '../vectors/discv4-packets.json' with { type: 'json' }

export { vectors }

/** The EIP-8 signing key (also EIP-778's example key). */
export const signingKey = unhex(vectors.signingKey)

/** A second, unrelated key. */
export const otherKey = unhex('49a7b37aa6f6645917e7b807e9d1c00d4fa71f18343b0d4122a4d2df64dd6fee')
export const otherPublicKey = publicKeyFromPrivate(otherKey)

/** The vector packet named `name`, as bytes. */
export function vectorPacket(name: string): Uint8Array {
  const found = vectors.packets.find((p) => p.name === name)
  if (found === undefined) throw new Error(`no vector ${name}`)
  return unhex(found.hex)
}

/** A packet with a correct hash and a valid signature by `privateKey` over any bytes. */
export function seal(type: number, data: Uint8Array, privateKey = signingKey): Uint8Array {
  const out = new Uint8Array(98 + data.length)
  out[97] = type
  out.set(data, 98)
  out.set(sign(keccak256(out.subarray(97)), privateKey), 32)
  out.set(keccak256(out.subarray(32)), 0)
  return out
}

/** A copy of `packet` with the hash recomputed (after changing bytes behind it). */
export function rehash(packet: Uint8Array): Uint8Array {
  const out = packet.slice()
  out.set(keccak256(out.subarray(32)), 0)
  return out
}

/** Runs `fn` and returns the DiscoveryError it throws; fails the test on anything else. */
export function discoveryError(fn: () => unknown): DiscoveryError {
  try {
    fn()
  } catch (err) {
    if (err instanceof DiscoveryError) return err
    throw new Error(`expected a DiscoveryError, got ${String(err)}`, { cause: err })
  }
  throw new Error('expected a DiscoveryError, but nothing was thrown')
}

export function expectCode(fn: () => unknown, code: DiscoveryErrorCode): void {
  expect(discoveryError(fn).code).toBe(code)
}

/** uint as minimal big-endian bytes (RLP's integer form), written here independently. */
export function be(n: number | bigint): Uint8Array {
  let v = BigInt(n)
  const out: number[] = []
  while (v > 0n) {
    out.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return Uint8Array.from(out)
}
