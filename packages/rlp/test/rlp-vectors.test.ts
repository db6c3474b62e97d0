/**
 * The official ethereum/tests RLP vectors (copied into ./vectors/rlp.json with their
 * sources): every valid vector encodes to exactly its bytes and decodes back, every
 * invalid one is refused with the right code.
 */
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  decode,
  encode,
  RlpError,
  type RlpErrorCode,
  type RlpInput,
  type RlpValue,
} from '../src/index.js'
import vectors from './vectors/rlp.json' with { type: 'json' }

type VectorIn = string | number | VectorIn[]

/** Minimal big-endian bytes of an unsigned integer, computed here (not by the code under test). */
function uintBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0)
  const digits = value.toString(16)
  return unhex(digits.length % 2 === 0 ? digits : `0${digits}`)
}

/** The vector's `in` as bytes and lists, following the conventions in the vectors README. */
function expected(input: VectorIn): RlpValue {
  if (Array.isArray(input)) return input.map(expected)
  if (typeof input === 'number') return uintBytes(BigInt(input))
  if (input.startsWith('#')) return uintBytes(BigInt(input.slice(1)))
  return Uint8Array.from(input, (char) => char.charCodeAt(0))
}

/** The vector's `in` as `encode` takes it natively: numbers, bigints, strings, arrays. */
function native(input: VectorIn): RlpInput {
  if (Array.isArray(input)) return input.map(native)
  if (typeof input === 'string' && input.startsWith('#')) return BigInt(input.slice(1))
  return input
}

const valid = Object.entries(vectors.valid as Record<string, { in: VectorIn; out: string }>)
const invalid = Object.entries(vectors.invalid)

describe('valid vectors', () => {
  it('covers all 28 of them', () => {
    expect(valid).toHaveLength(28)
  })

  it.each(valid)('%s: encoding `in` as bytes and lists gives exactly `out`', (_, vector) => {
    expect(hex(encode(expected(vector.in)))).toBe(hex(unhex(vector.out)))
  })

  it.each(valid)(
    '%s: encoding `in` as numbers, bigints and strings gives exactly `out`',
    (_, vector) => {
      expect(hex(encode(native(vector.in)))).toBe(hex(unhex(vector.out)))
    },
  )

  it.each(valid)('%s: decoding `out` gives `in`, which re-encodes to `out`', (_, vector) => {
    const decoded = decode(unhex(vector.out))
    expect(decoded).toEqual(expected(vector.in))
    expect(hex(encode(decoded))).toBe(hex(unhex(vector.out)))
  })
})

/** The code each invalid vector must give, worked out by hand from its first bad byte. */
const expectedCodes: Record<string, RlpErrorCode> = {
  int32Overflow: 'TRUNCATED',
  int32Overflow2: 'TRUNCATED',
  wrongSizeList: 'NON_CANONICAL_SIZE',
  wrongSizeList2: 'NON_CANONICAL_SIZE',
  incorrectLengthInArray: 'NON_CANONICAL_SIZE',
  randomRLP: 'NON_CANONICAL_SIZE',
  bytesShouldBeSingleByte00: 'NON_CANONICAL_SIZE',
  bytesShouldBeSingleByte01: 'NON_CANONICAL_SIZE',
  bytesShouldBeSingleByte7F: 'NON_CANONICAL_SIZE',
  leadingZerosInLongLengthArray1: 'NON_CANONICAL_SIZE',
  leadingZerosInLongLengthArray2: 'NON_CANONICAL_SIZE',
  leadingZerosInLongLengthList1: 'NON_CANONICAL_SIZE',
  leadingZerosInLongLengthList2: 'NON_CANONICAL_SIZE',
  nonOptimalLongLengthArray1: 'NON_CANONICAL_SIZE',
  nonOptimalLongLengthArray2: 'NON_CANONICAL_SIZE',
  nonOptimalLongLengthList1: 'NON_CANONICAL_SIZE',
  nonOptimalLongLengthList2: 'NON_CANONICAL_SIZE',
  emptyEncoding: 'EMPTY_INPUT',
  lessThanShortLengthArray1: 'TRUNCATED',
  lessThanShortLengthArray2: 'TRUNCATED',
  lessThanShortLengthList1: 'TRUNCATED',
  lessThanShortLengthList2: 'TRUNCATED',
  lessThanLongLengthArray1: 'TRUNCATED',
  lessThanLongLengthArray2: 'TRUNCATED',
  lessThanLongLengthList1: 'TRUNCATED',
  lessThanLongLengthList2: 'TRUNCATED',
}

describe('invalid vectors', () => {
  it('covers all 26 of them, each with an expected code', () => {
    expect(invalid).toHaveLength(26)
    expect(Object.keys(expectedCodes).sort()).toEqual(invalid.map(([name]) => name).sort())
  })

  it.each(invalid)('%s is refused with an RlpError', (name, vector) => {
    const bytes = unhex(vector.out)
    expect(() => decode(bytes)).toThrow(RlpError)
    expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: expectedCodes[name] }))
  })
})

describe('random vectors', () => {
  it('listsoflists2 decodes to [[], [[]], [[], [[]]]] and re-encodes to the same bytes', () => {
    const bytes = unhex(vectors.random.listsoflists2.out)
    const decoded = decode(bytes)
    expect(decoded).toEqual([[], [[]], [[], [[]]]])
    expect(hex(encode(decoded))).toBe(hex(bytes))
  })
})
