/**
 * Packets: round trips of the three kinds and the whole handshake between fresh nodes;
 * every header check of decodePacket (packets written with node:crypto by rawPacket, not
 * by the encoder); every refusal of acceptHandshake; misuse when encoding.
 */
import {
  aes128GcmEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  randomBytes,
} from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { hex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  acceptHandshake,
  createHandshake,
  decodePacket,
  decryptMessage,
  encodeHandshakePacket,
  encodeMessagePacket,
  encodeRandomPacket,
  encodeWhoareyouPacket,
  type HandshakePacket,
  type Message,
  type Packet,
  signIdNonce,
} from '../../src/v5/index.js'
import { discoveryError, expectCode, nodeAId, nodeBId, rawPacket } from './helpers.js'

interface Node {
  key: Uint8Array
  record: Enr
  id: Uint8Array
}

function node(seq = 1n): Node {
  const key = generatePrivateKey()
  const record = Enr.create(key, { seq, ip: '127.0.0.1', udp: 30303 })
  return { key, record, id: record.nodeId }
}

const a = node(5n)
const b = node()
const ping: Message = { type: 'ping', requestId: Uint8Array.of(9, 9), enrSeq: 5n }

function as<K extends Packet['kind']>(packet: Packet, kind: K): Extract<Packet, { kind: K }> {
  expect(packet.kind).toBe(kind)
  return packet as Extract<Packet, { kind: K }>
}

/** B challenges A and A answers with a PING; returns what B needs to check the answer. */
function handshake(
  options: { whoareyouSeq?: bigint; mutate?: (p: HandshakePacket) => HandshakePacket } = {},
) {
  const nonce = randomBytes(12)
  const challenge = encodeWhoareyouPacket({
    destId: a.id,
    nonce,
    enrSeq: options.whoareyouSeq ?? 0n,
  })
  const whoareyou = as(decodePacket(a.id, challenge.bytes), 'whoareyou')
  const created = createHandshake({
    privateKey: a.key,
    localRecord: a.record,
    remoteId: b.id,
    remotePublicKey: b.record.publicKey,
    whoareyou,
  })
  const bytes = encodeHandshakePacket({
    destId: b.id,
    srcId: a.id,
    nonce: randomBytes(12),
    writeKey: created.writeKey,
    idSignature: created.idSignature,
    ephemeralPubkey: created.ephemeralPubkey,
    record: created.record,
    message: ping,
  })
  const decoded = as(decodePacket(b.id, bytes), 'handshake')
  return {
    created,
    challengeData: challenge.challengeData,
    packet: options.mutate ? options.mutate(decoded) : decoded,
  }
}

