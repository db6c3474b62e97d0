/**
 * Each schema type: what it reads, what it refuses (with which code, path and offset),
 * what it writes, and the TypeScript types it infers.
 */
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  decode,
  decodeAs,
  encode,
  encodeAs,
  fromRlp,
  type Infer,
  RlpError,
  type RlpErrorCode,
  type RlpValue,
  type Schema,
  t,
  toRlp,
} from '../src/index.js'

/** The RlpError that decodeAs throws for `input` (hex). */
function schemaError<T>(schema: Schema<T>, input: string): RlpError {
  try {
    decodeAs(schema, unhex(input))
  } catch (error) {
    if (error instanceof RlpError) return error
    throw error
  }
  throw new Error('decodeAs accepted the input')
}

function expectRefused<T>(
  schema: Schema<T>,
  input: string,
  code: RlpErrorCode,
  message: string,
): void {
  const error = schemaError(schema, input)
  expect(error.code).toBe(code)
  expect(error.message).toBe(message)
}

describe('t.uint', () => {
  it.each([
    ['80', 0],
    ['01', 1],
    ['7f', 127],
    ['8180', 128],
    ['820400', 1024],
    ['871fffffffffffff', Number.MAX_SAFE_INTEGER],
  ])('reads %s as %d and writes it back', (input, value) => {
    expect(decodeAs(t.uint, unhex(input))).toBe(value)
    expect(hex(encodeAs(t.uint, value))).toBe(input)
  })

  it('refuses leading zero bytes as non-canonical, also a lone zero byte', () => {
    expectRefused(
      t.uint,
      '820001',
      'NON_CANONICAL_INT',
      '$: expected uint without leading zeros, got 0x0001',
    )
    expectRefused(
      t.uint,
      '00',
      'NON_CANONICAL_INT',
      '$: expected uint without leading zeros, got 0x00',
    )
  })

  it('refuses values above 2^53 - 1', () => {
    expectRefused(
      t.uint,
      '8720000000000000',
      'INT_OVERFLOW',
      '$: expected uint up to 2^53-1, got 0x20000000000000',
    )
    expectRefused(
      t.uint,
      '880100000000000000',
      'INT_OVERFLOW',
      '$: expected uint up to 2^53-1, got 0x0100000000000000',
    )
  })

  it('refuses a list', () => {
    expectRefused(t.uint, 'c0', 'SCHEMA_MISMATCH', '$: expected uint, got list')
  })

  it('writes only non-negative safe integers', () => {
    expect(() => encodeAs(t.uint, -1)).toThrow(RangeError)
    expect(() => encodeAs(t.uint, 2 ** 53)).toThrow(RangeError)
    expect(() => encodeAs(t.uint, 1n as unknown as number)).toThrow(TypeError)
  })
})

describe('t.bigint, t.uint64, t.bigintMax', () => {
  it('reads and writes uint256 values', () => {
    const max = 2n ** 256n - 1n
    expect(decodeAs(t.bigint, unhex(`a0${'ff'.repeat(32)}`))).toBe(max)
    expect(hex(encodeAs(t.bigint, max))).toBe(`a0${'ff'.repeat(32)}`)
    expect(decodeAs(t.bigint, unhex('80'))).toBe(0n)
    expect(decodeAs(t.bigint, unhex('830186a0'))).toBe(100_000n)
  })

  it('refuses more than 32 bytes and leading zeros', () => {
    expectRefused(
      t.bigint,
      `a101${'00'.repeat(32)}`,
      'INT_OVERFLOW',
      '$: expected uint256, got 33 bytes',
    )
    expectRefused(
      t.bigint,
      '820001',
      'NON_CANONICAL_INT',
      '$: expected uint256 without leading zeros, got 0x0001',
    )
    expect(() => encodeAs(t.bigint, 2n ** 256n)).toThrow(RangeError)
    expect(() => encodeAs(t.bigint, -1n)).toThrow(RangeError)
    expect(() => encodeAs(t.bigint, 1 as unknown as bigint)).toThrow(TypeError)
  })

  it('t.uint64 stops at 8 bytes', () => {
    expect(decodeAs(t.uint64, unhex('88ffffffffffffffff'))).toBe(2n ** 64n - 1n)
    expectRefused(
      t.uint64,
      '89010000000000000000',
      'INT_OVERFLOW',
      '$: expected uint64, got 9 bytes',
    )
  })

  it('t.bigintMax checks its argument', () => {
    expect(decodeAs(t.bigintMax(2), unhex('82ffff'))).toBe(65535n)
    expect(() => t.bigintMax(0)).toThrow(RangeError)
    expect(() => t.bigintMax(1.5)).toThrow(RangeError)
  })
})

