/** fast-check arbitraries shared by the property tests. */
import fc from 'fast-check'
import type { RlpValue } from '../src/index.js'

/**
 * Byte strings that hit every header form: empty, single bytes on both sides of 0x80,
 * lengths around the 55/56 short/long boundary, and a few hundred bytes (two length bytes).
 */
export const rlpBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 3 }),
  fc.uint8Array({ minLength: 54, maxLength: 57 }),
  fc.uint8Array({ maxLength: 70 }),
  fc.uint8Array({ minLength: 250, maxLength: 300 }),
)

/** Arbitrary nested RLP values: byte strings and lists of them, a few levels deep. */
export const rlpValue: fc.Arbitrary<RlpValue> = fc.letrec<{ value: RlpValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    rlpBytes,
    fc.array(tie('value'), { maxLength: 8 }),
  ),
})).value

/** One way of damaging an encoding. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'truncate'; readonly at: number }

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
)

/** `bytes` with `mutations` applied; positions wrap around the current length. */
export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Array.from(bytes)
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length
    if (m.kind === 'flip' && out.length > 0) out[at] = m.byte
    else if (m.kind === 'insert') out.splice(at, 0, m.byte)
    else if (m.kind === 'delete') out.splice(at, 1)
    else if (m.kind === 'truncate') out = out.slice(0, at)
  }
  return Uint8Array.from(out)
}
