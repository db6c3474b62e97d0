/**
 * Every packet type: encode → decode gives the packet back, the bytes follow the wire
 * layout of discv4.md (checked here with the primitives, not with the decoder), extra
 * list elements and trailing bytes are ignored, enr-seq present and absent.
 */
import { keccak256, publicKeyFromPrivate, recoverPublicKey } from '@devp2p/crypto'
import { Enr, ipToBytes } from '@devp2p/enode'
import { decode, encode, type RlpValue } from '@devp2p/rlp'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { BUCKET_SIZE } from '../../src/kad/constants.js'
import { MIN_PACKET_BYTES } from '../../src/v4/constants.js'
import {
  decodePacket,
  EXPIRATION_S,
  encodePacket,
  expirationFrom,
  isExpired,
  MAX_NEIGHBORS_PER_PACKET,
  MAX_PACKET_BYTES,
  type NeighborsNode,
  PACKET_TYPES,
  type Packet,
  PROTOCOL_VERSION,
} from '../../src/v4/index.js'
import { be, expectCode, otherKey, otherPublicKey, seal, signingKey, vectors } from './helpers.js'

/** EIP-778's example record: signed by the EIP-8 signing key; seq 1, 127.0.0.1, udp 30303. */
const EIP778_RECORD =
  'enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8'
const record = Enr.decodeText(EIP778_RECORD)
const signerPublicKey = publicKeyFromPrivate(signingKey)

const hash32 = unhex('fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e790c57e91ca4461c954')
const key64 = otherPublicKey
const T = 1_767_225_600 // 2026-01-01T00:00:00Z

const nodes: NeighborsNode[] = [
  { ip: '203.0.113.9', udp: 30303, tcp: 30303, publicKey: key64 },
  { ip: '2001:db8::7', udp: 30304, tcp: 0, publicKey: signerPublicKey },
]

/** Each packet with the RLP item list discv4.md prescribes for it, written out by hand. */
const cases: { packet: Packet; items: RlpValue }[] = [
  {
    packet: {
      type: 'ping',
      version: 4,
      from: { ip: '10.0.0.1', udp: 30303, tcp: 30304 },
      to: { ip: '2001:db8::1', udp: 30305, tcp: 0 },
      expiration: T,
      enrSeq: 9n,
    },
    items: [
      be(4),
      [ipToBytes('10.0.0.1')!, be(30303), be(30304)],
      [ipToBytes('2001:db8::1')!, be(30305), be(0)],
      be(T),
      be(9),
    ],
  },
  {
    packet: {
      type: 'ping',
      version: 4,
      from: { ip: '10.0.0.1', udp: 30303, tcp: 30304 },
      to: { ip: '192.0.2.1', udp: 1, tcp: 65535 },
      expiration: T,
    },
    items: [
      be(4),
      [ipToBytes('10.0.0.1')!, be(30303), be(30304)],
      [ipToBytes('192.0.2.1')!, be(1), be(65535)],
      be(T),
    ],
  },
  {
    packet: {
      type: 'pong',
      to: { ip: '198.51.100.4', udp: 40000, tcp: 0 },
      pingHash: hash32,
      expiration: T,
      enrSeq: 2n ** 64n - 1n,
    },
    items: [
      [ipToBytes('198.51.100.4')!, be(40000), be(0)],
      hash32,
      be(T),
      unhex('ffffffffffffffff'),
    ],
  },
  {
    packet: {
      type: 'pong',
      to: { ip: '198.51.100.4', udp: 40000, tcp: 0 },
      pingHash: hash32,
      expiration: T,
    },
    items: [[ipToBytes('198.51.100.4')!, be(40000), be(0)], hash32, be(T)],
  },
  {
    packet: { type: 'pong', to: { ip: '::', udp: 0, tcp: 0 }, pingHash: hash32, expiration: 0 },
    items: [[new Uint8Array(16), be(0), be(0)], hash32, be(0)],
  },
  {
    packet: { type: 'findnode', target: key64, expiration: T },
    items: [key64, be(T)],
  },
  {
    packet: { type: 'neighbors', nodes, expiration: T },
    items: [
      [
        [ipToBytes('203.0.113.9')!, be(30303), be(30303), key64],
        [ipToBytes('2001:db8::7')!, be(30304), be(0), signerPublicKey],
      ],
      be(T),
    ],
  },
  {
    packet: { type: 'neighbors', nodes: [], expiration: T },
    items: [[], be(T)],
  },
  { packet: { type: 'enrrequest', expiration: T }, items: [be(T)] },
  {
    packet: { type: 'enrresponse', requestHash: hash32, record },
    items: [hash32, decode(record.encode())],
  },
]

