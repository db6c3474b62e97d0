/** Helpers for overlay addresses: a destination is a prefix (0–32 bytes) of a node id. */

/** Whether `id` starts with `prefix` (an empty prefix matches every id). */
export function matchesPrefix(prefix: Uint8Array, id: Uint8Array): boolean {
  if (prefix.length > id.length) return false
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== id[i]) return false
  return true
}

/**
 * Compares the XOR distances of `a` and `b` to `target` over `target`'s bytes only (a
 * partial address says nothing about the rest): negative when `a` is closer.
 */
export function compareXor(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    const da = (a[i] ?? 0) ^ t
    const db = (b[i] ?? 0) ^ t
    if (da !== db) return da - db
  }
  return 0
}

/** Proximity order: how many leading bits `a` and `b` share (Kademlia's bin of `b` seen from `a`). */
export function proximity(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]! ^ b[i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return n * 8
}

/** Lower-case hex without a prefix, for map keys. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

/** @throws TypeError / RangeError when `value` is not a `Uint8Array` of `min`–`max` bytes (misuse). */
export function checkBytes(name: string, value: unknown, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (value.length < min || value.length > max)
    throw new RangeError(
      `${name} must be ${min === max ? min : `${min}–${max}`} bytes, got ${value.length}`,
    )
  return value
}
