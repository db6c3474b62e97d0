import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CryptoError,
  cryptoBackends,
  decodePublicKey,
  ECIES_OVERHEAD_BYTES,
  eciesDecrypt,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  useBackend,
} from '../src/index.js'
import { concat, hex, utf8 } from './support.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof CryptoError) return err.code
    throw err
  }
  return undefined
}

const initial = cryptoBackends()
afterAll(() => useBackend({ secp256k1: initial.secp256k1 }))

describe.each(['native', 'noble'] as const)('ECIES with the %s secp256k1 backend', (backend) => {
  beforeAll(() => useBackend({ secp256k1: backend }))
  const recipient = generatePrivateKey()
  const recipientPub = publicKeyFromPrivate(recipient)

  it('is the backend in use', () => {
    expect(cryptoBackends().secp256k1).toBe(backend)
  })

  it('round trips with and without shared MAC data, for any plaintext', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 8 }),
        (plaintext, macData) => {
          const withMac = eciesEncrypt(recipientPub, plaintext, macData)
          expect(withMac.length).toBe(plaintext.length + ECIES_OVERHEAD_BYTES)
          expect(hex(eciesDecrypt(recipient, withMac, macData))).toBe(hex(plaintext))
          const without = eciesEncrypt(recipientPub, plaintext)
          expect(hex(eciesDecrypt(recipient, without))).toBe(hex(plaintext))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('accepts the recipient key in all three forms and a 64 KiB plaintext', () => {
    const plaintext = Uint8Array.from({ length: 65_536 }, (_, i) => i & 0xff)
    for (const key of [
      recipientPub,
      publicKeyFromPrivate(recipient, { compressed: true }),
      concat(Uint8Array.of(4), recipientPub),
    ]) {
      expect(hex(eciesDecrypt(recipient, eciesEncrypt(key, plaintext)))).toBe(hex(plaintext))
    }
  })

  it('lays the message out as R(65, uncompressed, valid) ‖ iv(16) ‖ c ‖ mac(32), fresh randomness each time', () => {
    const plaintext = utf8('the same plaintext')
    const a = eciesEncrypt(recipientPub, plaintext)
    const b = eciesEncrypt(recipientPub, plaintext)
    expect(a[0]).toBe(0x04)
    expect(decodePublicKey(a.subarray(0, 65)).length).toBe(64)
    expect(hex(a.subarray(0, 65))).not.toBe(hex(b.subarray(0, 65)))
    expect(hex(a.subarray(65, 81))).not.toBe(hex(b.subarray(65, 81)))
    // CTR mode: the ciphertext is exactly as long as the plaintext and not equal to it.
    expect(hex(a.subarray(81, 81 + plaintext.length))).not.toBe(hex(plaintext))
  })

  it('changing any single byte of a message gives a CryptoError, never plaintext', () => {
    const macData = Uint8Array.of(0x01, 0x23)
    const message = eciesEncrypt(recipientPub, utf8('attack at dawn, bring snacks'), macData)
    for (let i = 0; i < message.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const tampered = message.slice()
        tampered[i]! ^= flip
        const code = codeOf(() => eciesDecrypt(recipient, tampered, macData))
        // Changes inside R make an invalid point or a different shared secret.
        expect(code, `byte ${i} ^ ${flip}`).toMatch(/^(INVALID_PUBLIC_KEY|ECIES_MAC_MISMATCH)$/)
        if (i >= 65) expect(code).toBe('ECIES_MAC_MISMATCH')
      }
    }
  })

  it('random changes at random positions (property) give a CryptoError', () => {
    const message = eciesEncrypt(recipientPub, utf8('payload'), Uint8Array.of(9))
    fc.assert(
      fc.property(fc.nat(message.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const tampered = message.slice()
        tampered[at] = (tampered[at]! + delta) & 0xff
        expect(codeOf(() => eciesDecrypt(recipient, tampered, Uint8Array.of(9)))).toBeDefined()
      }),
      { numRuns: 100 },
    )
  })

  it('wrong shared MAC data, a wrong key, or a truncated or extended message fail the MAC check', () => {
    const message = eciesEncrypt(recipientPub, utf8('hello'), Uint8Array.of(1, 2))
    expect(codeOf(() => eciesDecrypt(recipient, message))).toBe('ECIES_MAC_MISMATCH')
    expect(codeOf(() => eciesDecrypt(recipient, message, Uint8Array.of(1, 3)))).toBe(
      'ECIES_MAC_MISMATCH',
    )
    expect(codeOf(() => eciesDecrypt(generatePrivateKey(), message, Uint8Array.of(1, 2)))).toBe(
      'ECIES_MAC_MISMATCH',
    )
    expect(
      codeOf(() => eciesDecrypt(recipient, message.subarray(0, -1), Uint8Array.of(1, 2))),
    ).toBe('ECIES_MAC_MISMATCH')
    expect(
      codeOf(() => eciesDecrypt(recipient, concat(message, Uint8Array.of(0)), Uint8Array.of(1, 2))),
    ).toBe('ECIES_MAC_MISMATCH')
  })

  it('every length below the 113-byte overhead, including empty, is ECIES_MESSAGE_TOO_SHORT', () => {
    const message = eciesEncrypt(recipientPub, new Uint8Array(0))
    expect(message.length).toBe(113)
    expect(hex(eciesDecrypt(recipient, message))).toBe('')
    for (let length = 0; length < 113; length++) {
      expect(codeOf(() => eciesDecrypt(recipient, message.subarray(0, length)))).toBe(
        'ECIES_MESSAGE_TOO_SHORT',
      )
    }
  })

  it('an ephemeral key that is compressed, hybrid, off the curve or zero is INVALID_PUBLIC_KEY', () => {
    const message = eciesEncrypt(recipientPub, utf8('hello'))
    for (const prefix of [0x00, 0x02, 0x03, 0x06, 0x07]) {
      const bad = message.slice()
      bad[0] = prefix
      expect(codeOf(() => eciesDecrypt(recipient, bad))).toBe('INVALID_PUBLIC_KEY')
    }
    const zero = message.slice()
    zero.fill(0, 1, 65)
    expect(codeOf(() => eciesDecrypt(recipient, zero))).toBe('INVALID_PUBLIC_KEY')
    const offCurve = message.slice()
    offCurve[64]! ^= 1
    expect(codeOf(() => eciesDecrypt(recipient, offCurve))).toBe('INVALID_PUBLIC_KEY')
  })

  it('random bytes, with or without a valid R in front, give a CryptoError, never another exception', () => {
    const validR = eciesEncrypt(recipientPub, new Uint8Array(0)).subarray(0, 65)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (tail, withR) => {
        const input = withR ? concat(validR, tail) : tail
        expect(codeOf(() => eciesDecrypt(recipient, input))).toBeDefined()
      }),
      { numRuns: 200 },
    )
  })

  it('does not modify its inputs', () => {
    const plaintext = utf8('keep me')
    const macData = Uint8Array.of(7, 7)
    const message = eciesEncrypt(recipientPub, plaintext, macData)
    const copy = message.slice()
    eciesDecrypt(recipient, message, macData)
    expect(hex(message)).toBe(hex(copy))
    expect(hex(plaintext)).toBe(hex(utf8('keep me')))
    expect(hex(macData)).toBe('0707')
  })

  it('encrypting to an invalid public key is INVALID_PUBLIC_KEY; misuse is TypeError/RangeError', () => {
    expect(codeOf(() => eciesEncrypt(new Uint8Array(64), utf8('x')))).toBe('INVALID_PUBLIC_KEY')
    expect(codeOf(() => eciesEncrypt(recipientPub.subarray(1), utf8('x')))).toBe(
      'INVALID_PUBLIC_KEY',
    )
    expect(() => eciesEncrypt(recipientPub, 'x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => eciesDecrypt(new Uint8Array(32), new Uint8Array(200))).toThrow(RangeError)
    expect(() => eciesDecrypt(recipient, null as unknown as Uint8Array)).toThrow(TypeError)
  })
})
