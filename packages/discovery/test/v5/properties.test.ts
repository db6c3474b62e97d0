/**
 * Property tests (fast-check): random and mutated input to every v5 decoder
 * (decodePacket, decryptMessage, acceptHandshake, decodeMessage) ends in a packet, a
 * message or a DiscoveryError, never another exception; messages round-trip; no
 * single-bit change of a sealed packet ever opens.
 */
import { generatePrivateKey, randomBytes } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { encode, type RlpValue } from '@devp2p/rlp'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  acceptHandshake,
  createHandshake,
  DiscoveryError,
  type DiscoveryErrorCode,
  decodeMessage,
  decodePacket,
  decryptMessage,
  encodeHandshakePacket,
  encodeMessage,
  encodeMessagePacket,
  encodeWhoareyouPacket,
  type Message,
  type Packet,
} from '../../src/v5/index.js'
import { rawPacket } from './helpers.js'

/** The outcome of `fn`: its value, or the DiscoveryError's code; anything else fails the test. */
function outcome<T>(fn: () => T): T | DiscoveryErrorCode {
  try {
    return fn()
  } catch (err) {
    if (err instanceof DiscoveryError) return err.code
    throw err
  }
}

const aKey = generatePrivateKey()
const a = Enr.create(aKey, { seq: 2n, ip: '127.0.0.1', udp: 30303 })
const bKey = generatePrivateKey()
const b = Enr.create(bKey, { seq: 1n, ip: '127.0.0.1', udp: 30304 })

/** Everything after decodePacket that a service would do with a packet from A. */
function process(packet: Packet, challengeData: Uint8Array, readKey: Uint8Array): unknown {
  if (packet.kind === 'message') return decryptMessage(packet, readKey)
  if (packet.kind === 'handshake') {
    return acceptHandshake({ privateKey: bKey, localId: b.nodeId, packet, challengeData }).message
  }
  return packet
}

const HEADER_CODES = ['TOO_SMALL', 'TOO_LARGE', 'BAD_HEADER', 'BAD_HANDSHAKE', 'BAD_RECORD']
const LATER_CODES = [
  'DECRYPT_FAILED',
  'UNKNOWN_TYPE',
  'MALFORMED',
  'BAD_SIGNATURE',
  'BAD_RECORD',
  'BAD_HANDSHAKE',
]

const requestId = fc.uint8Array({ maxLength: 8 })
const seq = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn })
const bytes = fc.uint8Array({ maxLength: 64 })
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('ping' as const), requestId, enrSeq: seq }),
  fc.record({
    type: fc.constant('pong' as const),
    requestId,
    enrSeq: seq,
    ip: fc.oneof(fc.ipV4(), fc.constant('2001:db8::7')),
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    type: fc.constant('findnode' as const),
    requestId,
    distances: fc.array(fc.integer({ min: 0, max: 256 }), { maxLength: 20 }),
  }),
  fc.record({
    type: fc.constant('nodes' as const),
    requestId,
    total: fc.integer({ min: 0, max: 255 }),
    records: fc.array(fc.constantFrom(a.encode(), b.encode()), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant('talkreq' as const), requestId, protocol: bytes, request: bytes }),
  fc.record({ type: fc.constant('talkresp' as const), requestId, response: bytes }),
)

