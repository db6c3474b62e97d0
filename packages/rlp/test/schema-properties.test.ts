/**
 * Property tests for schemas: typed values round-trip through bytes and through
 * RlpValue, and damaged bytes give a value or an RlpError, nothing else.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeAs, encodeAs, fromRlp, RlpError, type Schema, t, toRlp } from '../src/index.js'
import { mutate, mutation } from './arbitraries.js'

const cap = t.struct('cap', { name: t.string, version: t.uint })
const hello = t.struct(
  'hello',
  {
    protocolVersion: t.uint,
    clientId: t.string,
    caps: t.list(cap, { max: 32 }),
    listenPort: t.uint,
    nodeKey: t.bytesN(64),
    seq: t.optional(t.uint64),
  },
  { extra: 'ignore' },
)

const helloValue = fc.record(
  {
    protocolVersion: fc.maxSafeNat(),
    clientId: fc.string({ unit: 'binary', maxLength: 60 }),
    caps: fc.array(
      fc.record({
        name: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
        version: fc.nat(255),
      }),
      { maxLength: 32 },
    ),
    listenPort: fc.nat(65535),
    nodeKey: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  },
  { requiredKeys: ['protocolVersion', 'clientId', 'caps', 'listenPort', 'nodeKey'] },
)

/** Checks that `schema` round-trips every value `arbitrary` makes, through bytes and RlpValue. */
function roundTrips<T>(schema: Schema<T>, arbitrary: fc.Arbitrary<T>, numRuns = 300): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      expect(decodeAs(schema, encodeAs(schema, value))).toEqual(value)
      expect(fromRlp(schema, toRlp(schema, value))).toEqual(value)
    }),
    { numRuns },
  )
}

describe('schema round trips', () => {
  it('t.uint', () => roundTrips(t.uint, fc.maxSafeNat()))
  it('t.bigint', () => roundTrips(t.bigint, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })))
  it('t.uint64', () => roundTrips(t.uint64, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })))
  it('t.bytes', () => roundTrips(t.bytes, fc.uint8Array({ maxLength: 100 })))
  it('t.bytesN(32)', () =>
    roundTrips(t.bytesN(32), fc.uint8Array({ minLength: 32, maxLength: 32 })))
  it('t.string (any code points)', () =>
    roundTrips(t.string, fc.string({ unit: 'binary', maxLength: 100 })))
  it('t.bool', () => roundTrips(t.bool, fc.boolean()))
  it('t.tuple with optional items', () => {
    const schema = t.tuple(t.uint, t.optional(t.string), t.optional(t.bool))
    const value = fc.oneof(
      fc.tuple(fc.maxSafeNat()),
      fc.tuple(fc.maxSafeNat(), fc.string()),
      fc.tuple(fc.maxSafeNat(), fc.string(), fc.boolean()),
    ) as fc.Arbitrary<[number, string?, boolean?]>
    roundTrips(schema, value)
  })
  it('a Hello-like struct', () => roundTrips(hello, helloValue, 500))
})

describe('damaged input', () => {
  it('gives a Hello or an RlpError, never another exception', () => {
    fc.assert(
      fc.property(
        helloValue,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (value, mutations) => {
          const bytes = mutate(encodeAs(hello, value), mutations)
          try {
            const decoded = decodeAs(hello, bytes)
            expect(decoded.nodeKey).toHaveLength(64)
          } catch (error) {
            if (!(error instanceof RlpError)) throw error
            expect(error.offset).toBeGreaterThanOrEqual(0)
            expect(error.offset).toBeLessThanOrEqual(bytes.length)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })
})
