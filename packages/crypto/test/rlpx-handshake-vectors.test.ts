import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cryptoBackends,
  ecdh,
  eciesDecrypt,
  KeccakState,
  keccak256,
  publicKeyFromPrivate,
  recoverPublicKey,
  useBackend,
} from '../src/index.js'
import { concat, hex, loadVectors, rlpListItems, unhex, utf8, xor } from './support.js'

interface Packet {
  id: string
  format: 'legacy' | 'eip8'
  version: number | null
  additionalListElements: number | null
  hex: string
  lengthBytes: number
}
interface RlpxVectors {
  keys: Record<
    'staticKeyA' | 'staticKeyB' | 'ephemeralKeyA' | 'ephemeralKeyB' | 'nonceA' | 'nonceB',
    string
  >
  auth: Packet[]
  ack: Packet[]
  secrets: { aesSecret: string; macSecret: string; ingressMacAfterFoo: { digest: string } }
  derivedByCollector: Record<'staticPubA' | 'ephemeralPubA' | 'ephemeralPubB', string>
}

const v = loadVectors<RlpxVectors>('rlpx-handshake.json')
const staticKeyA = unhex(v.keys.staticKeyA)
const staticKeyB = unhex(v.keys.staticKeyB)
const nonceA = unhex(v.keys.nonceA)
const nonceB = unhex(v.keys.nonceB)

/** Splits a packet: legacy ones are bare ECIES; EIP-8 ones carry a 2-byte size that is also the MAC data. */
function decrypt(packet: Packet, privateKey: Uint8Array): Uint8Array {
  const bytes = unhex(packet.hex)
  expect(bytes.length).toBe(packet.lengthBytes)
  if (packet.format === 'legacy') return eciesDecrypt(privateKey, bytes)
  const prefix = bytes.subarray(0, 2)
  expect((prefix[0]! << 8) | prefix[1]!).toBe(bytes.length - 2)
  return eciesDecrypt(privateKey, bytes.subarray(2), prefix)
}

/** RLP integer payload (minimal big-endian) → number. */
function rlpUint(bytes: Uint8Array): number {
  return bytes.reduce((n, b) => n * 256 + b, 0)
}

/** What A signs: ecdh(staticA, staticB) XOR nonceA, computed here from B's side. */
const signedByA = xor(ecdh(staticKeyB, publicKeyFromPrivate(staticKeyA)), nonceA)

const initial = cryptoBackends()
afterAll(() => useBackend({ secp256k1: initial.secp256k1, keccak: initial.keccak }))

const combos = [
  ['native', 'wasm'],
  ['native', 'noble'],
  ['noble', 'wasm'],
  ['noble', 'noble'],
] as const

describe.each(combos)('EIP-8 RLPx handshake vectors (secp256k1 %s, keccak %s)', (secp, keccak) => {
  beforeAll(() => useBackend({ secp256k1: secp, keccak }))

  it('uses the requested backends', () => {
    expect(cryptoBackends()).toMatchObject({ secp256k1: secp, keccak })
  })

  it.each(v.auth.map((p) => [p.id, p] as const))(
    '%s decrypts with static key B and carries A’s key, nonce and signature',
    (_id, packet) => {
      const plain = decrypt(packet, staticKeyB)
      let sig: Uint8Array
      if (packet.format === 'legacy') {
        // sig(65) ‖ keccak256(ephemeral-pubk)(32) ‖ pubk(64) ‖ nonce(32) ‖ 0x00
        expect(plain.length).toBe(194)
        sig = plain.subarray(0, 65)
        expect(hex(plain.subarray(65, 97))).toBe(
          hex(keccak256(unhex(v.derivedByCollector.ephemeralPubA))),
        )
        expect(hex(plain.subarray(97, 161))).toBe(v.derivedByCollector.staticPubA)
        expect(hex(plain.subarray(161, 193))).toBe(v.keys.nonceA)
        expect(plain[193]).toBe(0)
      } else {
        // [sig, initiator-pubk, nonce, version, ...extra] followed by random padding.
        const items = rlpListItems(plain)
        expect(items.length).toBe(4 + packet.additionalListElements!)
        sig = items[0]!
        expect(sig.length).toBe(65)
        expect(hex(items[1]!)).toBe(v.derivedByCollector.staticPubA)
        expect(hex(items[2]!)).toBe(v.keys.nonceA)
        expect(rlpUint(items[3]!)).toBe(packet.version)
      }
      expect(hex(recoverPublicKey(signedByA, sig))).toBe(v.derivedByCollector.ephemeralPubA)
    },
  )

  it.each(v.ack.map((p) => [p.id, p] as const))(
    '%s decrypts with static key A and carries B’s ephemeral key and nonce',
    (_id, packet) => {
      const plain = decrypt(packet, staticKeyA)
      if (packet.format === 'legacy') {
        // ephemeral-pubk(64) ‖ nonce(32) ‖ 0x00
        expect(plain.length).toBe(97)
        expect(hex(plain.subarray(0, 64))).toBe(v.derivedByCollector.ephemeralPubB)
        expect(hex(plain.subarray(64, 96))).toBe(v.keys.nonceB)
        expect(plain[96]).toBe(0)
      } else {
        const items = rlpListItems(plain)
        expect(items.length).toBe(3 + packet.additionalListElements!)
        expect(hex(items[0]!)).toBe(v.derivedByCollector.ephemeralPubB)
        expect(hex(items[1]!)).toBe(v.keys.nonceB)
        expect(rlpUint(items[2]!)).toBe(packet.version)
      }
    },
  )

  it('derives the aes and mac secrets from the ephemeral keys and nonces (B’s view of Auth2 + Ack2)', () => {
    const ephemeralKey = ecdh(
      unhex(v.keys.ephemeralKeyB),
      unhex(v.derivedByCollector.ephemeralPubA),
    )
    const shared = keccak256(concat(ephemeralKey, keccak256(concat(nonceB, nonceA))))
    const aes = keccak256(concat(ephemeralKey, shared))
    const mac = keccak256(concat(ephemeralKey, aes))
    expect(hex(aes)).toBe(v.secrets.aesSecret)
    expect(hex(mac)).toBe(v.secrets.macSecret)
    // A computes the same ephemeral key from its side.
    expect(hex(ecdh(unhex(v.keys.ephemeralKeyA), unhex(v.derivedByCollector.ephemeralPubB)))).toBe(
      hex(ephemeralKey),
    )
  })

  it('B’s ingress MAC after "foo" matches, with KeccakState', () => {
    const mac = unhex(v.secrets.macSecret)
    const auth2 = unhex(v.auth.find((p) => p.id === 'Auth2')!.hex)
    const ingress = new KeccakState().update(xor(mac, nonceB)).update(auth2)
    expect(ingress.backend).toBe(keccak)
    const before = ingress.digest()
    expect(hex(ingress.update(utf8('foo')).digest())).toBe(v.secrets.ingressMacAfterFoo.digest)
    expect(hex(before)).toBe(hex(keccak256(concat(xor(mac, nonceB), auth2))))
  })
})
