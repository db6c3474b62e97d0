import { type DecodeOptions, decode, offsetOf } from './decode.js'
import { encode } from './encode.js'
import { RlpError, type RlpErrorCode } from './errors.js'
import type { RlpValue } from './types.js'

/** Key of a schema's codec: module-private, so the codec is no part of the public API. */
export const codec: unique symbol = Symbol('@devp2p/rlp codec')

/** How a schema converts between decoded RLP and typed values. */
export interface Codec<T> {
  /** Reads a decoded value; throws a {@link Fault} when it does not fit. */
  read(value: RlpValue): T
  /** Converts a typed value; throws `TypeError` / `RangeError` (or a `Fault`) on misuse. */
  write(value: T): RlpValue
  /** Where paths start when this schema is the root: a named struct's name. */
  readonly root?: string
}

/**
 * A description of an RLP value's shape that decodes to, and encodes from, a `T`. Build
 * schemas with {@link t}; use them with {@link decodeAs}, {@link fromRlp},
 * {@link encodeAs} and {@link toRlp}.
 *
 * @example
 * ```ts
 * const cap: Schema<{ name: string; version: number }> = t.struct('cap', { name: t.string, version: t.uint })
 * ```
 */
export interface Schema<T> {
  /** What the schema expects, as error messages print it: `uint`, `bytes64`, `list`, `hello`. */
  readonly name: string
  /** Whether this is a {@link t.optional} item, which may be absent at the end of a list. */
  readonly optional: boolean
  /** @internal */
  readonly [codec]: Codec<T>
}

/** A schema made by {@link t.optional}: `T`, or absent from the end of a tuple or struct. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true
}

/**
 * The type a schema decodes to.
 *
 * @example
 * ```ts
 * const ping = t.tuple(t.uint, t.bytes)
 * type Ping = Infer<typeof ping> // [number, Uint8Array]
 * ```
 */
export type Infer<S> = S extends Schema<infer T> ? T : never

// biome-ignore lint/suspicious/noExplicitAny: a schema of any type, for constraints only
export type AnySchema = Schema<any>

/** A schema object around `codecOf`. */
export function schemaOf<T>(name: string, codecOf: Codec<T>): Schema<T> {
  return { name, optional: false, [codec]: codecOf }
}

/** Whether `value` is a schema (made by this package). */
export function isSchema(value: unknown): value is AnySchema {
  return typeof value === 'object' && value !== null && codec in value
}

/** An argument check while encoding: `TypeError` unless `ok`. */
export function typeCheck(expected: string, ok: boolean, value: unknown): void {
  if (!ok) {
    throw new TypeError(`expected ${expected}, got ${value === null ? 'null' : typeof value}`)
  }
}

/**
 * A schema mismatch on its way up from the item at fault: each enclosing list adds its
 * index and label on the way, and the public entry point turns it into the error the
 * caller sees. Not an `Error`, so failing costs no stack trace until then.
 */
export class Fault {
  /** Position in each enclosing list, outermost first. */
  readonly indices: number[] = []
  /** Path segments (`.caps`, `[2]`), outermost first. */
  readonly labels: string[] = []

  constructor(
    /** An `RlpError` code when decoding; the `Error` class to throw when encoding. */
    readonly code: RlpErrorCode | 'TypeError' | 'RangeError',
    /** `expected <x>, got <y>` */
    readonly detail: string,
    readonly cause?: unknown,
  ) {}
}

/**
 * Throws a decoding {@link Fault}: the value does not fit the schema. `got` is the value
 * (described by kind, or as hex when short) or a description such as `63 bytes`.
 */
export function mismatch(
  expected: string,
  got: RlpValue | string,
  code: RlpErrorCode = 'SCHEMA_MISMATCH',
  cause?: unknown,
): never {
  const description = typeof got === 'string' ? got : describe(got)
  throw new Fault(code, `expected ${expected}, got ${description}`, cause)
}

/** Records that `error` happened inside the item at `index` of a list; returns it to rethrow. */
export function within(error: unknown, index: number, label: string): unknown {
  const fault = asFault(error)
  if (fault === undefined) return error
  fault.indices.unshift(index)
  fault.labels.unshift(label)
  return fault
}

/**
 * `error` as a {@link Fault}: a `TypeError` / `RangeError` from an argument check (a
 * scalar while encoding, or a value that is not RLP in `fromRlp`) becomes one, keeping
 * its class, so that it gets a path too.
 */
