import { keccak256 } from '@devp2p/crypto'
import { NODE_ID_BYTES } from './constants.js'

/** A node id: 32 bytes, keccak256 of the node's 64-byte public key (x ‖ y). */
export type NodeId = Uint8Array

/** A node id as 64 lowercase hex characters, for use as a `Map` or `Set` key. */
export type NodeIdHex = string & { readonly __brand: 'NodeIdHex' }

function assertId(id: unknown, name: string): asserts id is Uint8Array {
  if (!(id instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (id.length !== NODE_ID_BYTES) {
    throw new RangeError(`${name} must be ${NODE_ID_BYTES} bytes, got ${id.length}`)
  }
}

/**
 * The node id of a 64-byte public key (x ‖ y): its keccak256 hash. The key is not checked
 * against the curve here; keys from outside are validated where they are decoded.
 *
 * @returns 32 bytes owned by the caller.
 * @throws TypeError when `publicKey` is not a `Uint8Array`.
 * @throws RangeError when `publicKey` is not 64 bytes.
 */
export function nodeIdFromPublicKey(publicKey: Uint8Array): NodeId {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (publicKey.length !== 64) {
    throw new RangeError(`publicKey must be 64 bytes (x ‖ y), got ${publicKey.length}`)
  }
  return keccak256(publicKey)
}

/**
 * The hex form of a node id, to key maps and sets.
 *
 * @throws TypeError when `id` is not a `Uint8Array`.
 * @throws RangeError when `id` is not 32 bytes.
 */
export function nodeIdHex(id: NodeId): NodeIdHex {
  assertId(id, 'id')
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex') as NodeIdHex
}

/**
 * The node id that a hex string (64 hex characters, either case, optional `0x`) names.
 *
 * @returns 32 bytes owned by the caller.
 * @throws TypeError when `text` is not a string.
 * @throws RangeError when `text` is not 64 hex characters.
 */
export function nodeIdFromHex(text: string): NodeId {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  const digits = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(digits)) {
    throw new RangeError('a node id is 64 hex characters')
  }
  return Uint8Array.from(Buffer.from(digits, 'hex'))
}

/**
 * The logarithmic XOR distance between two ids: the bit length of `a XOR b`, so 0 for
 * equal ids and 256 when the first bits differ (geth's `enode.LogDist`).
 *
 * @throws TypeError when an id is not a `Uint8Array`.
 * @throws RangeError when an id is not 32 bytes.
 */
export function logDistance(a: NodeId, b: NodeId): number {
  assertId(a, 'a')
  assertId(b, 'b')
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!
    if (x !== 0) return (NODE_ID_BYTES - i) * 8 - (Math.clz32(x) - 24)
  }
  return 0
}

/**
 * Which of `a` and `b` is closer to `target` in the XOR metric: a negative number when
 * `a` is closer, positive when `b` is, 0 when they are equal (geth's `enode.DistCmp`).
 * Usable directly as a sort comparator.
 *
 * @throws TypeError when an id is not a `Uint8Array`.
 * @throws RangeError when an id is not 32 bytes.
 */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  assertId(target, 'target')
  assertId(a, 'a')
  assertId(b, 'b')
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const da = a[i]! ^ target[i]!
    const db = b[i]! ^ target[i]!
    if (da !== db) return da < db ? -1 : 1
  }
  return 0
}
