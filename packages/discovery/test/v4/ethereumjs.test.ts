/**
 * Differential tests against @ethereumjs/devp2p's discovery packet codec (their DPT
 * `encode`/`decode`, exported from the package root): we decode what they encode, they
 * decode what we encode, and for the same content and key both produce the same bytes
 * (both sign deterministically with RFC 6979).
 *
 * Their deviations from the spec / geth, each pinned by a test below:
 * - every port is encoded as two bytes, so port 0 is `82 0000` and 80 is `82 0050`, with
 *   leading zeros that canonical RLP forbids: geth's uint16 decoding refuses such packets;
 *   we accept leading zeros in ports (only there), so their Ping to a node of ours
 *   without a TCP port (`…@ip:0?discport=…`) is answered;
 * - ports decode from any number of bytes, so a port above 65535 is accepted;
 * - no ENRRequest / ENRResponse (EIP-868): types 5 and 6 are "Invalid type";
 * - no enr-seq in Ping / Pong (EIP-868 makes it optional, so this is allowed);
 * - no 1280-byte limit on decode;
 * - the expiration must be exactly 4 bytes (true for real times until 2106);
 * - the default expiration is now + 60 s (geth: 20 s);
 * - a bug: given a `Buffer` (what node:dgram delivers, and what their own server passes),
 *   they read IPv6 addresses and the expiration from the wrong offset (a DataView over
 *   `bytes.buffer` that ignores the view's byteOffset), so those fields are garbage;
 *   their server never checks the expiration, so only the addresses matter there.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { normalizeIp } from '@devp2p/enode'
import { encode as rlp } from '@devp2p/rlp'
import { hex, unhex } from '@devp2p/testing'
import { decode as theirDecode, encode as theirEncode } from '@ethereumjs/devp2p'
import { describe, expect, it } from 'vitest'
import { decodePacket, encodePacket, type Packet } from '../../src/v4/index.js'
import { be, expectCode, seal, vectorPacket } from './helpers.js'

const key = generatePrivateKey()
const pub = publicKeyFromPrivate(key)
const T = 1_767_225_600
const hash32 = unhex('aa'.repeat(32))
const ids = [publicKeyFromPrivate(generatePrivateKey()), publicKeyFromPrivate(generatePrivateKey())]

interface TheirEndpoint {
  address: string
  udpPort: number | null
  tcpPort: number | null
}
const theirs = (e: { ip: string; udp: number; tcp: number }): TheirEndpoint => ({
  address: e.ip,
  udpPort: e.udp,
  tcpPort: e.tcp,
})

/** The same content in both APIs; ports ≥ 256 so that their encoding is canonical. */
const pairs: { ours: Packet; name: string; data: Record<string, unknown> }[] = [
  {
    ours: {
      type: 'ping',
      version: 4,
      from: { ip: '10.1.2.3', udp: 30303, tcp: 30304 },
      to: { ip: '203.0.113.77', udp: 30305, tcp: 30306 },
      expiration: T,
    },
    name: 'ping',
    data: {
      version: 4,
      from: theirs({ ip: '10.1.2.3', udp: 30303, tcp: 30304 }),
      to: theirs({ ip: '203.0.113.77', udp: 30305, tcp: 30306 }),
      timestamp: T,
    },
  },
  {
    ours: {
      type: 'ping',
      version: 4,
      from: { ip: '2001:db8::1', udp: 30303, tcp: 30304 },
      to: { ip: 'fe80::1:2', udp: 30305, tcp: 30306 },
      expiration: T,
    },
    name: 'ping',
    data: {
      version: 4,
      from: theirs({ ip: '2001:db8::1', udp: 30303, tcp: 30304 }),
      to: theirs({ ip: 'fe80::1:2', udp: 30305, tcp: 30306 }),
      timestamp: T,
    },
  },
  {
    ours: {
      type: 'pong',
      to: { ip: '198.51.100.1', udp: 40000, tcp: 40001 },
      pingHash: hash32,
      expiration: T,
    },
    name: 'pong',
    data: {
      to: theirs({ ip: '198.51.100.1', udp: 40000, tcp: 40001 }),
      hash: hash32,
      timestamp: T,
    },
  },
  {
    ours: { type: 'findnode', target: ids[0]!, expiration: T },
    name: 'findneighbours',
    data: { id: ids[0], timestamp: T },
  },
  {
    ours: {
      type: 'neighbors',
      nodes: [
        { ip: '192.0.2.10', udp: 30303, tcp: 30303, publicKey: ids[0]! },
        { ip: '2001:db8::10', udp: 31000, tcp: 32000, publicKey: ids[1]! },
      ],
      expiration: T,
    },
    name: 'neighbours',
    data: {
      peers: [
        { address: '192.0.2.10', udpPort: 30303, tcpPort: 30303, id: ids[0] },
        { address: '2001:db8::10', udpPort: 31000, tcpPort: 32000, id: ids[1] },
      ],
      timestamp: T,
    },
  },
]

