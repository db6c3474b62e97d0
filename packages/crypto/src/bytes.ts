import { randomFillSync } from 'node:crypto'
import { RANDOM_POOL_BYTES, RANDOM_POOLED_MAX_BYTES } from './constants.js'

/**
 * Compares two byte arrays in time that depends only on their lengths, never on where
 * they differ. Use it for MACs, signatures and every other secret-dependent comparison.
 *
 * @returns `true` when both have the same length and the same bytes.
 * @throws TypeError when an argument is not a `Uint8Array`.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, 'a')
  assertBytes(b, 'b')
  // Lengths are public (they are on the wire); only the contents must not leak.
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * CSPRNG output drawn ahead in one call: a `randomFillSync` costs 2–4 µs however small
 * the request, and a handshake makes six of them. Every byte is handed out once and
 * zeroed in the pool as it leaves, so the pool never holds a key or nonce that is in use.
 */
let pool = new Uint8Array(0)
let poolOffset = 0

/** Fills `target` with bytes from the operating system's CSPRNG; returns `target`. */
export function randomFill<T extends Uint8Array>(target: T): T {
  const n = target.length
  if (n > RANDOM_POOLED_MAX_BYTES) return randomFillSync(target)
  if (poolOffset + n > pool.length) {
    pool = randomFillSync(new Uint8Array(RANDOM_POOL_BYTES))
    poolOffset = 0
  }
  const end = poolOffset + n
  target.set(pool.subarray(poolOffset, end))
  pool.fill(0, poolOffset, end)
  poolOffset = end
  return target
}

/**
 * Fills a new array with bytes from the operating system's CSPRNG (small requests come
 * from a pool refilled 4 KiB at a time; see {@link randomFill}).
 *
 * @throws RangeError when `length` is not a non-negative safe integer.
 */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`length must be a non-negative integer, got ${length}`)
  }
  return randomFill(new Uint8Array(length))
}

/**
 * Misuse check for an argument: a `Uint8Array` (a `Buffer` is one), of `length` bytes
 * when given.
 *
 * @throws TypeError when `value` is not a `Uint8Array`.
 * @throws RangeError when its length differs from `length`.
 */
export function assertBytes(
  value: unknown,
  name: string,
  length?: number,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`)
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`)
  }
}

/** A plain `Uint8Array` view of a node `Buffer` (no copy), so callers never get a `Buffer`. */
export function asUint8Array(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}
