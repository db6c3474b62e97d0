/**
 * The ping flood's cheap signatures (nonce 1, see helpers/ping-flood.ts) are real ones:
 * they recover to the signing key, with either recovery id.
 */
import { keccak256, publicKeyFromPrivate, recoverPublicKey } from '@devp2p/crypto'
import { hex } from '@devp2p/testing'
import { expect, it } from 'vitest'
import { floodKey, signWithNonceOne } from './helpers/ping-flood.js'

it('signatures with nonce 1 recover to the signing key, for either recovery id', () => {
  const ids = new Set<number>()
  for (let i = 0; i < 32; i++) {
    const digest = keccak256(Uint8Array.of(i))
    const sig = signWithNonceOne(digest, floodKey(i))
    ids.add(sig[64]!)
    expect(hex(recoverPublicKey(digest, sig))).toBe(hex(publicKeyFromPrivate(floodKey(i))))
  }
  expect([...ids].sort()).toEqual([0, 1])
})
