/**
 * ecdhCompressed: discv5's ECDH, the shared point in SEC1 compressed form. The vector is
 * devp2p discv5/discv5-wire-test-vectors.md "ECDH" (commit 51dc101f, also in
 * ../shared/vectors/discv5-wire.json `crypto.ecdh`).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CryptoError,
  cryptoBackends,
  ecdh,
  ecdhCompressed,
  publicKeyFromPrivate,
  useBackend,
} from '../src/index.js'
import { bigToBytes, curveY, hex, N, P, unhex } from './support.js'

const VECTOR = {
  publicKey: '039961e4c2356d61bedb83052c115d311acb3a96f5777296dcf297351130266231',
  secretKey: 'fb757dc581730490a1d7a00deea65e9b1936924caaea8f44d476014856b68736',
  sharedSecret: '033b11a2a1f214567e1537ce5e509ffd9b21373247f2a3ff6841f4976f53165e7e',
}

const initial = cryptoBackends().secp256k1
afterAll(() => useBackend({ secp256k1: initial }))

const scalar = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => bigToBytes(k))

describe.each(['native', 'noble'] as const)('ecdhCompressed with the %s backend', (backend) => {
  beforeAll(() => useBackend({ secp256k1: backend }))

  it('matches the discv5 ECDH vector (33 bytes, prefix by the parity of y)', () => {
    expect(cryptoBackends().secp256k1).toBe(backend)
    expect(hex(ecdhCompressed(unhex(VECTOR.secretKey), unhex(VECTOR.publicKey)))).toBe(
      VECTOR.sharedSecret,
    )
  })

  it('is symmetric, takes every key form, and its x is ecdh()', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const ab = ecdhCompressed(a, publicKeyFromPrivate(b))
        expect(ab.length).toBe(33)
        expect(hex(ecdhCompressed(b, publicKeyFromPrivate(a)))).toBe(hex(ab))
        expect(hex(ecdhCompressed(a, publicKeyFromPrivate(b, { compressed: true })))).toBe(hex(ab))
        expect(hex(ab.subarray(1))).toBe(hex(ecdh(a, publicKeyFromPrivate(b))))
      }),
      { numRuns: 30 },
    )
  })

  it('k × G with k = 1 is G, whose y is even (prefix 02)', () => {
    const g = publicKeyFromPrivate(bigToBytes(1n))
    const out = ecdhCompressed(bigToBytes(1n), g)
    expect(out[0]).toBe(0x02)
    expect(hex(out.subarray(1))).toBe(
      '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    )
    // (n − 1)·G = −G: the same x, odd y
    expect(hex(ecdhCompressed(bigToBytes(N - 1n), g))).toBe(
      '0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    )
  })

  it('refuses a point off the curve with INVALID_PUBLIC_KEY, and a bad private key with RangeError', () => {
    // x = 5 has no y on secp256k1 (y² = 132 is not a square mod p)
    let x = 5n
    while (curveY(x) !== undefined) x++
    const off = new Uint8Array(64)
    off.set(bigToBytes(x), 0)
    off.set(bigToBytes(P - 1n), 32)
    let error: unknown
    try {
      ecdhCompressed(unhex(VECTOR.secretKey), off)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(CryptoError)
    expect((error as CryptoError).code).toBe('INVALID_PUBLIC_KEY')
    expect(() => ecdhCompressed(new Uint8Array(32), unhex(VECTOR.publicKey))).toThrow(RangeError)
  })
})