describe('round trips', () => {
  it('an ordinary message packet opens with the same key and only with it', () => {
    const key = randomBytes(16)
    const nonce = randomBytes(12)
    const bytes = encodeMessagePacket({
      destId: b.id,
      srcId: a.id,
      nonce,
      writeKey: key,
      message: ping,
    })
    const packet = as(decodePacket(b.id, bytes), 'message')
    expect(hex(packet.srcId)).toBe(hex(a.id))
    expect(hex(packet.nonce)).toBe(hex(nonce))
    expect(decryptMessage(packet, key)).toEqual(ping)
    expectCode(() => decryptMessage(packet, randomBytes(16)), 'DECRYPT_FAILED')
  })

  it('the random packet that starts a handshake decodes, and opens with no key', () => {
    const nonce = randomBytes(12)
    const packet = as(
      decodePacket(b.id, encodeRandomPacket({ destId: b.id, srcId: a.id, nonce })),
      'message',
    )
    expect(hex(packet.nonce)).toBe(hex(nonce))
    expect(packet.ciphertext.length).toBe(20)
    expectCode(() => decryptMessage(packet, randomBytes(16)), 'DECRYPT_FAILED')
  })

  it('a WHOAREYOU keeps the largest seq, and is smaller than the smallest packet that can cause it', () => {
    const { bytes, challengeData } = encodeWhoareyouPacket({
      destId: a.id,
      nonce: randomBytes(12),
      enrSeq: 0xffff_ffff_ffff_ffffn,
    })
    const packet = as(decodePacket(a.id, bytes), 'whoareyou')
    expect(packet.enrSeq).toBe(0xffff_ffff_ffff_ffffn)
    expect(hex(packet.challengeData)).toBe(hex(challengeData))
    expect(bytes.length).toBe(63)
    // the smallest message packet decodePacket accepts: 16 + 23 + 32 + a 16-byte tag
    expect(decodePacket(b.id, rawPacket({ destId: b.id, message: new Uint8Array(16) })).kind).toBe(
      'message',
    )
    expectCode(
      () => decodePacket(b.id, rawPacket({ destId: b.id, message: new Uint8Array(15) })),
      'TOO_SMALL',
    )
  })

  it('a handshake with A’s record (B knew none) gives both sides the same keys and B the PING', () => {
    const { created, challengeData, packet } = handshake()
    expect(created.record).toBe(a.record)
    expect(packet.record).toBeDefined()
    const accepted = acceptHandshake({ privateKey: b.key, localId: b.id, packet, challengeData })
    expect(accepted.message).toEqual(ping)
    expect(hex(accepted.readKey)).toBe(hex(created.writeKey))
    expect(hex(accepted.writeKey)).toBe(hex(created.readKey))
    expect(hex(accepted.record.encode())).toBe(hex(a.record.encode()))
  })

  it('a handshake without a record when B’s copy is current, and B uses its copy', () => {
    const { created, challengeData, packet } = handshake({ whoareyouSeq: a.record.seq })
    expect(created.record).toBeUndefined()
    expect(packet.record).toBeUndefined()
    const accepted = acceptHandshake({
      privateKey: b.key,
      localId: b.id,
      packet,
      challengeData,
      knownRecord: a.record,
    })
    expect(accepted.record).toBe(a.record)
  })

  it('a record sent with a handshake replaces an older copy, not a newer one', () => {
    const older = Enr.create(a.key, { seq: 4n, ip: '127.0.0.1', udp: 1 })
    const newer = Enr.create(a.key, { seq: 6n, ip: '127.0.0.1', udp: 2 })
    const { challengeData, packet } = handshake({ whoareyouSeq: 4n })
    const args = { privateKey: b.key, localId: b.id, packet, challengeData }
    expect(acceptHandshake({ ...args, knownRecord: older }).record.seq).toBe(5n)
    expect(acceptHandshake({ ...args, knownRecord: newer }).record).toBe(newer)
  })

  it('a decoded packet owns its bytes: changing the datagram afterwards changes nothing', () => {
    const key = randomBytes(16)
    const bytes = encodeMessagePacket({
      destId: b.id,
      srcId: a.id,
      nonce: randomBytes(12),
      writeKey: key,
      message: ping,
    })
    const packet = as(decodePacket(b.id, bytes), 'message')
    bytes.fill(0)
    expect(decryptMessage(packet, key)).toEqual(ping)
  })
})