describe('messages', () => {
  it('round-trip through encodeMessage and decodeMessage', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m)
      }),
      { numRuns: 500 },
    )
  })

  it('random plaintexts are a message or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (plaintext) => {
        const result = outcome(() => decodeMessage(plaintext))
        if (typeof result === 'string') {
          expect(['DECRYPT_FAILED', 'UNKNOWN_TYPE', 'MALFORMED']).toContain(result)
        }
      }),
      { numRuns: 2000 },
    )
  })

  /** RLP trees of the pieces real messages hold, behind a real type byte. */
  const piece = fc.oneof(
    fc
      .constantFrom(0, 1, 2, 4, 8, 9, 16, 17, 32)
      .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.constant(a.encode()),
  )
  const { tree } = fc.letrec<{ tree: RlpValue }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, piece, fc.array(tie('tree'), { maxLength: 5 })),
  }))

  it('structured RLP behind types 1–6 is a message or a typed error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), tree, (type, value) => {
        const result = outcome(() => decodeMessage(Uint8Array.from([type, ...encode(value)])))
        if (typeof result === 'string') expect(['MALFORMED']).toContain(result)
        else expect(result.requestId.length).toBeLessThanOrEqual(8)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('packets', () => {
  it('random bytes fail by size, else as a header that is not ours', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (datagram) => {
        const expected =
          datagram.length < 63 ? 'TOO_SMALL' : datagram.length > 1280 ? 'TOO_LARGE' : 'BAD_HEADER'
        expect(outcome(() => decodePacket(b.nodeId, datagram))).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })

  it('any header behind a correct mask decodes, or fails with a header code; what decodes fails later with a typed code', () => {
    const challenge = randomBytes(63)
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom(0, 1, 2, 0xffff),
          flag: fc.constantFrom(0, 1, 2, 3, 255),
          authdata: fc.oneof(
            fc.uint8Array({ maxLength: 500 }),
            // a handshake head with the v4 sizes, then anything
            fc
              .uint8Array({ minLength: 97, maxLength: 500 })
              .map((rest) => Uint8Array.from([...a.nodeId, 64, 33, ...rest])),
          ),
          authDelta: fc.constantFrom(0, 0, 0, 1, -1, 300),
          message: fc.uint8Array({ maxLength: 200 }),
        }),
        ({ version, flag, authdata, authDelta, message }) => {
          const authSize = Math.max(0, Math.min(0xffff, authdata.length + authDelta))
          const datagram = rawPacket({
            destId: b.nodeId,
            version,
            flag,
            authdata,
            authSize,
            message,
          })
          const decoded = outcome(() => decodePacket(b.nodeId, datagram))
          if (typeof decoded === 'string') {
            expect(HEADER_CODES).toContain(decoded)
            return
          }
          const later = outcome(() => process(decoded, challenge, randomBytes(16)))
          if (decoded.kind === 'whoareyou') expect(later).toBe(decoded)
          else expect(LATER_CODES).toContain(later)
        },
      ),
      { numRuns: 1500 },
    )
  })

  /** A real ordinary packet and a real handshake packet from A to B, with B's state for them. */
  function realPackets() {
    const writeKey = randomBytes(16)
    const ordinary = encodeMessagePacket({
      destId: b.nodeId,
      srcId: a.nodeId,
      nonce: randomBytes(12),
      writeKey,
      message: { type: 'findnode', requestId: Uint8Array.of(1, 2), distances: [256, 255] },
    })
    const challenge = encodeWhoareyouPacket({
      destId: a.nodeId,
      nonce: randomBytes(12),
      enrSeq: 0n,
    })
    const whoareyou = decodePacket(a.nodeId, challenge.bytes)
    if (whoareyou.kind !== 'whoareyou') throw new Error('not a WHOAREYOU')
    const hs = createHandshake({
      privateKey: aKey,
      localRecord: a,
      remoteId: b.nodeId,
      remotePublicKey: b.publicKey,
      whoareyou,
    })
    const handshake = encodeHandshakePacket({
      destId: b.nodeId,
      srcId: a.nodeId,
      nonce: randomBytes(12),
      writeKey: hs.writeKey,
      idSignature: hs.idSignature,
      ephemeralPubkey: hs.ephemeralPubkey,
      record: hs.record,
      message: {
        type: 'talkreq',
        requestId: Uint8Array.of(3),
        protocol: Uint8Array.of(0x61),
        request: Uint8Array.of(1),
      },
    })
    return { ordinary, handshake, writeKey, challengeData: challenge.challengeData }
  }
  const real = realPackets()

  it('the real packets open (so the mutations below start from working packets)', () => {
    const ordinary = decodePacket(b.nodeId, real.ordinary)
    const handshake = decodePacket(b.nodeId, real.handshake)
    expect(process(ordinary, real.challengeData, real.writeKey)).toMatchObject({ type: 'findnode' })
    expect(process(handshake, real.challengeData, real.writeKey)).toMatchObject({ type: 'talkreq' })
  })

  it('no single-bit change of a sealed packet opens: every one is a typed error', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (useHandshake, at, bit) => {
          const original = useHandshake ? real.handshake : real.ordinary
          const changed = original.slice()
          changed[at % changed.length]! ^= 1 << bit
          const result = outcome(() =>
            process(decodePacket(b.nodeId, changed), real.challengeData, real.writeKey),
          )
          expect(typeof result).toBe('string')
          expect([...HEADER_CODES, ...LATER_CODES]).toContain(result)
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('truncated and extended packets are typed errors', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: -200, max: 40 }), (useHandshake, delta) => {
        const original = useHandshake ? real.handshake : real.ordinary
        const length = Math.max(0, original.length + delta)
        if (length === original.length) return
        const changed = new Uint8Array(length)
        changed.set(original.subarray(0, Math.min(length, original.length)))
        const result = outcome(() =>
          process(decodePacket(b.nodeId, changed), real.challengeData, real.writeKey),
        )
        expect([...HEADER_CODES, ...LATER_CODES]).toContain(result)
      }),
      { numRuns: 1000 },
    )
  })
})
