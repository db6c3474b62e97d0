/**
 * sha256 and hkdfSha256. Expected values: FIPS 180-2's "abc" example, RFC 5869 test
 * cases 1 and 3 (HKDF-SHA256), and devp2p discv5-wire-test-vectors.md "Key Derivation"
 * (the whole derivation: ECDH, then HKDF).
 */
import { describe, expect, it } from 'vitest'
import { ecdhCompressed, hkdfSha256, sha256 } from '../src/index.js'
import { hex, unhex, utf8 } from './support.js'

describe('sha256', () => {
  it('matches FIPS 180-2 for "abc" and the empty input', () => {
    expect(hex(sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })
})

describe('hkdfSha256', () => {
  const ikm = new Uint8Array(22).fill(0x0b)

  it('matches RFC 5869 test case 1 (salt and info)', () => {
    const salt = unhex('000102030405060708090a0b0c')
    const info = unhex('f0f1f2f3f4f5f6f7f8f9')
    expect(hex(hkdfSha256(ikm, salt, info, 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    )
  })

  it('matches RFC 5869 test case 3 (empty salt and info)', () => {
    expect(hex(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    )
  })

  it('matches the discv5 key derivation vector (initiator-key ‖ recipient-key)', () => {
    // ecdh(ephemeral-key, dest-pubkey): ecdhCompressed has its own vector
    const secret = ecdhCompressed(
      unhex('fb757dc581730490a1d7a00deea65e9b1936924caaea8f44d476014856b68736'),
      unhex('0317931e6e0840220642f230037d285d122bc59063221ef3226b1f403ddc69ca91'),
    )
    const challenge = unhex(
      '000000000000000000000000000000006469736376350001010102030405060708090a0b0c00180102030405060708090a0b0c0d0e0f100000000000000000',
    )
    const info = new Uint8Array([
      ...utf8('discovery v5 key agreement'),
      ...unhex('aaaa8419e9f49d0083561b48287df592939a8d19947d8c0ef88f2a4856a69fbb'),
      ...unhex('bbbb9d047f0488c0b5a93c1c3f2d8bafc7c8ff337024a55434a0d0555de64db9'),
    ])
    expect(hex(hkdfSha256(secret, challenge, info, 32))).toBe(
      'dccc82d81bd610f4f76d3ebe97a40571ac74bb8773749920b0d3a8881c173ec5',
    )
  })

  it('refuses a length of 0 or above 255 × 32', () => {
    expect(() => hkdfSha256(ikm, ikm, ikm, 0)).toThrow(RangeError)
    expect(() => hkdfSha256(ikm, ikm, ikm, 8161)).toThrow(RangeError)
    expect(hkdfSha256(ikm, ikm, ikm, 8160).length).toBe(8160)
  })
})
