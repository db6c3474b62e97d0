/**
 * The schemas of lists: homogeneous `list`, positional `tuple` and `struct`, and the
 * `optional` marker for their trailing items.
 */
import {
  type AnySchema,
  type Codec,
  codec,
  type Infer,
  isSchema,
  mismatch,
  type OptionalSchema,
  type Schema,
  schemaOf,
  typeCheck,
  within,
} from './schema.js'
import type { RlpValue } from './types.js'

/** `[A, B, C?]` for `tuple(a, b, optional(c))`. */
export type TupleValue<S extends readonly AnySchema[]> = S extends readonly []
  ? []
  : S extends readonly [infer H, ...infer R extends readonly AnySchema[]]
    ? H extends OptionalSchema<infer T>
      ? [T?, ...TupleValue<R>]
      : [Infer<H>, ...TupleValue<R>]
    : Infer<S[number]>[]

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** `{ a: A; b?: B }` for `struct({ a, b: optional(b) })`. */
export type StructValue<F extends Readonly<Record<string, AnySchema>>> = Simplify<
  { -readonly [K in keyof F as F[K] extends OptionalSchema<unknown> ? never : K]: Infer<F[K]> } & {
    -readonly [K in keyof F as F[K] extends OptionalSchema<unknown> ? K : never]?: Infer<F[K]>
  }
>

/** What a tuple or struct does with list items after its last one. */
export interface ExtraOptions {
  /**
   * `'reject'` (default): more items are a `SCHEMA_MISMATCH`. `'ignore'`: skip them, as
   * EIP-8 asks of every devp2p message for forward compatibility.
   */
  readonly extra?: 'reject' | 'ignore'
}

function listOf(value: RlpValue): RlpValue[] {
  return Array.isArray(value) ? value : mismatch('list', value)
}

function items(count: number): string {
  return count === 1 ? '1 item' : `${count} items`
}

/**
 * A list whose items all have the schema `item`, of any length up to `options.max`.
 *
 * @example
 * ```ts
 * const hashes = t.list(t.bytesN(32), { max: 1024 })
 * ```
 * @throws {RangeError} if `options.max` is not a non-negative integer.
 */
export function list<T>(item: Schema<T>, options: { readonly max?: number } = {}): Schema<T[]> {
  const max = options.max ?? Number.POSITIVE_INFINITY
  if (options.max !== undefined && (!Number.isInteger(max) || max < 0)) {
    throw new RangeError(`max must be a non-negative integer, got ${options.max}`)
  }
  const { read, write } = item[codec]
  return schemaOf('list', {
    read(value) {
      const values = listOf(value)
      if (values.length > max) mismatch(`at most ${items(max)}`, items(values.length))
      const out: T[] = []
      let i = 0
      try {
        for (; i < values.length; i++) out.push(read(values[i]!))
      } catch (error) {
        throw within(error, i, `[${i}]`)
      }
      return out
    },
    write(values) {
      typeCheck('an array', Array.isArray(values), values)
      if (values.length > max) {
        throw new RangeError(`expected at most ${items(max)}, got ${values.length}`)
      }
      const out: RlpValue[] = []
      let i = 0
      try {
        for (; i < values.length; i++) out.push(write(values[i]!))
      } catch (error) {
        throw within(error, i, `[${i}]`)
      }
      return out
    },
  })
}

/**
 * Marks a tuple item or struct field that may be absent. Only trailing items can be
 * optional: RLP lists are positional, so an absent item can only be a missing tail.
 *
 * @example
 * ```ts
 * const ping = t.tuple(t.uint, t.optional(t.uint64)) // [number, bigint?]
 * ```
 */
export function optional<T>(item: Schema<T>): OptionalSchema<T> {
  return { name: item.name, optional: true, [codec]: item[codec] as Codec<T | undefined> }
}

/** A positional list's items, shared by tuples and structs. */
interface Positional {
  readonly codecs: readonly Codec<unknown>[]
  readonly labels: readonly string[]
  /** How many items must be present: the items before the first optional one. */
  readonly required: number
  readonly extra: 'reject' | 'ignore'
}

function positional(
  schemas: readonly Schema<unknown>[],
  labels: string[],
  extra: ExtraOptions['extra'],
): Positional {
  if (extra !== undefined && extra !== 'reject' && extra !== 'ignore') {
    throw new TypeError(`extra must be 'reject' or 'ignore', got ${String(extra)}`)
  }
  let required = schemas.length
  schemas.forEach((schema, i) => {
    if (!isSchema(schema)) throw new TypeError(`${labels[i]} is not a schema`)
    if (schema.optional) {
      required = Math.min(required, i)
    } else if (required < i) {
      throw new TypeError(`${labels[i]} follows an optional item: only trailing items can be`)
    }
  })
  return {
    codecs: schemas.map((schema) => schema[codec]),
    labels,
    required,
    extra: extra ?? 'reject',
  }
}

