import { InvalidArgumentError } from 'commander'

/** A port flag: an integer 0…65535 (0: pick a free one, where that means something). */
export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError(`not a port (0…65535): ${value}`)
  }
  return port
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** A duration flag as Go writes one: `30m`, `1h30m`, `3s`, `500ms`; in milliseconds. */
export function parseDuration(value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  const total = parts.reduce(
    (sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS_MS[unit as string] ?? 0),
    0,
  )
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value || !(total > 0)) {
    throw new InvalidArgumentError(`not a duration (e.g. 30m, 1h30m, 3s, 500ms): ${value}`)
  }
  return total
}

/** A positive integer flag. */
export function parsePositive(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError(`not a positive integer: ${value}`)
  return n
}

/** A non-negative integer flag (Go's `uint`), at most 2^53 - 1. */
export function parseUint(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`not a non-negative integer: ${value}`)
  return n
}