describe('round trips', () => {
  for (const { packet, items } of cases) {
    const label = `${packet.type}${'enrSeq' in packet ? ' with enr-seq' : ''} ${hex(encode(items)).slice(0, 16)}`
    describe(label, () => {
      const { bytes, hash } = encodePacket(packet, signingKey)

      it('decodes to the same packet, signed by the signing key', () => {
        const decoded = decodePacket(bytes)
        expect(decoded.packet).toEqual(packet)
        expect('enrSeq' in decoded.packet).toBe('enrSeq' in packet)
        expect(hex(decoded.publicKey)).toBe(hex(signerPublicKey))
        expect(hex(decoded.nodeId)).toBe(vectors.signer.nodeId)
        expect(hex(decoded.hash)).toBe(hex(hash))
      })

      it('follows the wire layout: hash ‖ sig ‖ type ‖ rlp(data)', () => {
        expect(bytes[97]).toBe(PACKET_TYPES[packet.type])
        expect(hex(bytes.subarray(98))).toBe(hex(encode(items)))
        expect(hex(bytes.subarray(0, 32))).toBe(hex(keccak256(bytes.subarray(32))))
        expect(hex(hash)).toBe(hex(bytes.subarray(0, 32)))
        const signer = recoverPublicKey(keccak256(bytes.subarray(97)), bytes.subarray(32, 97))
        expect(hex(signer)).toBe(hex(signerPublicKey))
      })

      it('is deterministic (RFC 6979): the same packet gives the same bytes', () => {
        expect(hex(encodePacket(packet, signingKey).bytes)).toBe(hex(bytes))
      })

      it('ignores extra list elements and trailing bytes (EIP-8)', () => {
        const list = items as RlpValue[]
        const data = encode([...list, unhex('c0ffee'), [unhex('01'), [unhex('02')]]])
        const withTrailing = new Uint8Array(data.length + 7)
        withTrailing.set(data)
        withTrailing.set(unhex('deadbeef0102c3'), data.length)
        const packed = seal(PACKET_TYPES[packet.type], withTrailing)
        const decoded = decodePacket(packed)
        // an extra element right after pong/ping's expiration sits in the enr-seq slot
        if (!('enrSeq' in packet) && (packet.type === 'ping' || packet.type === 'pong')) {
          expect(decoded.packet).toEqual({ ...packet, enrSeq: 0xc0ffeen })
        } else {
          expect(decoded.packet).toEqual(packet)
        }
      })
    })
  }

  it('a different key signs: the decoded signer follows the key', () => {
    const { bytes } = encodePacket({ type: 'enrrequest', expiration: T }, otherKey)
    expect(hex(decodePacket(bytes).publicKey)).toBe(hex(otherPublicKey))
  })

  it('ENRResponse carries a fresh record of the signer and decodes it verified', () => {
    const mine = Enr.create(otherKey, { seq: 77n, ip: '192.0.2.44', udp: 30303, tcp: 30303 })
    const { bytes } = encodePacket(
      { type: 'enrresponse', requestHash: hash32, record: mine },
      otherKey,
    )
    const { packet } = decodePacket(bytes)
    expect(packet.type).toBe('enrresponse')
    if (packet.type !== 'enrresponse') return
    expect(packet.record.seq).toBe(77n)
    expect(packet.record.ip).toBe('192.0.2.44')
    expect(hex(packet.record.encode())).toBe(hex(mine.encode()))
  })

  it('IPv4-mapped IPv6 addresses decode as IPv4 (as geth does)', () => {
    const mapped = unhex('00000000000000000000ffffc0000201')
    const data = encode([be(4), [mapped, be(1), be(2)], [mapped, be(3), be(4)], be(T)])
    const { packet } = decodePacket(seal(1, data))
    expect(packet.type === 'ping' && packet.from.ip).toBe('192.0.2.1')
  })

  it('an endpoint IP that is not 4 or 16 bytes decodes as "" (unknown); "" encodes as empty', () => {
    for (const ip of [new Uint8Array(0), unhex('0102030405')]) {
      const data = encode([be(4), [ip, be(1), be(2)], [unhex('7f000001'), be(3), be(4)], be(T)])
      const { packet } = decodePacket(seal(1, data))
      expect(packet.type === 'ping' && packet.from).toEqual({ ip: '', udp: 1, tcp: 2 })
    }
    const { bytes } = encodePacket(
      { type: 'ping', version: 4, from: { ip: '', udp: 1, tcp: 2 }, to: nodes[0]!, expiration: T },
      signingKey,
    )
    const from = (decode(bytes.subarray(98)) as RlpValue[])[1] as RlpValue[]
    expect(from[0]).toEqual(new Uint8Array(0))
  })
})