describe('@ethereumjs/devp2p → ours', () => {
  for (const { ours, name, data } of pairs) {
    it(`${name}: we decode theirs to the same packet and signer`, () => {
      const decoded = decodePacket(theirEncode(name, data, key))
      expect(decoded.packet).toEqual(ours)
      expect(hex(decoded.publicKey)).toBe(hex(pub))
    })
    it(`${name}: byte-identical to ours for the same content and key`, () => {
      expect(hex(encodePacket(ours, key).bytes)).toBe(hex(theirEncode(name, data, key)))
    })
  }

  it('their ports below 256 carry a leading zero: we accept them (geth does not)', () => {
    const bytes = theirEncode(
      'ping',
      {
        version: 4,
        from: { address: '10.0.0.1', udpPort: 80, tcpPort: 30303 },
        to: { address: '10.0.0.2', udpPort: 30303, tcpPort: 30303 },
        timestamp: T,
      },
      key,
    )
    expect(hex(bytes)).toContain('820050') // port 80 as 2 bytes
    const { packet } = decodePacket(bytes)
    expect(packet.type === 'ping' && packet.from).toEqual({ ip: '10.0.0.1', udp: 80, tcp: 30303 })
  })

  it('their Ping to a node without a TCP port (port 0 as 82 0000) is read as port 0', () => {
    // what their DPT sends after parsing one of our discovery-only enode URLs, `@ip:0?discport=…`
    const bytes = theirEncode(
      'ping',
      {
        version: 4,
        from: { address: '127.0.0.1', udpPort: 30301, tcpPort: 0 },
        to: { address: '127.0.0.1', udpPort: 30303, tcpPort: 0 },
        timestamp: T,
      },
      key,
    )
    // [version 4, from [127.0.0.1, 30301, 0], to [127.0.0.1, 30303, 0], expiration]:
    // each endpoint is `cb 84 7f000001 82 765d 82 0000`, port 0 as two zero bytes
    expect(hex(bytes.subarray(98))).toBe(
      `de04cb847f00000182765d820000cb847f00000182765f82000084${T.toString(16)}`,
    )
    const { packet } = decodePacket(bytes)
    expect(packet).toEqual({
      type: 'ping',
      version: 4,
      from: { ip: '127.0.0.1', udp: 30301, tcp: 0 },
      to: { ip: '127.0.0.1', udp: 30303, tcp: 0 },
      expiration: T,
    })
    // the same in their Pong's `to` and in Neighbors entries
    const pong = theirEncode(
      'pong',
      { to: { address: '127.0.0.1', udpPort: 30301, tcpPort: 0 }, hash: hash32, timestamp: T },
      key,
    )
    expect(decodePacket(pong).packet).toMatchObject({ to: { udp: 30301, tcp: 0 } })
    const neighbours = theirEncode(
      'neighbours',
      { peers: [{ address: '10.0.0.3', udpPort: 30303, tcpPort: 0, id: ids[0] }], timestamp: T },
      key,
    )
    expect(decodePacket(neighbours).packet).toMatchObject({
      nodes: [{ ip: '10.0.0.3', udp: 30303, tcp: 0 }],
    })
  })

  it('a port of more than 2 bytes is still refused, padded or not', () => {
    for (const udp of [unhex('000050'), be(70000)]) {
      const data = rlp([
        be(4),
        [unhex('0a000001'), udp, be(1)],
        [unhex('0a000002'), be(1), be(1)],
        be(T),
      ])
      expectCode(() => decodePacket(seal(1, data, key)), 'MALFORMED')
    }
  })

  it('their default expiration is now + 60 s (geth sends now + 20 s)', () => {
    const now = Math.floor(Date.now() / 1000)
    const bytes = theirEncode('findneighbours', { id: ids[0] }, key)
    const { packet } = decodePacket(bytes)
    expect(packet.type === 'findnode' && packet.expiration - now).toBeGreaterThanOrEqual(59)
    expect(packet.type === 'findnode' && packet.expiration - now).toBeLessThanOrEqual(61)
  })
})

