/**
 * The signature inside an envelope binds the topic, the recipient and the stamp: whoever
 * can open a signed envelope cannot re-wrap its inner plaintext (signature included) for
 * another topic, another recipient or another key, nor give it a new time or id to get
 * past the recipient's replay guard, and have it pass as the signer's.
 */
import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto'
import {
  eciesDecrypt,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  randomBytes,
} from '@devp2p/crypto'
import { describe, expect, it } from 'vitest'
import { openAsym, openSym, sealAsym, sealSym } from '../../src/envelope/index.js'

const alice = generatePrivateKey()
const mallory = generatePrivateKey()
const bob = generatePrivateKey()
const alicePub = publicKeyFromPrivate(alice)
const malloryPub = publicKeyFromPrivate(mallory)
const bobPub = publicKeyFromPrivate(bob)
const topic = Uint8Array.of(9, 9, 9, 9)
const otherTopic = Uint8Array.of(9, 9, 9, 8)
const payload = new TextEncoder().encode('I owe you 1 ETH')

/** Seals an inner plaintext as ENCRYPTION.md's symmetric format says, written out here. */
function symWrap(key: Uint8Array, topicBytes: Uint8Array, inner: Uint8Array): Uint8Array {
  const nonce = randomFillSync(new Uint8Array(12))
  const hint = createHmac('sha256', key).update(nonce).digest().subarray(0, 8)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Uint8Array.of(...topicBytes, ...hint))
  const body = Buffer.concat([cipher.update(inner), cipher.final()])
  return Uint8Array.of(...hint, ...nonce, ...body, ...cipher.getAuthTag())
}

describe('the signature binds topic and recipient', () => {
  it('asymmetric: the honest path opens (the re-wrapping below is sound)', () => {
    const toMallory = sealAsym({ time: 0, to: malloryPub, signer: alice, topic, payload })
    const inner = eciesDecrypt(mallory, toMallory, topic)
    expect(openAsym(mallory, topic, eciesEncrypt(malloryPub, inner, topic))?.from).toEqual(alicePub)
  })

  it('asymmetric: re-encrypted to another recipient is dropped', () => {
    const toMallory = sealAsym({ time: 0, to: malloryPub, signer: alice, topic, payload })
    const inner = eciesDecrypt(mallory, toMallory, topic)
    expect(openAsym(bob, topic, eciesEncrypt(bobPub, inner, topic))).toBeUndefined()
  })

  it('asymmetric: re-encrypted under another topic is dropped', () => {
    const toMallory = sealAsym({ time: 0, to: malloryPub, signer: alice, topic, payload })
    const inner = eciesDecrypt(mallory, toMallory, topic)
    const moved = eciesEncrypt(malloryPub, inner, otherTopic)
    expect(openAsym(mallory, otherTopic, moved)).toBeUndefined()
  })

  it('symmetric: the format written out here opens (the re-wrapping below is sound)', () => {
    const key = randomBytes(32)
    const sealed = sealSym({ time: 0, key, topic, payload, signer: alice })
    const inner = decryptInner(key, topic, sealed)
    expect(openSym(key, topic, symWrap(key, topic, inner))?.from).toEqual(alicePub)
  })

  it('symmetric: re-sealed under another key or another topic is dropped', () => {
    const key = randomBytes(32)
    const otherKey = randomBytes(32)
    const inner = decryptInner(key, topic, sealSym({ time: 0, key, topic, payload, signer: alice }))
    expect(openSym(otherKey, topic, symWrap(otherKey, topic, inner))).toBeUndefined()
    expect(openSym(key, otherTopic, symWrap(key, otherTopic, inner))).toBeUndefined()
  })

  it('symmetric: a key holder who moves the time or the id of a signed message is dropped', () => {
    const key = randomBytes(32)
    const inner = decryptInner(
      key,
      topic,
      sealSym({ time: 1000, key, topic, payload, signer: alice }),
    )
    // time: bytes 2–9 (big-endian Unix ms), id: bytes 10–17 (ENCRYPTION.md)
    const later = Uint8Array.from(inner)
    later[9] = (later[9] as number) + 1
    const renamed = Uint8Array.from(inner)
    renamed[10] = (renamed[10] as number) ^ 1
    expect(openSym(key, topic, symWrap(key, topic, inner))?.stamp.time).toBe(1000)
    expect(openSym(key, topic, symWrap(key, topic, later))).toBeUndefined()
    expect(openSym(key, topic, symWrap(key, topic, renamed))).toBeUndefined()
  })
})

function decryptInner(key: Uint8Array, topicBytes: Uint8Array, sealed: Uint8Array): Uint8Array {
  const nonce = sealed.subarray(8, 20)
  const d = createDecipheriv('aes-256-gcm', key, nonce)
  d.setAAD(Uint8Array.of(...topicBytes, ...sealed.subarray(0, 8)))
  d.setAuthTag(sealed.subarray(sealed.length - 16))
  return Buffer.concat([d.update(sealed.subarray(20, sealed.length - 16)), d.final()])
}
