/**
 * Every vector of devp2p discv5-wire-test-vectors.md (test/vectors/discv5-wire.json):
 * node B decodes, authenticates and decrypts each packet as-is, and node A's side
 * encodes each one byte for byte from the same inputs; then the crypto vectors (ECDH, key
 * derivation, id-nonce signing, AES-GCM).
 */
import {
  aes128GcmEncrypt,
  ecdhCompressed,
  keccak256,
  publicKeyFromPrivate,
  verify,
} from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { hex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  acceptHandshake,
  createHandshake,
  decodePacket,
  decryptMessage,
  deriveSessionKeys,
  encodeHandshakePacket,
  encodeMessagePacket,
  encodeWhoareyouPacket,
  type Packet,
  signIdNonce,
  verifyIdSignature,
} from '../../src/v5/index.js'
import {
  bytes,
  nodeAId,
  nodeAKey,
  nodeBId,
  nodeBKey,
  sha256,
  vectorPacket,
  vectors,
} from './helpers.js'

const ZERO_IV = new Uint8Array(16)
/** Node A's record in the handshake vectors: seq 1, ip 127.0.0.1 (deterministic signature). */
const nodeARecord = Enr.create(nodeAKey, { seq: 1n, ip: '127.0.0.1' })

function kindOf<K extends Packet['kind']>(packet: Packet, kind: K): Extract<Packet, { kind: K }> {
  expect(packet.kind).toBe(kind)
  return packet as Extract<Packet, { kind: K }>
}

describe('the keys', () => {
  it('node ids are keccak256 of the keys’ x ‖ y, and the compressed keys match', () => {
    expect(hex(keccak256(publicKeyFromPrivate(nodeAKey)))).toBe(hex(nodeAId))
    expect(hex(keccak256(publicKeyFromPrivate(nodeBKey)))).toBe(hex(nodeBId))
    expect(hex(publicKeyFromPrivate(nodeAKey, { compressed: true }))).toBe(
      vectors.derivedByCollector.nodeAPubkey.slice(2),
    )
  })
})

describe('ping message packet (flag 0)', () => {
  const v = vectorPacket('ping-message')
  const packet = bytes(v.packet)

  it('node B unmasks it, reads A’s id and the nonce, and decrypts PING(1, seq 2)', () => {
    const decoded = kindOf(decodePacket(nodeBId, packet), 'message')
    expect(hex(decoded.srcId)).toBe(hex(nodeAId))
    expect(hex(decoded.nonce)).toBe(v.input('nonce').slice(2))
    expect(hex(decoded.maskingIv)).toBe(hex(ZERO_IV))
    expect(decryptMessage(decoded, bytes(v.input('read-key')))).toEqual({
      type: 'ping',
      requestId: bytes(v.input('ping.req-id')),
      enrSeq: BigInt(v.input('ping.enr-seq')),
    })
  })

  it('node A encodes the same bytes', () => {
    const encoded = encodeMessagePacket({
      destId: nodeBId,
      srcId: nodeAId,
      nonce: bytes(v.input('nonce')),
      maskingIv: ZERO_IV,
      writeKey: bytes(v.input('read-key')),
      message: { type: 'ping', requestId: bytes(v.input('ping.req-id')), enrSeq: 2n },
    })
    expect(hex(encoded)).toBe(v.packet)
  })
})

describe('WHOAREYOU packet (flag 1)', () => {
  const v = vectorPacket('whoareyou')
  const packet = bytes(v.packet)

  it('is 63 bytes; its masking-iv ‖ unmasked header is the challenge data', () => {
    const decoded = kindOf(decodePacket(nodeBId, packet), 'whoareyou')
    expect(packet.length).toBe(63)
    expect(hex(decoded.challengeData)).toBe(v.input('whoareyou.challenge-data').slice(2))
    expect(hex(decoded.nonce)).toBe(v.input('whoareyou.request-nonce').slice(2))
    expect(hex(decoded.idNonce)).toBe(v.input('whoareyou.id-nonce').slice(2))
    expect(decoded.enrSeq).toBe(BigInt(v.input('whoareyou.enr-seq')))
  })

  it('encodes to the same bytes and challenge data', () => {
    const { bytes: encoded, challengeData } = encodeWhoareyouPacket({
      destId: nodeBId,
      nonce: bytes(v.input('whoareyou.request-nonce')),
      idNonce: bytes(v.input('whoareyou.id-nonce')),
      enrSeq: 0n,
      maskingIv: ZERO_IV,
    })
    expect(hex(encoded)).toBe(v.packet)
    expect(hex(challengeData)).toBe(v.input('whoareyou.challenge-data').slice(2))
  })
})

