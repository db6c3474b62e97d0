import { MAX_DEPTH } from './constants.js'
import { RlpError, type RlpErrorCode } from './errors.js'
import type { RlpValue } from './types.js'

/** Options for {@link decode} and {@link decodeAs}. */
export interface DecodeOptions {
  /**
   * Deepest list nesting accepted, at most (and by default) {@link MAX_DEPTH}. Deeper
   * input is an `RlpError` with code `TOO_DEEP`.
   */
  readonly maxDepth?: number
  /**
   * Accept bytes after the value and ignore them (EIP-8 handshake padding, discv4
   * packets). Default `false`: trailing bytes are an `RlpError` with code
   * `TRAILING_BYTES`. Use {@link decodeWithRest} to get them.
   */
  readonly allowTrailing?: boolean
}

/** What {@link decodeWithRest} returns. */
export interface DecodedWithRest {
  readonly value: RlpValue
  /** The bytes after the value: a view into the input, possibly empty. */
  readonly rest: Uint8Array
}

/**
 * Decodes one strict RLP item that fills all of `bytes`.
 *
 * Strict means every value has exactly one accepted encoding, as go-ethereum requires:
 * sizes are minimal, single bytes below 0x80 stand for themselves, and nothing follows
 * the value. Byte strings in the result are views into `bytes` (no copies): they stay
 * valid as long as `bytes` is not modified, and keep all of `bytes` in memory. Copy with
 * `slice()` whatever you keep for long.
 *
 * @example
 * ```ts
 * decode(Uint8Array.of(0xc5, 0x83, 0x64, 0x6f, 0x67, 0x01)) // [bytes('dog'), Uint8Array [1]]
 * ```
 * @throws {RlpError} if `bytes` is not exactly one strict RLP item (see {@link RlpErrorCode}).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {RangeError} if `options.maxDepth` is not an integer from 0 to {@link MAX_DEPTH}.
 */
export function decode(bytes: Uint8Array, options?: DecodeOptions): RlpValue {
  const [value, end] = decodeItem(bytes, maxDepthOf(options))
  if (end !== bytes.length && options?.allowTrailing !== true) {
    fail('TRAILING_BYTES', `${bytes.length - end} bytes follow the value`, end)
  }
  return value
}

/**
 * Decodes the strict RLP item at the start of `bytes` and returns it with the bytes that
 * follow it. The value and `rest` are views into `bytes`, as with {@link decode}.
 *
 * @example
 * ```ts
 * const { value, rest } = decodeWithRest(Uint8Array.of(0x01, 0xff, 0xff)) // rest: [0xff, 0xff]
 * ```
 * @throws {RlpError} if `bytes` does not start with a strict RLP item.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {RangeError} if `options.maxDepth` is not an integer from 0 to {@link MAX_DEPTH}.
 */
export function decodeWithRest(
  bytes: Uint8Array,
  options?: Pick<DecodeOptions, 'maxDepth'>,
): DecodedWithRest {
  const [value, end] = decodeItem(bytes, maxDepthOf(options))
  return { value, rest: view(bytes, end, bytes.length - end) }
}

function maxDepthOf(options: DecodeOptions | undefined): number {
  const maxDepth = options?.maxDepth ?? MAX_DEPTH
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH) {
    throw new RangeError(`maxDepth must be an integer from 0 to ${MAX_DEPTH}, got ${maxDepth}`)
  }
  return maxDepth
}

/** A plain `Uint8Array` view, also when `bytes` is a Node `Buffer`. */
function view(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length)
}

function fail(code: RlpErrorCode, message: string, offset: number): never {
  throw new RlpError(code, `${message} (at byte ${offset})`, { offset })
}

/**
 * Decodes the item at the start of `bytes`; returns it and the offset just past it.
 *
 * Iterative on purpose: an explicit stack of open lists means hostile nesting costs a
 * `TOO_DEEP` error, never a call-stack overflow. Every length is checked against the end
 * of the enclosing list before it is used, so a huge declared length allocates nothing.
 */