describe('the 1280-byte limit', () => {
  const v6 = (i: number): NeighborsNode => ({
    ip: `2001:db8:ffff:ffff:ffff:ffff:ffff:${(0xff00 + i).toString(16)}`,
    udp: 65535,
    tcp: 65535,
    publicKey: key64,
  })
  it(`${MAX_NEIGHBORS_PER_PACKET} IPv6 nodes with the largest fields fit, and decode`, () => {
    const packet: Packet = {
      type: 'neighbors',
      nodes: Array.from({ length: MAX_NEIGHBORS_PER_PACKET }, (_, i) => v6(i)),
      expiration: Number.MAX_SAFE_INTEGER,
    }
    const { bytes } = encodePacket(packet, signingKey)
    expect(bytes.length).toBeLessThanOrEqual(MAX_PACKET_BYTES)
    expect(decodePacket(bytes).packet).toEqual(packet)
  })
  it('13 IPv6 nodes do not fit: encoding refuses with a RangeError', () => {
    const packet: Packet = {
      type: 'neighbors',
      nodes: Array.from({ length: 13 }, (_, i) => v6(i)),
      expiration: T,
    }
    expect(() => encodePacket(packet, signingKey)).toThrow(RangeError)
  })
  it('a packet of exactly 1280 bytes decodes; 1281 bytes is TOO_LARGE', () => {
    const head = encode([be(T)]) // ENRRequest [expiration] then padding to the size
    const at = (size: number) => {
      const data = new Uint8Array(size - 98)
      data.set(head)
      return seal(5, data)
    }
    expect(at(1280).length).toBe(1280)
    expect(decodePacket(at(1280)).packet).toEqual({ type: 'enrrequest', expiration: T })
    expectCode(() => decodePacket(at(1281)), 'TOO_LARGE')
  })
})

describe('encoding refuses what it cannot send', () => {
  const ping = cases[0]!.packet as Extract<Packet, { type: 'ping' }>
  const bad: [string, unknown, typeof RangeError | typeof TypeError][] = [
    ['port 65536', { ...ping, from: { ...ping.from, udp: 65536 } }, RangeError],
    ['negative port', { ...ping, to: { ...ping.to, tcp: -1 } }, RangeError],
    ['fractional expiration', { ...ping, expiration: 1.5 }, RangeError],
    ['negative expiration', { ...ping, expiration: -1 }, RangeError],
    ['enrSeq of 2^64', { ...ping, enrSeq: 2n ** 64n }, RangeError],
    ['enrSeq as a number', { ...ping, enrSeq: 1 }, TypeError],
    ['an IP that does not parse', { ...ping, to: { ...ping.to, ip: '300.1.1.1' } }, RangeError],
    ['a host name', { ...ping, to: { ...ping.to, ip: 'example.org' } }, RangeError],
    [
      'a 63-byte target',
      { type: 'findnode', target: new Uint8Array(63), expiration: T },
      RangeError,
    ],
    [
      'a 31-byte ping hash',
      { type: 'pong', to: ping.to, pingHash: new Uint8Array(31), expiration: T },
      RangeError,
    ],
    [
      'a node without IP',
      { type: 'neighbors', nodes: [{ ...nodes[0], ip: '' }], expiration: T },
      RangeError,
    ],
    [
      'a 65-byte node key',
      { type: 'neighbors', nodes: [{ ...nodes[0], publicKey: new Uint8Array(65) }], expiration: T },
      RangeError,
    ],
    [
      'a record that is not an Enr',
      { type: 'enrresponse', requestHash: hash32, record: record.encode() },
      TypeError,
    ],
    ['an unknown type', { type: 'topicquery', expiration: T }, TypeError],
  ]
  for (const [what, packet, kind] of bad) {
    it(what, () => {
      expect(() => encodePacket(packet as Packet, signingKey)).toThrow(kind)
    })
  }
  it('an invalid private key', () => {
    expect(() => encodePacket(ping, new Uint8Array(32))).toThrow(RangeError)
  })
})

describe('time and constants', () => {
  it('expirationFrom is now + 20 s in unix seconds (geth: time.Now().Add(20s).Unix())', () => {
    expect(expirationFrom(1_700_000_000_000)).toBe(1_700_000_020)
    expect(expirationFrom(1_700_000_000_999)).toBe(1_700_000_020)
    expect(EXPIRATION_S).toBe(20)
  })
  it('isExpired: expired once the timestamp lies in the past', () => {
    expect(isExpired(1_700_000_000, 1_700_000_000_000)).toBe(false)
    expect(isExpired(1_700_000_000, 1_700_000_000_001)).toBe(true)
    expect(isExpired(1_700_000_020, 1_700_000_000_000)).toBe(false)
    expect(isExpired(expirationFrom(1_700_000_000_000), 1_700_000_019_999)).toBe(false)
    expect(isExpired(expirationFrom(1_700_000_000_000), 1_700_000_020_001)).toBe(true)
  })
  it('the EIP-8 vectors expire at 0x43b9a355 = 2006-01-02T22:04:05Z', () => {
    expect(isExpired(0x43b9a355, Date.UTC(2006, 0, 3))).toBe(true)
    expect(isExpired(0x43b9a355, Date.UTC(2006, 0, 2))).toBe(false)
  })
  it('constants match the spec and geth', () => {
    expect(MAX_PACKET_BYTES).toBe(1280)
    expect(MIN_PACKET_BYTES).toBe(32 + 65 + 1)
    expect(MAX_NEIGHBORS_PER_PACKET).toBe(12)
    expect(BUCKET_SIZE).toBe(16)
    expect(PROTOCOL_VERSION).toBe(4)
    expect(PACKET_TYPES).toEqual({
      ping: 1,
      pong: 2,
      findnode: 3,
      neighbors: 4,
      enrrequest: 5,
      enrresponse: 6,
    })
  })
})