describe.each(['ping-handshake', 'ping-handshake-enr'])('%s packet (flag 2)', (name) => {
  const v = vectorPacket(name)
  const challengeData = bytes(v.handshakeInput('whoareyou.challenge-data'))
  const withRecord = name === 'ping-handshake-enr'

  it('node B checks the id-signature, derives read-key and decrypts PING(1, seq 1)', () => {
    const decoded = kindOf(decodePacket(nodeBId, bytes(v.packet)), 'handshake')
    expect(hex(decoded.srcId)).toBe(hex(nodeAId))
    expect(hex(decoded.ephemeralPubkey)).toBe(v.handshakeInput('ephemeral-pubkey').slice(2))
    expect(decoded.record !== undefined).toBe(withRecord)
    const accepted = acceptHandshake({
      privateKey: nodeBKey,
      localId: nodeBId,
      packet: decoded,
      challengeData,
      // B knew A's record (seq 1) when it challenged with enr-seq 1; not when enr-seq 0
      knownRecord: withRecord ? undefined : nodeARecord,
    })
    expect(hex(accepted.readKey)).toBe(v.input('read-key').slice(2))
    expect(accepted.message).toEqual({
      type: 'ping',
      requestId: bytes(v.input('ping.req-id')),
      enrSeq: 1n,
    })
    expect(hex(accepted.record.nodeId)).toBe(hex(nodeAId))
    expect(accepted.record.seq).toBe(1n)
    expect(accepted.record.ip).toBe('127.0.0.1')
  })

  it('node A answers the same challenge with the same bytes', () => {
    const created = createHandshake({
      privateKey: nodeAKey,
      localRecord: nodeARecord,
      remoteId: nodeBId,
      remotePublicKey: publicKeyFromPrivate(nodeBKey),
      whoareyou: { challengeData, enrSeq: BigInt(v.handshakeInput('whoareyou.enr-seq')) },
      ephemeralKey: bytes(v.handshakeInput('ephemeral-key')),
    })
    expect(hex(created.ephemeralPubkey)).toBe(v.handshakeInput('ephemeral-pubkey').slice(2))
    expect(hex(created.writeKey)).toBe(v.input('read-key').slice(2))
    expect(created.record === nodeARecord).toBe(withRecord)
    const encoded = encodeHandshakePacket({
      destId: nodeBId,
      srcId: nodeAId,
      nonce: bytes(v.input('nonce')),
      maskingIv: ZERO_IV,
      writeKey: created.writeKey,
      idSignature: created.idSignature,
      ephemeralPubkey: created.ephemeralPubkey,
      record: created.record,
      message: { type: 'ping', requestId: bytes(v.input('ping.req-id')), enrSeq: 1n },
    })
    expect(hex(encoded)).toBe(v.packet)
  })
})

describe('crypto vectors', () => {
  const c = vectors.crypto

  it('ECDH is the 33-byte compressed point', () => {
    expect(hex(ecdhCompressed(bytes(c.ecdh.secretKey), bytes(c.ecdh.publicKey)))).toBe(
      c.ecdh.sharedSecret.slice(2),
    )
  })

  it('key derivation gives initiator-key and recipient-key', () => {
    const k = c.keyDerivation
    const secret = ecdhCompressed(bytes(k.ephemeralKey), bytes(k.destPubkey))
    const keys = deriveSessionKeys(
      secret,
      bytes(k.nodeIdA),
      bytes(k.nodeIdB),
      bytes(k.challengeData),
    )
    expect(hex(keys.initiatorKey)).toBe(k.initiatorKey.slice(2))
    expect(hex(keys.recipientKey)).toBe(k.recipientKey.slice(2))
  })

  it('id-nonce signing reproduces the signature (RFC 6979), which verifies; a changed input does not', () => {
    const s = c.idNonceSigning
    const args = [bytes(s.challengeData), bytes(s.ephemeralPubkey), bytes(s.nodeIdB)] as const
    expect(hex(signIdNonce(bytes(s.staticKey), ...args))).toBe(s.idSignature.slice(2))
    const publicKey = publicKeyFromPrivate(bytes(s.staticKey))
    expect(verifyIdSignature(publicKey, bytes(s.idSignature), ...args)).toBe(true)
    const otherNode = bytes(s.nodeIdB).slice()
    otherNode[0]! ^= 1
    expect(verifyIdSignature(publicKey, bytes(s.idSignature), args[0], args[1], otherNode)).toBe(
      false,
    )
  })

  it('the signed digest is sha256 of the text, challenge, key and node id, as the spec writes it', () => {
    const s = c.idNonceSigning
    const digest = sha256(
      Uint8Array.from(
        Buffer.concat([
          Buffer.from('discovery v5 identity proof'),
          bytes(s.challengeData),
          bytes(s.ephemeralPubkey),
          bytes(s.nodeIdB),
        ]),
      ),
    )
    expect(verify(digest, bytes(s.idSignature), publicKeyFromPrivate(bytes(s.staticKey)))).toBe(
      true,
    )
  })

  it('AES-GCM seals the message with the tag appended', () => {
    const g = c.aesGcm
    expect(
      hex(aes128GcmEncrypt(bytes(g.encryptionKey), bytes(g.nonce), bytes(g.pt), bytes(g.ad))),
    ).toBe(g.messageCiphertext.slice(2))
  })
})
