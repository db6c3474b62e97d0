/** Argument checks of the table's public methods: misuse throws at once. */
import type { NodeId } from '@devp2p/enode'

/** `value`, or `fallback` when absent. @throws RangeError unless an integer ≥ 1. */
export function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer ≥ 1`)
  return value
}

/** @throws TypeError / RangeError unless `id` is 32 bytes. */
export function checkId(id: unknown, name: string): asserts id is NodeId {
  if (!(id instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (id.length !== 32) throw new RangeError(`${name} must be 32 bytes, got ${id.length}`)
}

/** @throws TypeError unless `now` is a finite number. */
export function checkTime(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw new TypeError('now must be a finite number')
}
