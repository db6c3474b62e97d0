/**
 * The schemas of byte strings: integers, bytes, strings, booleans, and `raw` (anything).
 */
import { MAX_BIGINT_BYTES } from './constants.js'
import {
  bigintToBytes,
  bytesToBigint,
  bytesToSmallUint,
  bytesToUtf8,
  uintToBytes,
  utf8ToBytes,
} from './scalars.js'
import { codec, mismatch, type Schema, schemaOf, typeCheck } from './schema.js'
import type { RlpValue } from './types.js'

/** A schema of a byte string: anything else is `expected <name>, got list`. */
function scalar<T>(
  name: string,
  read: (bytes: Uint8Array, value: RlpValue) => T,
  write: (value: T) => RlpValue,
): Schema<T> {
  return {
    name,
    optional: false,
    [codec]: {
      read: (value) => read(value instanceof Uint8Array ? value : mismatch(name, value), value),
      write,
    },
  }
}

/**
 * An unsigned integer as a `number`, up to `Number.MAX_SAFE_INTEGER` (2^53 − 1): minimal
 * big-endian bytes, zero is the empty string. Leading zero bytes are refused
 * (`NON_CANONICAL_INT`), larger values too (`INT_OVERFLOW`).
 *
 * @example
 * ```ts
 * decodeAs(t.uint, Uint8Array.of(0x82, 0x27, 0x0f)) // 9999
 * ```
 */
export const uint: Schema<number> = scalar(
  'uint',
  (bytes, value) => {
    if (bytes[0] === 0) mismatch('uint without leading zeros', value, 'NON_CANONICAL_INT')
    const n = bytes.length <= 7 ? bytesToSmallUint(bytes) : Number.POSITIVE_INFINITY
    if (n > Number.MAX_SAFE_INTEGER) mismatch('uint up to 2^53-1', value, 'INT_OVERFLOW')
    return n
  },
  (value) => {
    typeCheck('a number', typeof value === 'number', value)
    return uintToBytes(value)
  },
)

/**
 * An unsigned integer as a `bigint` of at most `maxBytes` bytes (`uint64` is
 * `bigintMax(8)`). Leading zero bytes are refused (`NON_CANONICAL_INT`), longer values
 * too (`INT_OVERFLOW`).
 *
 * @example
 * ```ts
 * const seq = t.bigintMax(8) // ENR sequence numbers are uint64
 * ```
 * @throws {RangeError} if `maxBytes` is not a positive integer.
 */
export function bigintMax(maxBytes: number): Schema<bigint> {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`)
  }
  const name = `uint${maxBytes * 8}`
  return scalar(
    name,
    (bytes, value) => {
      if (bytes[0] === 0) mismatch(`${name} without leading zeros`, value, 'NON_CANONICAL_INT')
      if (bytes.length > maxBytes) mismatch(name, `${bytes.length} bytes`, 'INT_OVERFLOW')
      return bytesToBigint(bytes)
    },
    (value) => {
      typeCheck('a bigint', typeof value === 'bigint', value)
      const bytes = bigintToBytes(value)
      if (bytes.length > maxBytes) throw new RangeError(`expected ${name}, got ${value}`)
      return bytes
    },
  )
}

/**
 * An unsigned integer of up to 256 bits (the EVM word) as a `bigint`.
 *
 * @example
 * ```ts
 * decodeAs(t.bigint, Uint8Array.of(0x83, 1, 0, 0)) // 65536n
 * ```
 */
export const bigint: Schema<bigint> = bigintMax(MAX_BIGINT_BYTES)

/**
 * An unsigned 64-bit integer as a `bigint` (sequence numbers, ENR `seq`).
 *
 * @example
 * ```ts
 * decodeAs(t.uint64, Uint8Array.of(0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)) // 2n ** 64n - 1n
 * ```
 */
export const uint64: Schema<bigint> = bigintMax(8)

/**
 * A byte string of any length. Decoded bytes are views into the input.
 *
 * @example
 * ```ts
 * decodeAs(t.bytes, Uint8Array.of(0x82, 0xca, 0xfe)) // Uint8Array [0xca, 0xfe]
 * ```
 */
export const bytes: Schema<Uint8Array> = scalar(
  'bytes',
  (bytes) => bytes,
  (value) => {
    typeCheck('a Uint8Array', value instanceof Uint8Array, value)
    return value
  },
)

/**
 * A byte string of exactly `length` bytes (a 32-byte hash, a 64-byte public key).
 *
 * @example
 * ```ts
 * const nodeKey = t.bytesN(64)
 * ```
 * @throws {RangeError} if `length` is not a non-negative integer.
 */
export function bytesN(length: number): Schema<Uint8Array> {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`length must be a non-negative integer, got ${length}`)
  }
  const expected = length === 1 ? '1 byte' : `${length} bytes`
  return scalar(
    `bytes${length}`,
    (bytes) => (bytes.length === length ? bytes : mismatch(expected, `${bytes.length} bytes`)),
    (value) => {
      typeCheck('a Uint8Array', value instanceof Uint8Array, value)
      if (value.length !== length) throw new RangeError(`expected ${expected}, got ${value.length}`)
      return value
    },
  )
}

/**
 * A UTF-8 string. Bytes that are not UTF-8 are refused (`INVALID_UTF8`); strings with a
 * lone surrogate cannot be encoded.
 *
 * @example
 * ```ts
 * decodeAs(t.string, Uint8Array.of(0x83, 0x64, 0x6f, 0x67)) // 'dog'
 * ```
 */
export const string: Schema<string> = scalar(
  'string',
  (bytes, value) => {
    try {
      return bytesToUtf8(bytes)
    } catch (error) {
      return mismatch('UTF-8 string', value, 'INVALID_UTF8', error)
    }
  },
  (value) => {
    typeCheck('a string', typeof value === 'string', value)
    return utf8ToBytes(value)
  },
)

/**
 * A boolean as go-ethereum encodes it: `false` is the empty string (0x80), `true` the
 * byte 0x01. Anything else is a `SCHEMA_MISMATCH`.
 *
 * @example
 * ```ts
 * encodeAs(t.bool, true) // 01
 * ```
 */
export const bool: Schema<boolean> = scalar(
  'bool',
  (bytes, value) => {
    if (bytes.length === 0) return false
    if (bytes.length === 1 && bytes[0] === 1) return true
    return mismatch('bool', value)
  },
  (value) => {
    typeCheck('a boolean', typeof value === 'boolean', value)
    return value ? Uint8Array.of(1) : new Uint8Array(0)
  },
)

/**
 * Any RLP value, unchanged: for parts decoded later, or opaque to this layer.
 *
 * @example
 * ```ts
 * const [id, payload] = decodeAs(t.tuple(t.uint, t.raw), bytes)
 * ```
 */
export const raw: Schema<RlpValue> = schemaOf('rlp', {
  read: (value) => value,
  write: (value) => value,
})
