import { ECIES, pk2id } from '@ethereumjs/devp2p'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  eciesDecrypt,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '../src/index.js'
import { hex } from './support.js'

/**
 * @ethereumjs/devp2p's ECIES (an independent implementation, used by EthereumJS). Its
 * message methods are private in TypeScript but public in JavaScript.
 */
interface TheirEcies {
  _encryptMessage(data: Uint8Array, sharedMacData?: Uint8Array | null): Uint8Array | undefined
  _decryptMessage(data: Uint8Array, sharedMacData?: Uint8Array | null): Uint8Array
}

function theirs(privateKey: Uint8Array, remotePublicKey: Uint8Array): TheirEcies {
  const ownId = pk2id(publicKeyFromPrivate(privateKey))
  return new ECIES(privateKey, ownId, remotePublicKey) as unknown as TheirEcies
}

describe('ECIES interoperates with @ethereumjs/devp2p', () => {
  const ours = generatePrivateKey()
  const their = generatePrivateKey()
  const ourPub = publicKeyFromPrivate(ours)
  const theirPub = publicKeyFromPrivate(their)

  it('we decrypt what they encrypt, with and without shared MAC data', () => {
    const them = theirs(their, ourPub)
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        (plaintext, macData) => {
          expect(hex(eciesDecrypt(ours, them._encryptMessage(plaintext, macData)!, macData))).toBe(
            hex(plaintext),
          )
          expect(hex(eciesDecrypt(ours, them._encryptMessage(plaintext)!))).toBe(hex(plaintext))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('they decrypt what we encrypt, with and without shared MAC data', () => {
    const them = theirs(their, ourPub)
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        (plaintext, macData) => {
          expect(
            hex(them._decryptMessage(eciesEncrypt(theirPub, plaintext, macData), macData)),
          ).toBe(hex(plaintext))
          expect(hex(them._decryptMessage(eciesEncrypt(theirPub, plaintext)))).toBe(hex(plaintext))
        },
      ),
      { numRuns: 30 },
    )
  })
})