function decodeItem(bytes: Uint8Array, maxDepth: number): [RlpValue, number] {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`decode expects a Uint8Array, got ${typeof bytes}`)
  }
  if (bytes.length === 0) fail('EMPTY_INPUT', 'empty input', 0)
  const lists: RlpValue[][] = [] // the open lists, innermost last
  const ends: number[] = [] // for each open list, the end of its parent (or of the input)
  let end = bytes.length // end of the innermost open list's payload, or of the input
  let pos = 0
  for (;;) {
    let value: RlpValue
    const head = bytes[pos]!
    if (head < 0x80) {
      value = view(bytes, pos, 1)
      pos += 1
    } else {
      let length: number
      let payload: number
      if (head <= 0xb7 || (head >= 0xc0 && head <= 0xf7)) {
        length = head - (head < 0xc0 ? 0x80 : 0xc0)
        payload = pos + 1
      } else {
        const lengthBytes = head - (head < 0xc0 ? 0xb7 : 0xf7)
        payload = pos + 1 + lengthBytes
        length = readLongLength(bytes, pos, payload, end)
      }
      if (length > end - payload) {
        fail('TRUNCATED', `item declares ${length} bytes, only ${end - payload} left`, pos)
      }
      if (head < 0xc0) {
        if (length === 1 && bytes[payload]! < 0x80) {
          fail('NON_CANONICAL_SIZE', 'single byte below 0x80 wrapped in a string header', pos)
        }
        value = view(bytes, payload, length)
        pos = payload + length
      } else {
        if (lists.length >= maxDepth) fail('TOO_DEEP', `lists nest deeper than ${maxDepth}`, pos)
        pos = payload
        if (length > 0) {
          lists.push([])
          ends.push(end)
          end = payload + length
          continue
        }
        value = []
      }
    }
    // Hand the value to its list, then close every list that ends here.
    for (;;) {
      const parent = lists[lists.length - 1]
      if (parent === undefined) return [value, pos]
      parent.push(value)
      if (pos < end) break
      value = lists.pop()!
      end = ends.pop()!
    }
  }
}

/**
 * Reads the big-endian length of a long-form header at `pos` whose length field ends at
 * `payload`. Stops as soon as the length passes `end`, so it never loses precision.
 */
function readLongLength(bytes: Uint8Array, pos: number, payload: number, end: number): number {
  if (payload > end) fail('TRUNCATED', 'length field runs past the end', pos)
  if (bytes[pos + 1] === 0) fail('NON_CANONICAL_SIZE', 'length with leading zero bytes', pos)
  let length = 0
  for (let i = pos + 1; i < payload; i++) {
    length = length * 256 + bytes[i]!
    if (length > end) fail('TRUNCATED', 'declared length runs past the end', pos)
  }
  if (length < 56) fail('NON_CANONICAL_SIZE', `long-form length ${length} is below 56`, pos)
  return length
}

/**
 * The offset of the header of the item reached from the top-level item by following
 * list `indices`. Only for input that {@link decode} accepted (used to place schema
 * errors); it does not validate.
 */
export function offsetOf(bytes: Uint8Array, indices: readonly number[]): number {
  let pos = 0
  for (const index of indices) {
    pos = payloadOf(bytes, pos)[0]
    for (let i = 0; i < index; i++) pos = payloadOf(bytes, pos)[1]
  }
  return pos
}

/** `[payload start, item end]` of the valid item whose header is at `pos`. */
function payloadOf(bytes: Uint8Array, pos: number): [number, number] {
  const head = bytes[pos]!
  if (head < 0x80) return [pos, pos + 1]
  const short = head <= 0xb7 || (head >= 0xc0 && head <= 0xf7)
  if (short) {
    const length = head - (head < 0xc0 ? 0x80 : 0xc0)
    return [pos + 1, pos + 1 + length]
  }
  const payload = pos + 1 + head - (head < 0xc0 ? 0xb7 : 0xf7)
  let length = 0
  for (let i = pos + 1; i < payload; i++) length = length * 256 + bytes[i]!
  return [payload, payload + length]
}
