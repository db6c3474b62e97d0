/**
 * What `encode` accepts and how: exact bytes for each input type, strings always UTF-8,
 * no shared memory with the input, and misuse as TypeError / RangeError at once.
 */
import { hex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { encode, MAX_DEPTH, RlpError, type RlpInput } from '../src/index.js'

describe('numbers and bigints', () => {
  it.each([
    [0, '80'],
    [1, '01'],
    [0x7f, '7f'],
    [0x80, '8180'],
    [0xff, '81ff'],
    [0x100, '820100'],
    [0xffffffff, '84ffffffff'],
    [2 ** 32, '850100000000'],
    [Number.MAX_SAFE_INTEGER, '871fffffffffffff'],
  ])('number %d encodes as %s (minimal big-endian)', (value, expected) => {
    expect(hex(encode(value))).toBe(expected)
  })

  it.each([
    [0n, '80'],
    [0x7fn, '7f'],
    [2n ** 64n - 1n, '88ffffffffffffffff'],
    [2n ** 64n, '89010000000000000000'],
    [2n ** 256n - 1n, `a0${'ff'.repeat(32)}`],
  ])('bigint %s encodes as %s', (value, expected) => {
    expect(hex(encode(value))).toBe(expected)
  })
})

describe('strings', () => {
  it('are always UTF-8, also when they look like hex', () => {
    expect(hex(encode('0x12'))).toBe('8430783132')
    expect(hex(encode('0x'))).toBe('823078')
  })

  it('encode non-ASCII text as its UTF-8 bytes', () => {
    expect(hex(encode('é'))).toBe('82c3a9')
    expect(hex(encode('€'))).toBe('83e282ac')
    expect(hex(encode('😀'))).toBe('84f09f9880')
    expect(hex(encode('é'.repeat(40)))).toBe(`b850${'c3a9'.repeat(40)}`)
  })

  it('refuse a lone surrogate with TypeError (it has no UTF-8 form)', () => {
    expect(() => encode('\ud800')).toThrow(TypeError)
    expect(() => encode('a\udc00b')).toThrow(TypeError)
  })

  it('encode the empty string as 0x80', () => {
    expect(hex(encode(''))).toBe('80')
  })
})

describe('bytes and lists', () => {
  it('encode a single byte below 0x80 as itself, and from 0x80 up with a header', () => {
    expect(hex(encode(Uint8Array.of(0)))).toBe('00')
    expect(hex(encode(Uint8Array.of(0x7f)))).toBe('7f')
    expect(hex(encode(Uint8Array.of(0x80)))).toBe('8180')
  })

  it('switch to the long form at 56 bytes', () => {
    expect(hex(encode(new Uint8Array(55)))).toBe(`b7${'00'.repeat(55)}`)
    expect(hex(encode(new Uint8Array(56)))).toBe(`b838${'00'.repeat(56)}`)
    expect(hex(encode(new Uint8Array(256)))).toBe(`b90100${'00'.repeat(256)}`)
    expect(hex(encode(Array.from({ length: 55 }, () => 1)))).toBe(`f7${'01'.repeat(55)}`)
    expect(hex(encode(Array.from({ length: 56 }, () => 1)))).toBe(`f838${'01'.repeat(56)}`)
  })

  it('mix every input type in one list', () => {
    expect(hex(encode(['dog', 1, Uint8Array.of(0xff), 0, 1024n, [[]]]))).toBe(
      'cd83646f670181ff80820400c1c0',
    )
  })

  it('return a new array that never shares memory with the input', () => {
    const single = Uint8Array.of(0x01)
    const out = encode(single)
    expect(out).not.toBe(single)
    out[0] = 0x02
    expect(single[0]).toBe(0x01)
  })

  it('accept Buffers as bytes', () => {
    expect(hex(encode(Buffer.from('cafe', 'hex')))).toBe('82cafe')
  })

  it('encode MAX_DEPTH nested lists and refuse one more with RangeError', () => {
    let value: RlpInput = []
    for (let depth = 1; depth < MAX_DEPTH; depth++) value = [value]
    expect(encode(value).length).toBeGreaterThan(MAX_DEPTH)
    expect(() => encode([value])).toThrow(RangeError)
  })

  it('refuse a cyclic list with RangeError, not a stack overflow', () => {
    const cyclic: RlpInput[] = []
    cyclic.push(cyclic)
    expect(() => encode(cyclic)).toThrow(/nest deeper than 1024/)
  })
})

describe('misuse throws at once, never RlpError', () => {
  it.each([
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a negative bigint', -1n],
  ])('%s is a RangeError', (_, value) => {
    expect(() => encode(value)).toThrow(RangeError)
    expect(() => encode([value])).toThrow(RangeError)
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { a: 1 }],
    ['a Uint16Array', new Uint16Array(2)],
    ['a symbol', Symbol('x')],
  ])('%s is a TypeError', (_, value) => {
    expect(() => encode(value as unknown as RlpInput)).toThrow(TypeError)
    expect(() => encode([1, [value as unknown as RlpInput]])).toThrow(TypeError)
    expect(() => encode(value as unknown as RlpInput)).not.toThrow(RlpError)
  })
})
