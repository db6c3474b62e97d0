import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concatKdf } from '../src/index.js'
import { hex, loadVectors, unhex, utf8 } from './support.js'

interface GethEcies {
  concatKdf: { secretUtf8: string; outputs: { length: number; hex: string }[] }
}
const vectors = loadVectors<GethEcies>('geth-ecies.json').concatKdf

describe('concatKdf (NIST SP 800-56 with SHA-256, counter from 1)', () => {
  it.each(vectors.outputs)(
    "matches go-ethereum's TestKDF for $length bytes",
    ({ length, hex: expected }) => {
      expect(hex(concatKdf(utf8(vectors.secretUtf8), length))).toBe(expected)
    },
  )

  it('block 1 is sha256(00000001 ‖ secret), computed independently', async () => {
    const { createHash } = await import('node:crypto')
    const secret = unhex('167ccc13ac5e8a26b131c3446030c60fbfac6aa8e31149d0869f93626a4cdf62')
    const expected = createHash('sha256').update(unhex('00000001')).update(secret).digest('hex')
    expect(hex(concatKdf(secret, 32))).toBe(expected)
  })

  it('block 300 is sha256(0000012c ‖ secret): the counter is big-endian past one byte', async () => {
    const { createHash } = await import('node:crypto')
    const secret = utf8('counter')
    const expected = createHash('sha256').update(unhex('0000012c')).update(secret).digest('hex')
    expect(hex(concatKdf(secret, 300 * 32).subarray(299 * 32))).toBe(expected)
  })

  it('a shorter output is a prefix of a longer one', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(100), fc.nat(100), (secret, m, n) => {
        const [short, long] = m < n ? [m, n] : [n, m]
        expect(hex(concatKdf(secret, long)).startsWith(hex(concatKdf(secret, short)))).toBe(true)
        expect(concatKdf(secret, long).length).toBe(long)
      }),
    )
  })

  it('length 0 gives an empty array', () => {
    expect(concatKdf(utf8('input'), 0)).toEqual(new Uint8Array(0))
  })

  it('misuse: a length that is not a non-negative integer is a RangeError, a non-bytes secret a TypeError', () => {
    for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => concatKdf(utf8('input'), length)).toThrow(RangeError)
    }
    expect(() => concatKdf('input' as unknown as Uint8Array, 32)).toThrow(TypeError)
  })
})