describe('t.bytes and t.bytesN', () => {
  it('t.bytes reads any byte string as a view of the input', () => {
    const input = unhex('83010203')
    const bytes = decodeAs(t.bytes, input)
    expect(bytes).toEqual(Uint8Array.of(1, 2, 3))
    expect(bytes.buffer).toBe(input.buffer)
    expectRefused(t.bytes, 'c0', 'SCHEMA_MISMATCH', '$: expected bytes, got list')
  })

  it('t.bytesN accepts exactly n bytes', () => {
    expect(decodeAs(t.bytesN(4), unhex('8401020304'))).toEqual(Uint8Array.of(1, 2, 3, 4))
    expectRefused(t.bytesN(4), '83010203', 'SCHEMA_MISMATCH', '$: expected 4 bytes, got 3 bytes')
    expectRefused(
      t.bytesN(4),
      '850102030405',
      'SCHEMA_MISMATCH',
      '$: expected 4 bytes, got 5 bytes',
    )
    expectRefused(
      t.bytesN(64),
      `b83f${'11'.repeat(63)}`,
      'SCHEMA_MISMATCH',
      '$: expected 64 bytes, got 63 bytes',
    )
    expect(() => encodeAs(t.bytesN(4), new Uint8Array(3))).toThrow(RangeError)
    expect(() => t.bytesN(-1)).toThrow(RangeError)
  })
})

