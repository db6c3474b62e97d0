import { encode } from '@devp2p/rlp'
import { hex, unhex } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES } from '../src/constants.js'
import { PssError } from '../src/errors.js'
import { decodeMessage, encodeMessage, messageDigest, type PssMessage } from '../src/message.js'

const message = fc.record({
  to: fc.uint8Array({ maxLength: 32 }),
  expiry: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  topic: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  flags: fc.constantFrom(0, 1, 2),
  payload: fc.uint8Array({ maxLength: 300 }),
})

const plain = (m: PssMessage) => ({
  ...m,
  to: hex(m.to),
  topic: hex(m.topic),
  payload: hex(m.payload),
})

function codeOf(bytes: Uint8Array): string {
  try {
    decodeMessage(bytes)
    return 'ok'
  } catch (err) {
    if (err instanceof PssError) return err.code
    throw err
  }
}

describe('pss message wire format', () => {
  it('encodes [to, expiry, topic, flags, payload] as an RLP list, byte for byte', () => {
    const bytes = encodeMessage({
      to: unhex('aabb'),
      expiry: 0x0102,
      topic: unhex('01020304'),
      flags: 1,
      payload: unhex('ff'),
    })
    // c0+14 list; 82 aabb; 82 0102; 84 01020304; 01; 81 ff
    expect(hex(bytes)).toBe('ce82aabb820102840102030401' + '81ff')
    expect(plain(decodeMessage(bytes))).toEqual({
      to: 'aabb',
      expiry: 0x0102,
      topic: '01020304',
      flags: 1,
      payload: 'ff',
    })
  })

  it('round-trips any valid message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(plain(decodeMessage(encodeMessage(m)))).toEqual(plain(m))
      }),
    )
  })

  it('random bytes give a PssError or a message, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(codeOf(bytes)).toMatch(/^(ok|[A-Z_]+)$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('mutated messages give a PssError or a message that encodes back to the same bytes', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (m, edits) => {
          const bytes = encodeMessage(m).slice()
          for (const [at, value] of edits) bytes[at % bytes.length] = value
          try {
            const decoded = decodeMessage(bytes)
            expect(hex(encodeMessage(decoded))).toBe(hex(bytes)) // strict: one encoding per message
          } catch (err) {
            expect(err).toBeInstanceOf(PssError)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('rejects each bad field with its own code', () => {
    const topic = unhex('01020304')
    expect(codeOf(encode([new Uint8Array(33), 1, topic, 0, '']))).toBe('INVALID_ADDRESS')
    expect(codeOf(encode(['', unhex('0001'), topic, 0, '']))).toBe('INVALID_EXPIRY')
    expect(codeOf(encode(['', new Uint8Array(9).fill(1), topic, 0, '']))).toBe('INVALID_EXPIRY')
    expect(codeOf(encode(['', 1, unhex('010203'), 0, '']))).toBe('INVALID_TOPIC')
    expect(codeOf(encode(['', 1, topic, 3, '']))).toBe('INVALID_FLAGS')
    expect(codeOf(encode(['', 1, topic, 4, '']))).toBe('INVALID_FLAGS')
    expect(codeOf(encode(['', 1, topic, unhex('0000'), '']))).toBe('INVALID_FLAGS')
    expect(codeOf(encode(['', 1, topic, 0]))).toBe('INVALID_MESSAGE')
    expect(codeOf(encode(['', 1, topic, 0, '', '']))).toBe('INVALID_MESSAGE')
    expect(codeOf(encode(['', 1, topic, 0, ['']]))).toBe('INVALID_MESSAGE')
    expect(codeOf(encode('not a list'))).toBe('INVALID_MESSAGE')
    expect(codeOf(unhex('c5808080'))).toBe('INVALID_MESSAGE') // truncated list
    const ok = encode(['', 1, topic, 0, ''])
    expect(codeOf(ok)).toBe('ok')
    expect(codeOf(new Uint8Array([...ok, 0]))).toBe('INVALID_MESSAGE') // trailing byte
  })

  it('refuses a message over MAX_MESSAGE_BYTES before decoding it', () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0xc0)
    expect(codeOf(big)).toBe('MESSAGE_TOO_LARGE')
    const payload = new Uint8Array(MAX_MESSAGE_BYTES)
    expect(() =>
      encodeMessage({
        to: new Uint8Array(),
        expiry: 1,
        topic: new Uint8Array(4),
        flags: 0,
        payload,
      }),
    ).toThrow(RangeError)
  })

  it('refuses to encode bad fields (misuse)', () => {
    const base = {
      to: new Uint8Array(),
      expiry: 1,
      topic: new Uint8Array(4),
      flags: 0,
      payload: new Uint8Array(),
    }
    expect(() => encodeMessage({ ...base, to: new Uint8Array(33) })).toThrow(RangeError)
    expect(() => encodeMessage({ ...base, topic: new Uint8Array(5) })).toThrow(RangeError)
    expect(() => encodeMessage({ ...base, expiry: -1 })).toThrow(RangeError)
    expect(() => encodeMessage({ ...base, flags: 3 })).toThrow(RangeError)
    expect(() => encodeMessage({ ...base, payload: 'x' as unknown as Uint8Array })).toThrow(
      TypeError,
    )
  })

  it('digests a message as keccak256 of its encoding', () => {
    // keccak256 of the empty string, a known value
    expect(hex(messageDigest(new Uint8Array()))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })
})
