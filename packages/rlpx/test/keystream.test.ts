import { createCipheriv, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Keystream } from '../src/keystream.js'

/** AES-256-CTR of `data` with IV zero in one call: the reference for any split of it. */
function oneCall(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createCipheriv('aes-256-ctr', key, new Uint8Array(16)).update(data)
}

describe('Keystream', () => {
  it('any split of the input into in-place and copying calls equals one AES-CTR pass', () => {
    fc.assert(
      fc.property(
        // lengths across every path: short ones from the buffered key stream, long ones
        // (≥ 2 KiB) straight through the cipher, odd sizes that leave the buffer unaligned
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1500, max: 9000 })), {
          minLength: 1,
          maxLength: 24,
        }),
        fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
        fc.integer({ min: 0, max: 3 }),
        (lengths, inPlace, misalign) => {
          const key = randomBytes(32)
          const total = lengths.reduce((a, b) => a + b, 0)
          const plain = new Uint8Array(randomBytes(total))
          const expected = oneCall(key, plain)
          const stream = new Keystream(key)
          const got = new Uint8Array(total)
          let at = 0
          lengths.forEach((n, i) => {
            if (inPlace[i]) {
              // a buffer whose region starts at an odd offset takes the byte-wise path
              const buf = new Uint8Array(n + misalign)
              buf.set(plain.subarray(at, at + n), misalign)
              stream.applyInPlace(buf, misalign, misalign + n)
              got.set(buf.subarray(misalign), at)
            } else {
              got.set(stream.decrypt(plain.subarray(at, at + n)), at)
            }
            at += n
          })
          expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('decrypt leaves its input alone and returns a new array', () => {
    const key = randomBytes(32)
    const input = new Uint8Array(randomBytes(100))
    const copy = input.slice()
    const out = new Keystream(key).decrypt(input)
    expect(input).toEqual(copy)
    expect(out.buffer).not.toBe(input.buffer)
    expect(Buffer.from(out).equals(Buffer.from(oneCall(key, input)))).toBe(true)
  })

  it('cannot be used after wipe(), so a wiped stream never encrypts out of step', () => {
    const stream = new Keystream(randomBytes(32))
    stream.decrypt(new Uint8Array(16)) // draws key stream ahead
    stream.wipe()
    stream.wipe() // idempotent
    expect(() => stream.decrypt(new Uint8Array(16))).toThrow(/after wipe/)
    expect(() => stream.applyInPlace(new Uint8Array(4096), 0, 4096)).toThrow(/after wipe/)
  })
})
