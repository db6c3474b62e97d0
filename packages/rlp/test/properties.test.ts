/**
 * Property tests: round trips, agreement with an independent implementation
 * (@ethereumjs/rlp), and that hostile bytes give a value or an RlpError, nothing else.
 */

import { hex } from '@devp2p/testing'
import * as ethereumjs from '@ethereumjs/rlp'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decode, decodeWithRest, encode, RlpError, type RlpValue } from '../src/index.js'
import { mutate, mutation, rlpValue } from './arbitraries.js'

/** Decodes `bytes`; fails the property on any exception other than RlpError. */
function decodeOrRlpError(bytes: Uint8Array): RlpValue | RlpError {
  try {
    return decode(bytes)
  } catch (error) {
    if (error instanceof RlpError) return error
    throw error
  }
}

/** Whatever decode accepts must be the one canonical encoding of what it returns. */
function checkOutcome(bytes: Uint8Array): void {
  const outcome = decodeOrRlpError(bytes)
  if (outcome instanceof RlpError) {
    expect(outcome.offset).toBeGreaterThanOrEqual(0)
    expect(outcome.offset).toBeLessThanOrEqual(bytes.length)
  } else {
    expect(hex(encode(outcome))).toBe(hex(bytes))
    // An independent (more lenient) decoder reads the same value.
    expect(ethereumjs.decode(bytes)).toEqual(outcome)
  }
}

describe('round trips', () => {
  it('decode(encode(x)) deep-equals x for nested values', () => {
    fc.assert(
      fc.property(rlpValue, (value) => {
        expect(decode(encode(value))).toEqual(value)
      }),
      { numRuns: 1000 },
    )
  })

  it('encode agrees byte for byte with @ethereumjs/rlp', () => {
    fc.assert(
      fc.property(rlpValue, (value) => {
        expect(hex(encode(value))).toBe(hex(ethereumjs.encode(value)))
      }),
      { numRuns: 1000 },
    )
  })

  it('decodeWithRest returns the value and exactly the bytes after it', () => {
    fc.assert(
      fc.property(rlpValue, fc.uint8Array({ maxLength: 20 }), (value, tail) => {
        const encoded = encode(value)
        const { value: decoded, rest } = decodeWithRest(Uint8Array.from([...encoded, ...tail]))
        expect(decoded).toEqual(value)
        expect(hex(rest)).toBe(hex(tail))
      }),
      { numRuns: 500 },
    )
  })

  it('numbers and bigints come back as their minimal big-endian bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 2n ** 300n })), (n) => {
        const bytes = decode(encode(n)) as Uint8Array
        expect(bytes[0]).not.toBe(0)
        expect(BigInt(`0x0${hex(bytes)}`)).toBe(BigInt(n))
      }),
      { numRuns: 1000 },
    )
  })

  it('strings come back as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        const bytes = decode(encode(text)) as Uint8Array
        expect(hex(bytes)).toBe(Buffer.from(text, 'utf8').toString('hex'))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('hostile input gives a value or an RlpError, never another exception', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), checkOutcome), { numRuns: 5000 })
  })

  it('random bytes that start with a header byte of each form', () => {
    const header = fc.oneof(
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.integer({ min: 0xc0, max: 0xff }),
    )
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (head, body) => {
        checkOutcome(Uint8Array.of(head, ...body))
      }),
      { numRuns: 5000 },
    )
  })

  it('valid encodings with bytes flipped, inserted, deleted or cut off', () => {
    fc.assert(
      fc.property(
        rlpValue,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (value, mutations) => {
          checkOutcome(mutate(encode(value), mutations))
        },
      ),
      { numRuns: 5000 },
    )
  })
})
