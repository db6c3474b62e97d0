/** The `t` namespace: every schema builder in one object, so call sites read `t.uint`. */
import { list, optional, struct, tuple } from './schema-lists.js'
import {
  bigint,
  bigintMax,
  bool,
  bytes,
  bytesN,
  raw,
  string,
  uint,
  uint64,
} from './schema-scalars.js'

/**
 * The schema builders: describe a message once, then decode it to typed values with
 * {@link decodeAs} / {@link fromRlp} and encode it with {@link encodeAs} / {@link toRlp}.
 *
 * | schema | TypeScript type | RLP |
 * | --- | --- | --- |
 * | `t.uint` | `number` | canonical uint up to 2^53 − 1 |
 * | `t.bigint`, `t.uint64`, `t.bigintMax(n)` | `bigint` | canonical uint of up to 32, 8, n bytes |
 * | `t.bytes`, `t.bytesN(n)` | `Uint8Array` | byte string (of exactly n bytes) |
 * | `t.string` | `string` | UTF-8 byte string |
 * | `t.bool` | `boolean` | `0x80` or `0x01` |
 * | `t.raw` | {@link RlpValue} | anything |
 * | `t.list(s, { max })` | `T[]` | list of any length |
 * | `t.tuple(a, b, t.optional(c))` | `[A, B, C?]` | list by position |
 * | `t.struct(name, { a, b }, { extra })` | `{ a: A; b: B }` | list by position |
 *
 * @example
 * ```ts
 * const cap = t.struct('cap', { name: t.string, version: t.uint })
 * const hello = t.struct('hello', { version: t.uint, clientId: t.string, caps: t.list(cap) }, { extra: 'ignore' })
 * const { clientId, caps } = decodeAs(hello, bytes) // clientId: string, caps: { name: string; version: number }[]
 * ```
 */
export const t = {
  uint,
  bigint,
  uint64,
  bigintMax,
  bytes,
  bytesN,
  string,
  bool,
  raw,
  list,
  tuple,
  struct,
  optional,
} as const
