/**
 * What the strict decoder refuses and where it says the problem is, what it returns
 * (zero-copy views) and how it survives hostile nesting and lengths.
 */
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  decode,
  decodeWithRest,
  MAX_DEPTH,
  RlpError,
  type RlpErrorCode,
  type RlpValue,
} from '../src/index.js'

function decodeError(bytes: Uint8Array, options?: Parameters<typeof decode>[1]): RlpError {
  try {
    decode(bytes, options)
  } catch (error) {
    if (error instanceof RlpError) return error
    throw error
  }
  throw new Error('decode accepted the input')
}

describe('refused input, with code and offset', () => {
  const cases: [string, string, RlpErrorCode, number][] = [
    ['empty input', '', 'EMPTY_INPUT', 0],
    ['a single byte below 0x80 wrapped as a string', '8100', 'NON_CANONICAL_SIZE', 0],
    ['a wrapped single byte inside a list', 'c3018105', 'NON_CANONICAL_SIZE', 2],
    ['a long-form string length below 56', `b837${'00'.repeat(55)}`, 'NON_CANONICAL_SIZE', 0],
    ['a long-form list length below 56', `f83701${'01'.repeat(54)}`, 'NON_CANONICAL_SIZE', 0],
    [
      'a long-form length with a leading zero byte',
      `b90038${'00'.repeat(56)}`,
      'NON_CANONICAL_SIZE',
      0,
    ],
    ['a string running past the input', '8301', 'TRUNCATED', 0],
    ['a length field running past the input', 'b9', 'TRUNCATED', 0],
    ['a string running past its enclosing list', 'c28301020304', 'TRUNCATED', 1],
    ['a list running past its enclosing list', 'c2c20101', 'TRUNCATED', 1],
    ['a length field of 8 bytes near 2^64', 'bfffffffffffffffff', 'TRUNCATED', 0],
    ['a declared length of 2^53', 'be20000000000000', 'TRUNCATED', 0],
    ['trailing bytes after a string', '0102', 'TRAILING_BYTES', 1],
    ['trailing bytes after a list', 'c10100', 'TRAILING_BYTES', 2],
  ]

  it.each(cases)('%s (%s): %s at byte %i', (_, input, code, offset) => {
    const error = decodeError(unhex(input))
    expect(error).toBeInstanceOf(RlpError)
    expect(error.name).toBe('RlpError')
    expect(error.code).toBe(code)
    expect(error.offset).toBe(offset)
    expect(error.path).toBeUndefined()
    expect(error.message).toContain(`at byte ${offset}`)
  })

  it('accepts the boundary forms next to those: 56-byte strings in long form, 55 in short form', () => {
    expect(decode(unhex(`b838${'61'.repeat(56)}`))).toEqual(new Uint8Array(56).fill(0x61))
    expect(decode(unhex(`b7${'61'.repeat(55)}`))).toEqual(new Uint8Array(55).fill(0x61))
    expect(decode(unhex('8180'))).toEqual(Uint8Array.of(0x80))
    expect(decode(unhex('80'))).toEqual(new Uint8Array(0))
    expect(decode(unhex('00'))).toEqual(Uint8Array.of(0))
  })
})

describe('trailing bytes', () => {
  it('are ignored with allowTrailing', () => {
    expect(decode(unhex('c201020304'), { allowTrailing: true })).toEqual([
      Uint8Array.of(1),
      Uint8Array.of(2),
    ])
  })

  it('are returned by decodeWithRest as a view of the input', () => {
    const input = unhex('c2010203ff')
    const { value, rest } = decodeWithRest(input)
    expect(value).toEqual([Uint8Array.of(1), Uint8Array.of(2)])
    expect(hex(rest)).toBe('03ff')
    expect(rest.buffer).toBe(input.buffer)
  })

  it('decodeWithRest gives an empty rest when the value fills the input', () => {
    expect(decodeWithRest(unhex('8180')).rest).toHaveLength(0)
  })

  it('decodeWithRest still refuses a bad item at the start', () => {
    expect(() => decodeWithRest(unhex('8100ff'))).toThrow(
      expect.objectContaining({ code: 'NON_CANONICAL_SIZE', offset: 0 }),
    )
  })
})

describe('decoded bytes are views into the input', () => {
  it('share the input buffer (no copies)', () => {
    const input = unhex('c88363617483646f67')
    const value = decode(input) as Uint8Array[]
    expect(value[0]!.buffer).toBe(input.buffer)
    input[2] = 0x62 // "cat" -> "bat": the view sees the change
    expect(new TextDecoder().decode(value[0])).toBe('bat')
  })

  it('are plain Uint8Arrays even when the input is a Node Buffer', () => {
    const value = decode(Buffer.from('c3820102', 'hex')) as Uint8Array[]
    expect(Object.getPrototypeOf(value[0])).toBe(Uint8Array.prototype)
    expect(value[0]).toEqual(Uint8Array.of(1, 2))
  })

  it('respect the byteOffset of an input that is itself a view', () => {
    const backing = unhex('ffffc3820102ffff')
    expect(decode(backing.subarray(2, 6))).toEqual([Uint8Array.of(1, 2)])
  })
})