function asFault(error: unknown): Fault | undefined {
  if (error instanceof Fault) return error
  if (error instanceof TypeError) return new Fault('TypeError', error.message, error)
  if (error instanceof RangeError) return new Fault('RangeError', error.message, error)
  return undefined
}

/** How a value is named in `got <y>`: `list`, `0x0001` (short bytes), `65 bytes`. */
function describe(value: RlpValue): string {
  if (Array.isArray(value)) return 'list'
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`not an RLP value: ${value === null ? 'null' : typeof value}`)
  }
  if (value.length === 0) return 'empty bytes'
  if (value.length > 16) return `${value.length} bytes`
  let hex = '0x'
  for (const byte of value) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** The path of the item at fault: the root struct's name (or `$`), then the segments. */
function pathOf(schema: Schema<unknown>, fault: Fault): string {
  return (schema[codec].root ?? '$') + fault.labels.join('')
}

/**
 * The error the caller sees for `fault`: an `RlpError` for bad input, a `TypeError` or
 * `RangeError` (with the original as `cause`) for misuse. `offsetOf` places an RlpError
 * in the input bytes, when there are any.
 */
function errorOf(
  schema: Schema<unknown>,
  fault: Fault,
  offsetOf?: (indices: readonly number[]) => number,
): Error {
  const path = pathOf(schema, fault)
  const message = `${path}: ${fault.detail}`
  const cause = fault.cause
  if (fault.code === 'TypeError') return new TypeError(message, { cause })
  if (fault.code === 'RangeError') return new RangeError(message, { cause })
  return new RlpError(fault.code, message, { path, offset: offsetOf?.(fault.indices), cause })
}

/**
 * Decodes strict RLP `bytes` and reads the result with `schema`.
 *
 * Byte strings in the result (`t.bytes`, `t.raw`) are views into `bytes`, as with
 * {@link decode}.
 *
 * @example
 * ```ts
 * const [text] = decodeAs(t.tuple(t.string), bytes) // text: string
 * ```
 * @throws {RlpError} if `bytes` is not strict RLP, or does not fit `schema`; schema
 *   errors carry `path` and the `offset` of the item at fault.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {RangeError} if `options.maxDepth` is out of range.
 */
export function decodeAs<T>(schema: Schema<T>, bytes: Uint8Array, options?: DecodeOptions): T {
  const value = decode(bytes, options)
  try {
    return schema[codec].read(value)
  } catch (error) {
    const fault = asFault(error)
    throw fault === undefined
      ? error
      : errorOf(schema, fault, (indices) => offsetOf(bytes, indices))
  }
}

/**
 * Reads an already decoded RLP value with `schema`: for a caller that decoded first, for
 * example to look at a message id before choosing the schema.
 *
 * @example
 * ```ts
 * const port = fromRlp(t.uint, decode(bytes))
 * ```
 * @throws {RlpError} if `value` does not fit `schema` (with `path`; `offset` is undefined).
 * @throws {TypeError} if `value` (or a part of it) is not an {@link RlpValue}.
 */
export function fromRlp<T>(schema: Schema<T>, value: RlpValue): T {
  try {
    return schema[codec].read(value)
  } catch (error) {
    const fault = asFault(error)
    throw fault === undefined ? error : errorOf(schema, fault)
  }
}

/**
 * Converts a typed value to its RLP value with `schema`. Byte strings may share memory
 * with `value`.
 *
 * @example
 * ```ts
 * toRlp(t.tuple(t.uint, t.string), [1, 'a']) // [Uint8Array [1], Uint8Array [0x61]]
 * ```
 * @throws {TypeError} if a part of `value` has the wrong type; the message starts with its path.
 * @throws {RangeError} if a part of `value` is out of range (negative, too long, ...).
 */
export function toRlp<T>(schema: Schema<T>, value: T): RlpValue {
  try {
    return schema[codec].write(value)
  } catch (error) {
    const fault = asFault(error)
    throw fault === undefined ? error : errorOf(schema, fault)
  }
}

/**
 * Encodes a typed value as RLP with `schema`; `decodeAs(schema, encodeAs(schema, v))`
 * gives back `v`.
 *
 * @example
 * ```ts
 * encodeAs(t.tuple(t.uint, t.string), [1, 'a']) // c2 01 61
 * ```
 * @throws {TypeError} if a part of `value` has the wrong type; the message starts with its path.
 * @throws {RangeError} if a part of `value` is out of range (negative, too long, ...).
 */
export function encodeAs<T>(schema: Schema<T>, value: T): Uint8Array {
  return encode(toRlp(schema, value))
}