/** Checks the item count and reads the items that are present, in order. */
function readPositional(shape: Positional, value: RlpValue): unknown[] {
  const values = listOf(value)
  const { codecs, required, extra } = shape
  if (values.length < required || (values.length > codecs.length && extra === 'reject')) {
    const expected =
      extra === 'ignore'
        ? `at least ${items(required)}`
        : required === codecs.length
          ? items(required)
          : `${required} to ${items(codecs.length)}`
    mismatch(expected, items(values.length))
  }
  const present = Math.min(values.length, codecs.length)
  const out: unknown[] = []
  let i = 0
  try {
    for (; i < present; i++) out.push(codecs[i]!.read(values[i]!))
  } catch (error) {
    throw within(error, i, shape.labels[i]!)
  }
  return out
}

/** Writes each item of `values`, leaving out absent trailing optional items. */
function writePositional(shape: Positional, values: readonly unknown[]): RlpValue[] {
  const { codecs, required } = shape
  let count = codecs.length
  while (count > required && values[count - 1] === undefined) count--
  const out: RlpValue[] = []
  let i = 0
  try {
    for (; i < count; i++) {
      const item = values[i]
      if (item === undefined && i >= required) {
        throw new TypeError('optional item is absent but a later one is present')
      }
      out.push(codecs[i]!.write(item))
    }
  } catch (error) {
    throw within(error, i, shape.labels[i]!)
  }
  return out
}

/**
 * A list of items of fixed positions and schemas, decoded as a TypeScript tuple.
 * {@link optional} items may end it; a last argument `{ extra: 'ignore' }` skips items
 * after the known ones (EIP-8).
 *
 * @example
 * ```ts
 * const [version, name] = decodeAs(t.tuple(t.uint, t.string), bytes) // [number, string]
 * const loose = t.tuple(t.uint, t.string, { extra: 'ignore' })
 * ```
 * @throws {TypeError} if an argument is not a schema, or a required item follows an optional one.
 */
export function tuple<S extends AnySchema[]>(...schemas: S): Schema<TupleValue<S>>
export function tuple<S extends AnySchema[]>(...args: [...S, ExtraOptions]): Schema<TupleValue<S>>
export function tuple(...args: (AnySchema | ExtraOptions)[]): Schema<unknown[]> {
  const last = args[args.length - 1]
  const hasOptions = typeof last === 'object' && last !== null && !isSchema(last)
  const options: ExtraOptions = hasOptions ? (args.pop() as ExtraOptions) : {}
  const schemas = args as AnySchema[]
  const shape = positional(
    schemas,
    schemas.map((_, i) => `[${i}]`),
    options.extra,
  )
  return schemaOf('tuple', {
    read: (value) => readPositional(shape, value),
    write(values) {
      typeCheck('an array', Array.isArray(values), values)
      if (values.length > schemas.length) {
        throw new RangeError(`expected at most ${items(schemas.length)}, got ${values.length}`)
      }
      return writePositional(shape, values)
    },
  })
}

/**
 * A list of items of fixed positions, decoded as an object with named fields: field
 * order is list order. With a `name`, error paths start with it (`hello.caps[2].version`).
 * {@link optional} fields may end it (they become `?:` properties); `{ extra: 'ignore' }`
 * skips items after the known ones (EIP-8).
 *
 * @example
 * ```ts
 * const cap = t.struct('cap', { name: t.string, version: t.uint })
 * const hello = t.struct('hello', {
 *   protocolVersion: t.uint,
 *   clientId: t.string,
 *   caps: t.list(cap),
 *   listenPort: t.uint,
 *   nodeKey: t.bytesN(64),
 * }, { extra: 'ignore' })
 * type Hello = Infer<typeof hello> // { protocolVersion: number; clientId: string; caps: { name: string; version: number }[]; ... }
 * ```
 * @throws {TypeError} if a field is not a schema, a required field follows an optional
 *   one, or a field name is an array index (JavaScript would reorder it).
 */
export function struct<F extends Readonly<Record<string, AnySchema>>>(
  fields: F,
  options?: ExtraOptions,
): Schema<StructValue<F>>
export function struct<F extends Readonly<Record<string, AnySchema>>>(
  name: string,
  fields: F,
  options?: ExtraOptions,
): Schema<StructValue<F>>
export function struct(
  first: string | Record<string, AnySchema>,
  second?: Record<string, AnySchema> | ExtraOptions,
  third?: ExtraOptions,
): Schema<Record<string, unknown>> {
  const name = typeof first === 'string' ? first : undefined
  const fields = (name === undefined ? first : second) as Record<string, AnySchema>
  const options = (name === undefined ? second : third) as ExtraOptions | undefined
  typeCheck('an object of schemas', typeof fields === 'object' && fields !== null, fields)
  const keys = Object.keys(fields)
  for (const key of keys) {
    // Integer-like keys are enumerated first whatever their place, which would change the order.
    if (/^(0|[1-9]\d*)$/.test(key)) throw new TypeError(`field name ${key} is an array index`)
  }
  const shape = positional(
    keys.map((key) => fields[key]!),
    keys.map((key) => `.${key}`),
    options?.extra,
  )
  return schemaOf(name ?? 'struct', {
    read(value) {
      const values = readPositional(shape, value)
      const out: Record<string, unknown> = {}
      for (let i = 0; i < values.length; i++) out[keys[i]!] = values[i]
      return out
    },
    write(value) {
      typeCheck('an object', typeof value === 'object' && value !== null, value)
      return writePositional(
        shape,
        keys.map((key) => value[key]),
      )
    },
    root: name,
  })
}
