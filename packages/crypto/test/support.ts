/** Helpers shared by this package's tests. Nothing here calls the code under test. */
import { readFileSync } from 'node:fs'

export { hex, unhex } from '@devp2p/testing'

/** Reads a JSON vector file from test/vectors (copied from ../shared/vectors). */
export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new Error('xor: length mismatch')
  return a.map((x, i) => x ^ b[i]!)
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** secp256k1 domain parameters, written out here so tests do not take them from src. */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function bigToBytes(value: bigint, length = 32): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'))
}

export function bytesToBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n
  let b = base % mod
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod
    b = (b * b) % mod
    e >>= 1n
  }
  return result
}

/** A y with y² = x³ + 7 (mod p), or undefined when x is not the x of a curve point. */
export function curveY(x: bigint): bigint | undefined {
  const rhs = (x ** 3n + 7n) % P
  const y = modPow(rhs, (P + 1n) / 4n, P) // p ≡ 3 (mod 4)
  return (y * y) % P === rhs ? y : undefined
}

/** The smallest x ≥ start that is the x coordinate of a curve point, with its y. */
export function smallCurvePoint(start = 1n): { x: bigint; y: bigint } {
  for (let x = start; ; x++) {
    const y = curveY(x)
    if (y !== undefined) return { x, y }
  }
}

/** An item found by {@link readRlp}: byte ranges of its payload and of the whole item. */
export interface RlpItem {
  readonly list: boolean
  readonly payloadStart: number
  readonly end: number
}

/**
 * A minimal RLP reader for checking the handshake vectors (this package must not depend
 * on @devp2p/rlp). Reads the item header at `offset`.
 */
export function readRlp(bytes: Uint8Array, offset: number): RlpItem {
  const b = bytes[offset]
  if (b === undefined) throw new Error('rlp: out of range')
  if (b < 0x80) return { list: false, payloadStart: offset, end: offset + 1 }
  const long = (first: number, short: number): RlpItem => {
    const lenOfLen = b - first
    let len = 0
    for (let i = 1; i <= lenOfLen; i++) len = len * 256 + bytes[offset + i]!
    return {
      list: short === 0xc0,
      payloadStart: offset + 1 + lenOfLen,
      end: offset + 1 + lenOfLen + len,
    }
  }
  if (b < 0xb8) return { list: false, payloadStart: offset + 1, end: offset + 1 + (b - 0x80) }
  if (b < 0xc0) return long(0xb7, 0x80)
  if (b < 0xf8) return { list: true, payloadStart: offset + 1, end: offset + 1 + (b - 0xc0) }
  return long(0xf7, 0xc0)
}

/** The items of the RLP list at the start of `bytes`; bytes after the list are ignored. */
export function rlpListItems(bytes: Uint8Array): Uint8Array[] {
  const list = readRlp(bytes, 0)
  if (!list.list) throw new Error('rlp: not a list')
  const items: Uint8Array[] = []
  for (let at = list.payloadStart; at < list.end; ) {
    const item = readRlp(bytes, at)
    items.push(bytes.subarray(item.payloadStart, item.end))
    at = item.end
  }
  return items
}