describe('ours → @ethereumjs/devp2p', () => {
  for (const { ours, name, data } of pairs) {
    it(`${name}: they decode ours to the same content and signer`, () => {
      const result = theirDecode(encodePacket(ours, key).bytes)
      expect(result.typename).toBe(name)
      expect(hex(result.publicKey)).toBe(`04${hex(pub)}`)
      const normalize = (value: unknown): unknown =>
        JSON.parse(
          JSON.stringify(value, (k, v) =>
            v instanceof Uint8Array
              ? hex(v)
              : k === 'address' && typeof v === 'string'
                ? normalizeIp(v)
                : v,
          ),
        )
      const expected = normalize(data) as Record<string, unknown>
      if (name === 'neighbours') {
        // they return peers as { endpoint, id }
        expected.peers = (expected.peers as { id: string }[]).map(({ id, ...endpoint }) => ({
          endpoint,
          id,
        }))
      }
      expect(normalize(result.data)).toEqual(expected)
    })
  }

  it('they ignore our enr-seq (EIP-868) in Ping and Pong', () => {
    const ping = { ...pairs[0]!.ours, enrSeq: 5n } as Packet
    expect(theirDecode(encodePacket(ping, key).bytes).data.timestamp).toBe(T)
    const pong = { ...pairs[2]!.ours, enrSeq: 5n } as Packet
    expect(hex(theirDecode(encodePacket(pong, key).bytes).data.hash)).toBe(hex(hash32))
  })

  it('they do not know ENRRequest and ENRResponse (EIP-868)', () => {
    const bytes = encodePacket({ type: 'enrrequest', expiration: T }, key).bytes
    expect(() => theirDecode(bytes)).toThrow(/Invalid type/)
  })

  it('they decode a port above 65535; we refuse it', () => {
    const data = rlp([
      be(4),
      [unhex('0a000001'), be(70000), be(30303)],
      [unhex('0a000002'), be(30303), be(30303)],
      be(T),
    ])
    const bytes = seal(1, data, key)
    expect(theirDecode(bytes).data.from.udpPort).toBe(70000)
    expectCode(() => decodePacket(bytes), 'MALFORMED')
  })

  it('they decode a packet over 1280 bytes; we refuse it', () => {
    const body = rlp([
      be(4),
      [unhex('0a000001'), be(30303), be(30303)],
      [unhex('0a000002'), be(30303), be(30303)],
      be(T),
    ])
    const data = new Uint8Array(1281 - 98)
    data.set(body)
    const bytes = seal(1, data, key)
    expect(theirDecode(bytes).typename).toBe('ping')
    expectCode(() => decodePacket(bytes), 'TOO_LARGE')
  })

  it('both read an empty endpoint IP (geth sends it when it does not know its address)', () => {
    const packet: Packet = {
      ...(pairs[0]!.ours as Extract<Packet, { type: 'ping' }>),
      from: { ip: '', udp: 30303, tcp: 0 },
    }
    const bytes = encodePacket(packet, key).bytes
    expect(decodePacket(bytes).packet).toEqual(packet)
    expect(theirDecode(bytes).data.from.address).toBe('')
  })

  it('they need an expiration of exactly 4 bytes', () => {
    const bytes = encodePacket(
      { ...(pairs[3]!.ours as Packet), expiration: 2 ** 32 } as Packet,
      key,
    ).bytes
    expect(() => theirDecode(bytes)).toThrow(RangeError)
  })
})

describe('the EIP-8 vectors in both', () => {
  it('from a plain Uint8Array both read ping-v4 alike', () => {
    const bytes = vectorPacket('ping-v4')
    const { data } = theirDecode(bytes)
    const { packet } = decodePacket(bytes)
    expect(packet.type === 'ping' && [packet.to.ip, packet.expiration]).toEqual([
      data.to.address,
      data.timestamp,
    ])
  })

  it('from a Buffer as node:dgram delivers it, they misread the IPv6 address and expiration', () => {
    const datagram = Buffer.from(vectorPacket('ping-v4').buffer) // byteOffset 0, like dgram's
    const { data } = theirDecode(datagram)
    expect(data.to.address).not.toBe('::1')
    expect(data.timestamp).not.toBe(0x43b9a355)
    expect(data.timestamp).toBe(0xe9614ccf) // the first 4 bytes of the packet (its hash)
    const { packet } = decodePacket(datagram)
    expect(packet.type === 'ping' && [packet.to.ip, packet.expiration]).toEqual(['::1', 0x43b9a355])
  })
})
