import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Secp256k1Backend } from './secp256k1-backend.js'

const { Point, Signature } = secp256k1

/**
 * secp256k1 in pure TypeScript (@noble/curves, audited). Portable and always available;
 * roughly 10–40× slower than the native backend (see the README's table).
 */
export const nobleSecp256k1: Secp256k1Backend = {
  name: 'noble',

  publicKeyCreate(privateKey, compressed, out) {
    const key = secp256k1.getPublicKey(privateKey, compressed)
    if (out === undefined) return key
    out.set(key)
    return out
  },

  publicKeyConvert(sec1, compressed) {
    try {
      // fromBytes checks coordinates < p and the curve equation (assertValidity).
      return Point.fromBytes(sec1).toBytes(compressed)
    } catch {
      return undefined
    }
  },

  publicKeyIsValid(sec1) {
    try {
      Point.fromBytes(sec1)
      return true
    } catch {
      return false
    }
  },

  sign(digest, privateKey) {
    // 'recovered' is v ‖ r ‖ s in noble; devp2p wants r ‖ s ‖ v.
    const recovered = secp256k1.sign(digest, privateKey, { prehash: false, format: 'recovered' })
    const out = new Uint8Array(65)
    out.set(recovered.subarray(1), 0)
    out[64] = recovered[0]!
    return out
  },

  recover(digest, signature, recid) {
    const recovered = new Uint8Array(65)
    recovered[0] = recid
    recovered.set(signature, 1)
    try {
      return Signature.fromBytes(recovered, 'recovered').recoverPublicKey(digest).toBytes(false)
    } catch {
      return undefined
    }
  },

  verify(digest, signature, sec1) {
    try {
      return secp256k1.verify(signature, digest, sec1, { prehash: false, lowS: true })
    } catch {
      return false
    }
  },

  ecdh(privateKey, sec1) {
    try {
      // Compressed form: prefix ‖ x, so x is a view without a copy.
      return secp256k1.getSharedSecret(privateKey, sec1, true).subarray(1)
    } catch {
      return undefined
    }
  },

  ecdhCompressed(privateKey, sec1) {
    try {
      return secp256k1.getSharedSecret(privateKey, sec1, true)
    } catch {
      return undefined
    }
  },
}