/** `[[[...]]]` nested `depth` lists deep, built by hand with correct long-form lengths. */
function nestedLists(depth: number): Uint8Array {
  const headers: number[][] = []
  let payload = 0 // the innermost list is empty
  for (let level = 0; level < depth; level++) {
    let header: number[]
    if (payload < 56) header = [0xc0 + payload]
    else {
      const lengthBytes: number[] = []
      for (let rest = payload; rest > 0; rest = Math.floor(rest / 256))
        lengthBytes.unshift(rest % 256)
      header = [0xf7 + lengthBytes.length, ...lengthBytes]
    }
    headers.push(header)
    payload += header.length
  }
  // headers[0] is the innermost list's: write outermost first.
  return Uint8Array.from(headers.reverse().flat())
}

describe('nesting', () => {
  it('decodes exactly MAX_DEPTH (1024) nested lists', () => {
    expect(MAX_DEPTH).toBe(1024)
    let value = decode(nestedLists(1024))
    let depth = 0
    while (Array.isArray(value) && value.length === 1) {
      value = value[0]!
      depth++
    }
    expect(value).toEqual([])
    expect(depth + 1).toBe(1024)
  })

  it('refuses MAX_DEPTH + 1 nested lists with TOO_DEEP at the header of list 1025', () => {
    const error = decodeError(nestedLists(1025))
    expect(error.code).toBe('TOO_DEEP')
    // Walk the 1024 outer headers (1 to 3 bytes each) to find where list 1025 starts.
    const bytes = nestedLists(1025)
    let pos = 0
    for (let level = 0; level < 1024; level++)
      pos += bytes[pos]! < 0xf8 ? 1 : 1 + bytes[pos]! - 0xf7
    expect(error.offset).toBe(pos)
  })

  it('refuses 100,000 nested lists with TOO_DEEP, not a stack overflow', () => {
    expect(decodeError(nestedLists(100_000)).code).toBe('TOO_DEEP')
  })

  it('refuses 100,000 nested lists whose innermost item is truncated with TOO_DEEP', () => {
    const bytes = nestedLists(100_000)
    // The innermost list (the last byte, 0xc0) now claims 5 bytes that are not there.
    bytes[bytes.length - 1] = 0xc5
    expect(decodeError(bytes).code).toBe('TOO_DEEP')
  })

  it('refuses 100,000 bytes of 0xc1 (lists claiming more than their parent holds) with an RlpError', () => {
    const error = decodeError(new Uint8Array(100_000).fill(0xc1))
    expect(error.code).toBe('TRUNCATED')
    expect(error.offset).toBe(1)
  })

  it('honours a lower maxDepth', () => {
    expect(decode(unhex('c2c100'), { maxDepth: 2 })).toEqual([[Uint8Array.of(0)]])
    expect(decodeError(unhex('c2c100'), { maxDepth: 1 })).toMatchObject({
      code: 'TOO_DEEP',
      offset: 1,
    })
    expect(decodeError(unhex('c0'), { maxDepth: 0 })).toMatchObject({ code: 'TOO_DEEP', offset: 0 })
    expect(decode(unhex('80'), { maxDepth: 0 })).toEqual(new Uint8Array(0))
  })

  it('counts empty lists towards the depth', () => {
    expect(decodeError(unhex('c1c0'), { maxDepth: 1 }).code).toBe('TOO_DEEP')
  })
})

describe('huge declared lengths', () => {
  it('are refused without allocating what they declare', () => {
    const before = process.memoryUsage().arrayBuffers
    // 512 MiB string, 512 MiB list and 2^56-byte list, in 5 to 9 bytes each.
    for (const input of ['bb20000000', 'fb20000000', 'ff0100000000000000']) {
      expect(decodeError(unhex(input)).code).toBe('TRUNCATED')
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20)
  })
})

describe('misuse', () => {
  it('throws TypeError for input that is not a Uint8Array', () => {
    expect(() => decode('c0' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => decode([0xc0] as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('throws RangeError for a maxDepth outside 0..MAX_DEPTH', () => {
    for (const maxDepth of [-1, 1.5, MAX_DEPTH + 1, Number.NaN]) {
      expect(() => decode(unhex('c0'), { maxDepth })).toThrow(RangeError)
    }
  })
})

describe('RlpError', () => {
  it('carries name, code, offset, path and cause', () => {
    const cause = new Error('inner')
    const error = new RlpError('SCHEMA_MISMATCH', 'x: expected uint, got list', {
      offset: 3,
      path: 'x',
      cause,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'RlpError', code: 'SCHEMA_MISMATCH', offset: 3, path: 'x' })
    expect(error.cause).toBe(cause)
    expect(String(error)).toBe('RlpError: x: expected uint, got list')
  })
})

it('decodes lists of mixed items in order', () => {
  const expected: RlpValue = [
    Uint8Array.of(0x7f),
    [],
    [new Uint8Array(0)],
    new Uint8Array(60).fill(1),
  ]
  expect(decode(unhex(`f8427fc0c180b83c${'01'.repeat(60)}`))).toEqual(expected)
})
