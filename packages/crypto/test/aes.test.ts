/**
 * AES-128-CTR and AES-128-GCM. Expected values come from published vectors: NIST SP
 * 800-38A F.5.1 (CTR-AES128.Encrypt), McGrew & Viega's GCM test cases 1–2 (the GCM
 * spec's appendix B), and devp2p discv5-wire-test-vectors.md "Encryption/Decryption".
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { aes128Ctr, aes128GcmDecrypt, aes128GcmEncrypt, CryptoError } from '../src/index.js'
import { hex, unhex } from './support.js'

function gcmError(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof CryptoError) return err.code
    throw err
  }
  return 'no error'
}

describe('aes128Ctr', () => {
  it('matches NIST SP 800-38A F.5.1 (two blocks, the counter carries into the next block)', () => {
    const key = unhex('2b7e151628aed2a6abf7158809cf4f3c')
    const iv = unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff')
    const pt = unhex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51')
    expect(hex(aes128Ctr(key, iv, pt))).toBe(
      '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff',
    )
  })

  it('is its own inverse, and a prefix of the input gives a prefix of the output', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 100 }),
        (key, iv, data) => {
          const out = aes128Ctr(key, iv, data)
          expect(hex(aes128Ctr(key, iv, out))).toBe(hex(data))
          expect(hex(aes128Ctr(key, iv, data.subarray(0, 7)))).toBe(hex(out.subarray(0, 7)))
        },
      ),
    )
  })

  it('refuses keys and IVs that are not 16 bytes', () => {
    expect(() => aes128Ctr(new Uint8Array(32), new Uint8Array(16), new Uint8Array(1))).toThrow(
      RangeError,
    )
    expect(() => aes128Ctr(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1))).toThrow(
      RangeError,
    )
  })
})

describe('aes128GcmEncrypt / aes128GcmDecrypt', () => {
  const zeroKey = new Uint8Array(16)
  const zeroNonce = new Uint8Array(12)

  it('matches GCM test cases 1 (empty) and 2 (one zero block)', () => {
    expect(hex(aes128GcmEncrypt(zeroKey, zeroNonce, new Uint8Array(0), new Uint8Array(0)))).toBe(
      '58e2fccefa7e3061367f1d57a4e7455a',
    )
    expect(hex(aes128GcmEncrypt(zeroKey, zeroNonce, new Uint8Array(16), new Uint8Array(0)))).toBe(
      '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf',
    )
  })

  it('matches the discv5 vector, both ways', () => {
    const key = unhex('9f2d77db7004bf8a1a85107ac686990b')
    const nonce = unhex('27b5af763c446acd2749fe8e')
    const ad = unhex('93a7400fa0d6a694ebc24d5cf570f65d04215b6ac00757875e3f3a5f42107903')
    const sealed = 'a5d12a2d94b8ccb3ba55558229867dc13bfa3648'
    expect(hex(aes128GcmEncrypt(key, nonce, unhex('01c20101'), ad))).toBe(sealed)
    expect(hex(aes128GcmDecrypt(key, nonce, unhex(sealed), ad))).toBe('01c20101')
  })

  it('round-trips, and any changed bit in the ciphertext, tag or AAD is AES_GCM_AUTH_FAILED', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 1, maxLength: 32 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (key, nonce, pt, aad, at, bit) => {
          const sealed = aes128GcmEncrypt(key, nonce, pt, aad)
          expect(sealed.length).toBe(pt.length + 16)
          expect(hex(aes128GcmDecrypt(key, nonce, sealed, aad))).toBe(hex(pt))
          const bad = sealed.slice()
          bad[at % bad.length]! ^= 1 << bit
          expect(gcmError(() => aes128GcmDecrypt(key, nonce, bad, aad))).toBe('AES_GCM_AUTH_FAILED')
          const badAad = aad.slice()
          badAad[at % badAad.length]! ^= 1 << bit
          expect(gcmError(() => aes128GcmDecrypt(key, nonce, sealed, badAad))).toBe(
            'AES_GCM_AUTH_FAILED',
          )
        },
      ),
      { numRuns: 200 },
    )
  })

  it('input shorter than the tag is AES_GCM_AUTH_FAILED, not an exception from OpenSSL', () => {
    for (let n = 0; n < 16; n++) {
      expect(gcmError(() => aes128GcmDecrypt(zeroKey, zeroNonce, new Uint8Array(n), zeroKey))).toBe(
        'AES_GCM_AUTH_FAILED',
      )
    }
  })

  it('refuses a nonce that is not 12 bytes and a key that is not 16', () => {
    expect(() => aes128GcmEncrypt(zeroKey, new Uint8Array(16), zeroKey, zeroKey)).toThrow(
      RangeError,
    )
    expect(() => aes128GcmDecrypt(new Uint8Array(24), zeroNonce, zeroKey, zeroKey)).toThrow(
      RangeError,
    )
  })
})
