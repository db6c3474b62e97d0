import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { INVALID_REQUEST, PARSE_ERROR, RpcError } from '../src/index.js'
import { JsonStreamReader } from '../src/json-stream.js'

const enc = new TextEncoder()

/** Feeds `bytes` cut at `cuts` and returns every value's text, or the error thrown. */
function readAll(
  bytes: Uint8Array,
  cuts: number[],
  maxBytes = 1 << 20,
): { values: string[]; error?: unknown } {
  const reader = new JsonStreamReader(maxBytes)
  const values: string[] = []
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  let from = 0
  try {
    for (const to of [...points, bytes.length]) {
      // a copy, as a socket hands over fresh buffers
      reader.push(bytes.slice(from, to))
      from = to
      for (let text = reader.next(); text !== undefined; text = reader.next()) values.push(text)
    }
  } catch (error) {
    return { values, error }
  }
  return { values }
}

const whitespace = fc
  .array(fc.constantFrom(' ', '\n', '\t', '\r'), { maxLength: 3 })
  .map((a) => a.join(''))
// JSON text of values a stream can carry back to back: objects, arrays, strings and
// bare literals. A number or literal needs a delimiter after it, as in geth's decoder.
const value = fc.jsonValue({ maxDepth: 4 })

describe('JsonStreamReader', () => {
  it('splits values however the stream is cut (random JSON, random whitespace, random cuts)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, whitespace), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (items, cuts) => {
          let text = ''
          for (const [v, ws] of items) {
            const json = JSON.stringify(v)
            const bare = !/^[[{"]/.test(json)
            // a bare number/literal is ended by the next byte; give it one when ws is empty
            text += json + (bare && ws === '' ? ' ' : ws)
          }
          const { values, error } = readAll(enc.encode(text), cuts)
          expect(error).toBeUndefined()
          // the exact text of each value, so every byte (and the split) is checked
          expect(values).toEqual(items.map(([v]) => JSON.stringify(v)))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('finds the end of long strings full of escapes, quotes and brackets, however cut', () => {
    const char = fc.constantFrom('a', '0', '"', '\\', '{', '}', '[', ']', 'ü', '𝄞', '\n', ' ')
    const longString = fc.string({ unit: char, maxLength: 300, size: 'max' })
    const item = fc.oneof(
      longString,
      fc.array(longString, { maxLength: 3 }),
      fc.dictionary(longString, longString, { maxKeys: 3 }),
    )
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (items, cuts) => {
          const texts = items.map((v) => JSON.stringify(v))
          const { values, error } = readAll(enc.encode(texts.join('')), cuts)
          expect(error).toBeUndefined()
          expect(values).toEqual(texts)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('gives every byte of a multi-byte character split across chunks', () => {
    const text = '{"a":"ü€𝄞 \\" {[ \\\\"}["}"]'
    const bytes = enc.encode(text)
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { values, error } = readAll(bytes, [cut])
      expect(error).toBeUndefined()
      expect(values).toEqual(['{"a":"ü€𝄞 \\" {[ \\\\"}', '["}"]'])
    }
  })

  it('reads back-to-back values with no delimiter, and one byte at a time', () => {
    const text = '{"a":1}[2,3]"x{"{}true null -1.5e3 '
    const bytes = enc.encode(text)
    const expected = ['{"a":1}', '[2,3]', '"x{"', '{}', 'true', 'null', '-1.5e3']
    expect(readAll(bytes, []).values).toEqual(expected)
    expect(readAll(bytes, [...bytes.keys()]).values).toEqual(expected)
  })

  it('holds a bare number until a byte ends it, as geth decoder does', () => {
    const reader = new JsonStreamReader(100)
    reader.push(enc.encode('42'))
    expect(reader.next()).toBeUndefined()
    reader.push(enc.encode('3\n'))
    expect(reader.next()).toBe('423')
  })

  it("splits and rejects top-level numbers and literals by Go's grammar, with its messages", () => {
    // geth's decoder: a literal ends at its last letter, a number at the first byte that
    // cannot continue it
    expect(readAll(enc.encode('42-1 truefalse 01 -0.5E+3null'), []).values).toEqual([
      '42',
      '-1',
      'true',
      'false',
      '0',
      '1',
      '-0.5E+3',
      'null',
    ])
    for (const [text, values, message] of [
      ['truex', ['true'], "invalid character 'x' looking for beginning of value"],
      ['trux', [], "invalid character 'x' in literal true (expecting 'e')"],
      ['nul ', [], "invalid character ' ' in literal null (expecting 'l')"],
      ['-x', [], "invalid character 'x' in numeric literal"],
      ['1.e', [], "invalid character 'e' after decimal point in numeric literal"],
      ['1e+ ', [], "invalid character ' ' in exponent of numeric literal"],
      ['2Ex', [], "invalid character 'x' in exponent of numeric literal"],
    ] as const) {
      const { values: got, error } = readAll(enc.encode(text), [2])
      expect(got).toEqual(values)
      expect(error).toMatchObject({ code: PARSE_ERROR, message })
    }
  })

  it('a byte that cannot start a value is a parse error like geth, and the reader stays failed', () => {
    const reader = new JsonStreamReader(100)
    reader.push(enc.encode('{"a":1} x'))
    expect(reader.next()).toBe('{"a":1}')
    let err: unknown
    try {
      reader.next()
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RpcError)
    expect(err).toMatchObject({
      code: PARSE_ERROR,
      message: "invalid character 'x' looking for beginning of value",
    })
    reader.push(enc.encode('{}'))
    expect(() => reader.next()).toThrow(err as Error)
    for (const [bytes, shown] of [
      [[0x00], "'\\x00'"],
      [[0x7d], "'}'"],
      [[0xef, 0xbb, 0xbf], "'\\xef'"],
    ] as const) {
      const r = new JsonStreamReader(100)
      r.push(Uint8Array.from(bytes))
      expect(() => r.next()).toThrow(`invalid character ${shown} looking for beginning of value`)
    }
  })

  it('a value longer than the limit is TOO_LARGE, whether in one chunk or many; whitespace is not counted', () => {
    const max = 64
    const big = `{"a":"${'x'.repeat(100)}"}`
    for (const cuts of [[], [10], [...Array(big.length).keys()]]) {
      const { values, error } = readAll(enc.encode(`${'\n'.repeat(200)}{"ok":1}${big}`), cuts, max)
      expect(values).toEqual(['{"ok":1}'])
      expect(error).toBeInstanceOf(RpcError)
      expect(error).toMatchObject({ code: INVALID_REQUEST })
    }
    const exact = `"${'y'.repeat(max - 2)}"`
    expect(readAll(enc.encode(exact), [5], max)).toEqual({ values: [exact] })
    expect(readAll(enc.encode(`${exact.slice(0, -1)}y"`), [5], max).error).toMatchObject({
      code: INVALID_REQUEST,
    })
  })

  it('random and mutated bytes give values or a typed error, never another exception, and memory stays within the limit', () => {
    const max = 256
    const valid = fc
      .array(value, { minLength: 1, maxLength: 4 })
      .map((vs) => enc.encode(vs.map((v) => JSON.stringify(v)).join('\n')))
    const mutated = fc
      .tuple(
        valid,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      )
      .map(([bytes, edits]) => {
        const out = Uint8Array.from(bytes)
        for (const [at, b] of edits) if (out.length > 0) out[at % out.length] = b
        return out
      })
    const input = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated)
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const reader = new JsonStreamReader(max)
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
        let from = 0
        try {
          for (const to of [...points, bytes.length]) {
            reader.push(bytes.slice(from, to))
            from = to
            for (let t = reader.next(); t !== undefined; t = reader.next()) {
              // UTF-16 units: never more than the value's bytes (re-encoding may grow
              // it, as each invalid byte becomes U+FFFD, but memory is what is bounded)
              expect(t.length).toBeLessThanOrEqual(max)
            }
            expect(reader.bufferedBytes).toBeLessThanOrEqual(max)
          }
        } catch (err) {
          expect(err).toBeInstanceOf(RpcError)
          expect([PARSE_ERROR, INVALID_REQUEST]).toContain((err as RpcError).code)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('keeps the unread rest of a chunk when more bytes come before it is read', () => {
    const reader = new JsonStreamReader(100)
    reader.push(enc.encode('[1][2]{"a"'))
    expect(reader.next()).toBe('[1]')
    reader.push(enc.encode(':3}'))
    expect(reader.next()).toBe('[2]')
    expect(reader.next()).toBe('{"a":3}')
    expect(reader.next()).toBeUndefined()
  })
})