describe('t.string', () => {
  it('reads and writes UTF-8', () => {
    expect(decodeAs(t.string, unhex('83646f67'))).toBe('dog')
    expect(decodeAs(t.string, unhex('83e282ac'))).toBe('€')
    expect(decodeAs(t.string, unhex('80'))).toBe('')
    expect(hex(encodeAs(t.string, '0x12'))).toBe('8430783132')
  })

  it.each([
    ['a byte that is never UTF-8', '81ff'],
    ['an overlong encoding of NUL', '82c080'],
    ['an encoded surrogate', '83eda080'],
    ['a cut multi-byte sequence', '82e282'],
    ['invalid bytes after 20 ASCII ones', `95${'61'.repeat(20)}ff`],
  ])('refuses %s with INVALID_UTF8 and the decoder error as cause', (_, input) => {
    const error = schemaError(t.string, input)
    expect(error.code).toBe('INVALID_UTF8')
    expect(error.message).toMatch(/^\$: expected UTF-8 string, got /)
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('keeps a leading byte order mark (U+FEFF), so the round trip holds', () => {
    expect(decodeAs(t.string, unhex('86efbbbf616263'))).toBe('\ufeffabc')
    expect(hex(encodeAs(t.string, '\ufeffabc'))).toBe('86efbbbf616263')
  })
})

describe('t.bool and t.raw', () => {
  it('t.bool reads 0x80 as false and 0x01 as true, nothing else', () => {
    expect(decodeAs(t.bool, unhex('80'))).toBe(false)
    expect(decodeAs(t.bool, unhex('01'))).toBe(true)
    expect(hex(encodeAs(t.bool, false))).toBe('80')
    expect(hex(encodeAs(t.bool, true))).toBe('01')
    expectRefused(t.bool, '02', 'SCHEMA_MISMATCH', '$: expected bool, got 0x02')
    expectRefused(t.bool, 'c0', 'SCHEMA_MISMATCH', '$: expected bool, got list')
  })

  it('t.raw passes any value through', () => {
    const value = decodeAs(t.tuple(t.uint, t.raw), unhex('c401c20102'))
    expect(value).toEqual([1, [Uint8Array.of(1), Uint8Array.of(2)]])
    expect(hex(encodeAs(t.tuple(t.uint, t.raw), value))).toBe('c401c20102')
  })
})

describe('t.list', () => {
  it('reads lists of any length', () => {
    expect(decodeAs(t.list(t.uint), unhex('c0'))).toEqual([])
    expect(decodeAs(t.list(t.uint), unhex('c3010203'))).toEqual([1, 2, 3])
  })

  it('refuses more than max items, and names the bad item', () => {
    expectRefused(
      t.list(t.uint, { max: 2 }),
      'c3010203',
      'SCHEMA_MISMATCH',
      '$: expected at most 2 items, got 3 items',
    )
    expectRefused(t.list(t.uint), 'c30102c0', 'SCHEMA_MISMATCH', '$[2]: expected uint, got list')
    expect(() => encodeAs(t.list(t.uint, { max: 2 }), [1, 2, 3])).toThrow(RangeError)
    expect(() => t.list(t.uint, { max: -1 })).toThrow(RangeError)
  })
})

describe('t.tuple', () => {
  const pair = t.tuple(t.uint, t.string)

  it('reads a list by position and infers a TypeScript tuple', () => {
    const value = decodeAs(pair, unhex('c50183646f67'))
    expectTypeOf(value).toEqualTypeOf<[number, string]>()
    expect(value).toEqual([1, 'dog'])
    expect(hex(encodeAs(pair, [1, 'dog']))).toBe('c50183646f67')
  })

  it('refuses a wrong item count', () => {
    expectRefused(pair, 'c101', 'SCHEMA_MISMATCH', '$: expected 2 items, got 1 item')
    expectRefused(pair, 'c3018080', 'SCHEMA_MISMATCH', '$: expected 2 items, got 3 items')
    expectRefused(pair, '80', 'SCHEMA_MISMATCH', '$: expected list, got empty bytes')
  })

  it('lets trailing optional items be absent', () => {
    const schema = t.tuple(t.uint, t.optional(t.uint), t.optional(t.string))
    expectTypeOf(decodeAs(schema, unhex('c101'))).toEqualTypeOf<[number, number?, string?]>()
    expect(decodeAs(schema, unhex('c101'))).toEqual([1])
    expect(decodeAs(schema, unhex('c20102'))).toEqual([1, 2])
    expect(decodeAs(schema, unhex('c3010261'))).toEqual([1, 2, 'a'])
    expectRefused(schema, 'c0', 'SCHEMA_MISMATCH', '$: expected 1 to 3 items, got 0 items')
    expect(hex(encodeAs(schema, [1]))).toBe('c101')
    expect(hex(encodeAs(schema, [1, undefined, undefined]))).toBe('c101')
    expect(() => encodeAs(schema, [1, undefined, 'a'])).toThrow(
      new TypeError('$[1]: optional item is absent but a later one is present'),
    )
  })

  it("ignores extra trailing items with { extra: 'ignore' } (EIP-8)", () => {
    const loose = t.tuple(t.uint, t.string, { extra: 'ignore' })
    expectTypeOf(decodeAs(loose, unhex('c20161'))).toEqualTypeOf<[number, string]>()
    expect(decodeAs(loose, unhex('c7016183626172c0'))).toEqual([1, 'a'])
    expectRefused(loose, 'c101', 'SCHEMA_MISMATCH', '$: expected at least 2 items, got 1 item')
  })

  it('refuses an optional item before a required one, and non-schemas', () => {
    expect(() => t.tuple(t.optional(t.uint), t.uint)).toThrow(TypeError)
    expect(() => t.tuple(t.uint, 5 as unknown as Schema<number>)).toThrow(TypeError)
    expect(() => t.tuple(t.uint, { extra: 'maybe' as 'ignore' })).toThrow(TypeError)
  })
})

describe('t.struct', () => {
  const endpoint = t.struct('endpoint', { ip: t.bytes, udp: t.uint, tcp: t.optional(t.uint) })

  it('reads a list into an object whose type has ?: for optional fields', () => {
    const value = decodeAs(endpoint, unhex('c8847f00000182765f'))
    expectTypeOf(value).toEqualTypeOf<{ ip: Uint8Array; udp: number; tcp?: number }>()
    expect(value).toEqual({ ip: Uint8Array.of(127, 0, 0, 1), udp: 30303 })
    expect('tcp' in value).toBe(false)
    expect(decodeAs(endpoint, unhex('cb847f00000182765f82765f'))).toEqual({
      ip: Uint8Array.of(127, 0, 0, 1),
      udp: 30303,
      tcp: 30303,
    })
  })

  it('writes fields in declaration order', () => {
    expect(hex(encodeAs(endpoint, { tcp: 1, udp: 2, ip: Uint8Array.of(9) }))).toBe('c3090201')
    expect(hex(encodeAs(endpoint, { ip: Uint8Array.of(9), udp: 2 }))).toBe('c20902')
  })

  it('starts error paths with its name, or $ without one', () => {
    expectRefused(endpoint, 'c3c00201', 'SCHEMA_MISMATCH', 'endpoint.ip: expected bytes, got list')
    const unnamed = t.struct({ a: t.uint })
    expectTypeOf(decodeAs(unnamed, unhex('c101'))).toEqualTypeOf<{ a: number }>()
    expectRefused(unnamed, 'c1c0', 'SCHEMA_MISMATCH', '$.a: expected uint, got list')
  })

  it("rejects extra items by default and ignores them with { extra: 'ignore' }", () => {
    expectRefused(
      endpoint,
      'c409020304',
      'SCHEMA_MISMATCH',
      'endpoint: expected 2 to 3 items, got 4 items',
    )
    const loose = t.struct('endpoint', { ip: t.bytes, udp: t.uint }, { extra: 'ignore' })
    expect(decodeAs(loose, unhex('c409020304'))).toEqual({ ip: Uint8Array.of(9), udp: 2 })
  })

  it('refuses field names that are array indices (JavaScript reorders them)', () => {
    expect(() => t.struct({ a: t.uint, 0: t.uint })).toThrow(TypeError)
  })
})

/** A Hello-like message: the shape the p2p layer decodes first on every connection. */
const cap = t.struct('cap', { name: t.string, version: t.uint })
const hello = t.struct(
  'hello',
  {
    version: t.uint,
    clientId: t.string,
    caps: t.list(cap),
    listenPort: t.uint,
    nodeKey: t.bytesN(64),
  },
  { extra: 'ignore' },
)

describe('error paths and offsets', () => {
  // [5, "x", [["eth", 68], ["snap", 1], ["les", []]], 30303, 64 × 0x11]; the bad item is the
  // list `c0` at byte 18: f8 5b (2) 05 (1) 78 (1) d3 (1) c5 83 657468 44 (6) c6 84 736e6170 01 (7)
  const bytes = unhex(
    `f85b0578d3c58365746844c684736e617001c5836c6573c082765fb840${'11'.repeat(64)}`,
  )

  it('name the exact item: hello.caps[2].version: expected uint, got list', () => {
    const error = schemaError(hello, hex(bytes))
    expect(error.message).toBe('hello.caps[2].version: expected uint, got list')
    expect(error.code).toBe('SCHEMA_MISMATCH')
    expect(error.path).toBe('hello.caps[2].version')
    // c5 (the third cap) is at byte 18, "les" (836c6573) at 19, the version list at 23.
    expect(error.offset).toBe(23)
  })

  it('are the same from fromRlp, which has no bytes and so no offset', () => {
    let caught: unknown
    try {
      fromRlp(hello, decode(bytes))
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(RlpError)
    expect(caught).toMatchObject({ path: 'hello.caps[2].version', offset: undefined })
    expect((caught as RlpError).message).toBe('hello.caps[2].version: expected uint, got list')
  })

  it('strict RLP errors come before schema errors and have no path', () => {
    const error = schemaError(hello, 'c28100')
    expect(error).toMatchObject({ code: 'NON_CANONICAL_SIZE', path: undefined, offset: 1 })
  })

  it('encoding errors carry the path too, as TypeError or RangeError', () => {
    const value = {
      version: 5,
      clientId: 'x',
      caps: [{ name: 'eth', version: -1 }],
      listenPort: 1,
      nodeKey: new Uint8Array(64),
    }
    expect(() => encodeAs(hello, value)).toThrow(
      new RangeError('hello.caps[0].version: expected a non-negative safe integer, got -1'),
    )
    const wrongType = { ...value, caps: [{ name: 7 as unknown as string, version: 1 }] }
    expect(() => encodeAs(hello, wrongType)).toThrow(
      new TypeError('hello.caps[0].name: expected a string, got number'),
    )
    expect(() => toRlp(hello, { ...value, caps: [], nodeKey: new Uint8Array(63) })).toThrow(
      new RangeError('hello.nodeKey: expected 64 bytes, got 63'),
    )
  })
})

describe('fromRlp and toRlp', () => {
  it('convert between decoded values and typed ones', () => {
    const schema = t.tuple(t.uint, t.list(t.string))
    const value: RlpValue = [Uint8Array.of(7), [Uint8Array.of(0x61), new Uint8Array(0)]]
    expect(fromRlp(schema, value)).toEqual([7, ['a', '']])
    expect(toRlp(schema, [7, ['a', '']])).toEqual(value)
  })

  it('throw TypeError, with the path, for a value that is not an RlpValue', () => {
    expect(() => fromRlp(t.uint, 5 as unknown as RlpValue)).toThrow(
      new TypeError('$: not an RLP value: number'),
    )
    const nested = [[Uint8Array.of(1), null]] as unknown as RlpValue
    expect(() => fromRlp(t.list(t.list(t.uint)), nested)).toThrow(
      new TypeError('$[0][1]: not an RLP value: null'),
    )
  })
})

describe('inferred types', () => {
  it('Infer gives the decoded type of a schema', () => {
    type Hello = Infer<typeof hello>
    expectTypeOf<Hello>().toEqualTypeOf<{
      version: number
      clientId: string
      caps: { name: string; version: number }[]
      listenPort: number
      nodeKey: Uint8Array
    }>()
    expectTypeOf(decodeAs(t.tuple(t.uint, t.string), encode([1, 'a']))).toEqualTypeOf<
      [number, string]
    >()
    expectTypeOf(decodeAs(t.list(t.bigint), encode([]))).toEqualTypeOf<bigint[]>()
    expect(decodeAs(t.tuple(t.uint, t.string), encode([1, 'a']))).toEqual([1, 'a'])
  })
})
