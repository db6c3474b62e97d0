import { MAX_DEPTH } from './constants.js'
import { bigintToBytes, uintToBytes, utf8ToBytes } from './scalars.js'
import type { RlpInput } from './types.js'

/**
 * Encodes a value as RLP.
 *
 * - `Uint8Array`: a byte string.
 * - `number` (a non-negative safe integer) and `bigint` (non-negative): minimal
 *   big-endian bytes, so 0 is the empty string `0x80`.
 * - `string`: always its UTF-8 bytes (`'0x12'` is four characters, not one byte).
 * - arrays: lists, nested up to {@link MAX_DEPTH}.
 *
 * The result is a new array; it never shares memory with the input.
 *
 * @example
 * ```ts
 * encode(['dog', 1, new Uint8Array([0xff])]) // c6 83 64 6f 67 01 81 ff
 * ```
 * @throws {TypeError} for a value of another type, or a string with a lone surrogate.
 * @throws {RangeError} for a negative, fractional or unsafe number, a negative bigint,
 *   or lists nested deeper than {@link MAX_DEPTH} (which is also how a cycle ends).
 */
export function encode(value: RlpInput): Uint8Array {
  // Two passes: the first turns scalars into bytes and measures every list, recording
  // the steps in order; the second writes them into one exactly sized buffer, so the
  // only copies are the final ones.
  const steps: (Uint8Array | number)[] = [] // bytes: a string; number: a list's payload size
  const out = new Uint8Array(plan(value, steps, 0))
  let pos = 0
  for (const step of steps) {
    if (typeof step === 'number') {
      pos = writeHeader(out, pos, step, 0xc0)
    } else {
      if (step.length !== 1 || step[0]! >= 0x80) pos = writeHeader(out, pos, step.length, 0x80)
      // A loop beats TypedArray#set for the short strings that dominate messages.
      if (step.length < 32) for (let i = 0; i < step.length; i++) out[pos + i] = step[i]!
      else out.set(step, pos)
      pos += step.length
    }
  }
  return out
}

/** Appends the steps that write `value` and returns its encoded size. */
function plan(value: RlpInput, steps: (Uint8Array | number)[], depth: number): number {
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) {
      throw new RangeError(`lists nest deeper than ${MAX_DEPTH} (is the value cyclic?)`)
    }
    const at = steps.push(0) - 1
    let size = 0
    for (const item of value as readonly RlpInput[]) size += plan(item, steps, depth + 1)
    steps[at] = size
    return headerSize(size) + size
  }
  const bytes = scalarToBytes(value as Exclude<RlpInput, readonly RlpInput[]>)
  steps.push(bytes)
  if (bytes.length === 1 && bytes[0]! < 0x80) return 1
  return headerSize(bytes.length) + bytes.length
}

function scalarToBytes(value: Exclude<RlpInput, readonly RlpInput[]>): Uint8Array {
  if (value instanceof Uint8Array) return value
  switch (typeof value) {
    case 'number':
      return uintToBytes(value)
    case 'bigint':
      return bigintToBytes(value)
    case 'string':
      return utf8ToBytes(value)
    default:
      throw new TypeError(
        `cannot RLP-encode ${value === null ? 'null' : typeof value}: expected Uint8Array, number, bigint, string or array`,
      )
  }
}

/** Bytes in the header of an item whose payload has `length` bytes. */
export function headerSize(length: number): number {
  if (length < 56) return 1
  let size = 1
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) size++
  return size
}

/** Writes the header for a payload of `length` bytes (`base` 0x80: string, 0xc0: list). */
function writeHeader(out: Uint8Array, pos: number, length: number, base: number): number {
  if (length < 56) {
    out[pos] = base + length
    return pos + 1
  }
  const lengthBytes = headerSize(length) - 1
  out[pos] = base + 55 + lengthBytes
  for (let i = lengthBytes, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) {
    out[pos + i] = rest % 256
  }
  return pos + 1 + lengthBytes
}