describe('decodePacket refuses', () => {
  const toB = (p: Parameters<typeof rawPacket>[0] = {}) => rawPacket({ destId: nodeBId, ...p })
  const handshakeAuth = (sigSize: number, keySize: number, rest: number) => {
    const out = new Uint8Array(34 + rest)
    out.set(nodeAId)
    out[32] = sigSize
    out[33] = keySize
    return out
  }

  it.each<[string, () => Uint8Array, string]>([
    ['62 bytes', () => new Uint8Array(62), 'TOO_SMALL'],
    ['1281 bytes', () => toB({ message: new Uint8Array(1281 - 71) }), 'TOO_LARGE'],
    ['a packet for another node id', () => rawPacket({ destId: nodeAId }), 'BAD_HEADER'],
    ['protocol id "discv4"', () => toB({ protocolId: 'discv4' }), 'BAD_HEADER'],
    ['version 0', () => toB({ version: 0 }), 'BAD_HEADER'],
    ['flag 3', () => toB({ flag: 3 }), 'BAD_HEADER'],
    [
      '47 bytes after the static header of a message packet',
      () => toB({ message: new Uint8Array(15) }),
      'TOO_SMALL',
    ],
    ['an authdata size past the end', () => toB({ authSize: 49 }), 'BAD_HEADER'],
    ['message authdata of 33 bytes', () => toB({ authdata: new Uint8Array(33) }), 'BAD_HEADER'],
    [
      'WHOAREYOU authdata of 23 bytes',
      () => toB({ flag: 1, authdata: new Uint8Array(23), message: new Uint8Array(1) }),
      'BAD_HEADER',
    ],
    [
      'WHOAREYOU authdata of 25 bytes',
      () => toB({ flag: 1, authdata: new Uint8Array(25), message: new Uint8Array(0) }),
      'BAD_HEADER',
    ],
    [
      'a WHOAREYOU followed by a message',
      () => toB({ flag: 1, authdata: new Uint8Array(24), message: new Uint8Array(1) }),
      'BAD_HEADER',
    ],
    [
      'handshake authdata shorter than its head',
      () => toB({ flag: 2, authdata: new Uint8Array(33), message: new Uint8Array(16) }),
      'BAD_HEADER',
    ],
    [
      'a handshake signature size of 65',
      () => toB({ flag: 2, authdata: handshakeAuth(65, 33, 98) }),
      'BAD_HANDSHAKE',
    ],
    [
      'a handshake key size of 65 (uncompressed)',
      () => toB({ flag: 2, authdata: handshakeAuth(64, 65, 129) }),
      'BAD_HANDSHAKE',
    ],
    [
      'handshake authdata shorter than its signature and key',
      () => toB({ flag: 2, authdata: handshakeAuth(64, 33, 96) }),
      'BAD_HEADER',
    ],
    [
      'a handshake record of 301 bytes',
      () => toB({ flag: 2, authdata: handshakeAuth(64, 33, 97 + 301) }),
      'BAD_RECORD',
    ],
  ])('%s', (_name, make, code) => {
    expectCode(() => decodePacket(nodeBId, make()), code as never)
  })

  it('reads a version above 1 (geth’s rule), so a later version is not mistaken for junk', () => {
    expect(decodePacket(nodeBId, toB({ version: 2 })).kind).toBe('message')
  })

  it('a handshake record of 300 bytes is left to acceptHandshake', () => {
    const packet = as(
      decodePacket(nodeBId, toB({ flag: 2, authdata: handshakeAuth(64, 33, 97 + 300) })),
      'handshake',
    )
    expect(packet.record?.length).toBe(300)
  })

  it('non-bytes input and a local id that is not 32 bytes are misuse', () => {
    expect(() => decodePacket(nodeBId, [1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => decodePacket(nodeBId.subarray(0, 31), toB())).toThrow(RangeError)
  })
})

describe('acceptHandshake refuses', () => {
  const accept = (h: ReturnType<typeof handshake>, extra: { knownRecord?: Enr } = {}) =>
    acceptHandshake({
      privateKey: b.key,
      localId: b.id,
      packet: h.packet,
      challengeData: h.challengeData,
      ...extra,
    })
  const withField = (field: Partial<HandshakePacket>) => (p: HandshakePacket) =>
    ({ ...p, ...field }) as HandshakePacket

  it('a changed id-signature: BAD_SIGNATURE', () => {
    const h = handshake()
    const signature = h.packet.idSignature.slice()
    signature[5]! ^= 1
    expectCode(
      () => accept({ ...h, packet: { ...h.packet, idSignature: signature } }),
      'BAD_SIGNATURE',
    )
  })

  it('an answer to another challenge: BAD_SIGNATURE', () => {
    const h = handshake()
    const other = h.challengeData.slice()
    other[20]! ^= 1
    expectCode(() => accept({ ...h, challengeData: other }), 'BAD_SIGNATURE')
  })

  it('no record from a node we know none of: BAD_RECORD', () => {
    const h = handshake({ whoareyouSeq: a.record.seq })
    expectCode(() => accept(h), 'BAD_RECORD')
  })

  it('another node’s record: BAD_RECORD', () => {
    const c = node()
    const h = handshake({ mutate: withField({ record: c.record.encode() }) })
    expectCode(() => accept(h), 'BAD_RECORD')
  })

  it('a record that does not verify: BAD_RECORD, with the EnrError as cause', () => {
    const forged = a.record.encode()
    forged[10]! ^= 1
    const err = discoveryError(() => accept(handshake({ mutate: withField({ record: forged }) })))
    expect(err.code).toBe('BAD_RECORD')
    expect((err.cause as Error).name).toBe('EnrError')
  })

  it('an ephemeral key that is not a curve point, properly signed: BAD_HANDSHAKE', () => {
    const h = handshake()
    const offCurve = Uint8Array.of(0x02, ...new Uint8Array(31), 5) // x = 5 has no y on secp256k1
    const idSignature = signIdNonce(a.key, h.challengeData, offCurve, b.id)
    expectCode(
      () => accept({ ...h, packet: { ...h.packet, ephemeralPubkey: offCurve, idSignature } }),
      'BAD_HANDSHAKE',
    )
  })

  it('a message sealed with another key: DECRYPT_FAILED', () => {
    const h = handshake()
    const ciphertext = aes128GcmEncrypt(
      randomBytes(16),
      h.packet.nonce,
      Uint8Array.of(1, 0xc0),
      h.packet.header,
    )
    expectCode(() => accept({ ...h, packet: { ...h.packet, ciphertext } }), 'DECRYPT_FAILED')
  })

  it('a known record of another node is misuse', () => {
    expect(() => accept(handshake(), { knownRecord: b.record })).toThrow(RangeError)
  })
})

describe('encoding refuses misuse', () => {
  const base = { destId: b.id, srcId: a.id, nonce: randomBytes(12), writeKey: randomBytes(16) }

  it('a packet over 1280 bytes', () => {
    const big: Message = {
      type: 'talkreq',
      requestId: Uint8Array.of(1),
      protocol: Uint8Array.of(1),
      request: new Uint8Array(1200),
    }
    expect(() => encodeMessagePacket({ ...base, message: big })).toThrow(RangeError)
    const fits: Message = { ...big, request: new Uint8Array(1180) }
    expect(encodeMessagePacket({ ...base, message: fits }).length).toBeLessThanOrEqual(1280)
  })

  it.each<[string, object]>([
    ['a 31-byte destId', { destId: new Uint8Array(31) }],
    ['a 33-byte srcId', { srcId: new Uint8Array(33) }],
    ['an 11-byte nonce', { nonce: new Uint8Array(11) }],
    ['a 15-byte masking IV', { maskingIv: new Uint8Array(15) }],
    ['a 32-byte key', { writeKey: new Uint8Array(32) }],
  ])('%s', (_name, change) => {
    expect(() => encodeMessagePacket({ ...base, ...change, message: ping })).toThrow(RangeError)
  })

  it('a WHOAREYOU with a 15-byte id-nonce or a seq outside uint64', () => {
    expect(() =>
      encodeWhoareyouPacket({
        destId: a.id,
        nonce: base.nonce,
        enrSeq: 0n,
        idNonce: new Uint8Array(15),
      }),
    ).toThrow(RangeError)
    expect(() =>
      encodeWhoareyouPacket({ destId: a.id, nonce: base.nonce, enrSeq: 1n << 64n }),
    ).toThrow(RangeError)
  })

  it('a handshake with a 65-byte signature or a 64-byte key', () => {
    const hs = {
      ...base,
      message: ping,
      idSignature: new Uint8Array(64),
      ephemeralPubkey: new Uint8Array(33),
    }
    expect(() => encodeHandshakePacket({ ...hs, idSignature: new Uint8Array(65) })).toThrow(
      RangeError,
    )
    expect(() =>
      encodeHandshakePacket({ ...hs, ephemeralPubkey: publicKeyFromPrivate(a.key) }),
    ).toThrow(RangeError)
  })
})
