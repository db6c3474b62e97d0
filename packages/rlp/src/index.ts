/**
 * Strict RLP (Recursive Length Prefix) encoding and decoding for devp2p, with typed
 * schemas that turn decoded messages into TypeScript values and back.
 *
 * - {@link encode} / {@link decode}: bytes, numbers, bigints, UTF-8 strings and nested
 *   lists; decoding is strict (one canonical encoding per value, no trailing bytes, a
 *   bounded depth) and zero-copy.
 * - {@link t}, {@link decodeAs}, {@link encodeAs}: describe a message once, get typed
 *   values and errors with paths (`hello.caps[2].version: expected uint, got list`).
 * - Every problem with input is an {@link RlpError} with a `code`; misuse is a
 *   `TypeError` or `RangeError`.
 *
 * @example
 * ```ts
 * import { decodeAs, encodeAs, t } from '@devp2p/rlp'
 *
 * const cap = t.struct('cap', { name: t.string, version: t.uint })
 * const status = t.struct('status', { version: t.uint, caps: t.list(cap) }, { extra: 'ignore' })
 * const bytes = encodeAs(status, { version: 5, caps: [{ name: 'eth', version: 68 }] })
 * const { caps } = decodeAs(status, bytes) // caps: { name: string; version: number }[]
 * ```
 *
 * @packageDocumentation
 */
export { MAX_BIGINT_BYTES, MAX_DEPTH } from './constants.js'
export type { DecodedWithRest, DecodeOptions } from './decode.js'
export { decode, decodeWithRest } from './decode.js'
export { encode } from './encode.js'
export type { RlpErrorCode, RlpErrorOptions } from './errors.js'
export { RlpError } from './errors.js'
export type { Infer, OptionalSchema, Schema } from './schema.js'
export { decodeAs, encodeAs, fromRlp, toRlp } from './schema.js'
export type { ExtraOptions, StructValue, TupleValue } from './schema-lists.js'
export { t } from './t.js'
export type { RlpInput, RlpValue } from './types.js'
