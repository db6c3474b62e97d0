/**
 * Node ids: keccak256 of the public key (checked against the EIP-778 vector), the XOR
 * log distance and distance comparison (checked against BigInt arithmetic), hex keys.
 */
import { hex, unhex } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareDistance,
  logDistance,
  nodeIdFromHex,
  nodeIdFromPublicKey,
  nodeIdHex,
} from '../src/index.js'
import vectors from './vectors/enr.json' with { type: 'json' }

const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const big = (b: Uint8Array) => BigInt(`0x${hex(b) || '0'}`)

describe('node ids', () => {
  it('is keccak256 of the 64-byte public key (EIP-778 vector)', () => {
    // Uncompressed form of the vector's compressed key 03ca634c…, from the vectors README.
    const publicKey = unhex(
      'ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f',
    )
    expect(hex(nodeIdFromPublicKey(publicKey))).toBe(vectors.record.nodeId)
  })

  it('refuses keys that are not 64 bytes', () => {
    expect(() => nodeIdFromPublicKey(new Uint8Array(33))).toThrow(RangeError)
    expect(() => nodeIdFromPublicKey('x' as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('turns ids into hex map keys and back', () => {
    const id = unhex(vectors.record.nodeId)
    const key = nodeIdHex(id)
    expect(key).toBe(vectors.record.nodeId)
    expect(nodeIdFromHex(key)).toEqual(id)
    expect(nodeIdFromHex(`0x${key.toUpperCase()}`)).toEqual(id)
    expect(() => nodeIdFromHex('abc')).toThrow(RangeError)
    expect(() => nodeIdHex(new Uint8Array(31))).toThrow(RangeError)
  })

  it('log distance: known values', () => {
    const a = new Uint8Array(32)
    const b = new Uint8Array(32)
    expect(logDistance(a, b)).toBe(0)
    b[31] = 1
    expect(logDistance(a, b)).toBe(1)
    b[31] = 0x80
    expect(logDistance(a, b)).toBe(8)
    b[0] = 0x80
    expect(logDistance(a, b)).toBe(256)
    b[0] = 0x01
    expect(logDistance(a, b)).toBe(249)
  })

  it('log distance is the bit length of a XOR b', () => {
    fc.assert(
      fc.property(id32, id32, (a, b) => {
        const x = big(a) ^ big(b)
        expect(logDistance(a, b)).toBe(x === 0n ? 0 : x.toString(2).length)
        expect(logDistance(b, a)).toBe(logDistance(a, b))
      }),
    )
  })

  it('compareDistance orders by XOR distance to the target', () => {
    fc.assert(
      fc.property(id32, id32, id32, (t, a, b) => {
        const da = big(a) ^ big(t)
        const db = big(b) ^ big(t)
        expect(Math.sign(compareDistance(t, a, b))).toBe(da < db ? -1 : da > db ? 1 : 0)
      }),
    )
  })
})
