/**
 * The five discovery packets of EIP-8 ("Implementations should accept the following
 * encoded discovery packets as valid"). Expected fields were read by hand from the hex
 * (RLP: 0x80+n bytes, 0xc0+n lists); the signer is EIP-778's example node.
 */
import { compressPublicKey } from '@devp2p/crypto'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { decodePacket, type Packet } from '../../src/v4/index.js'
import { vectorPacket, vectors } from './helpers.js'

const EXPIRATION = 0x43b9a355 // 84 43b9a355 in every packet
const V6_A = '2001:db8:3c4d:15::abcd:ef12' // 90 20010db83c4d001500000000abcdef12
const V6_B = '2001:db8:85a3:8d3:1319:8a2e:370:7348' // 90 20010db885a308d313198a2e03707348

const expected: Record<string, Packet> = {
  // ec 04 cb[847f000001 820cfa 8215a8] d7[90 ::1 8208ae 820d05] 8443b9a355 01 02
  'ping-v4': {
    type: 'ping',
    version: 4,
    from: { ip: '127.0.0.1', udp: 0x0cfa, tcp: 0x15a8 },
    to: { ip: '::1', udp: 0x08ae, tcp: 0x0d05 },
    expiration: EXPIRATION,
    enrSeq: 1n,
  },
  // f83e 82022b d7[..] d7[..] 8443b9a355 c5[0102030405] | trailing bytes
  'ping-v555': {
    type: 'ping',
    version: 0x022b,
    from: { ip: V6_A, udp: 0x0cfa, tcp: 0x15a8 },
    to: { ip: V6_B, udp: 0x08ae, tcp: 0x823a },
    expiration: EXPIRATION,
  },
  // f846 d7[..] a0 fbc9… 8443b9a355 c6[010203 c2[0405]] 06 | trailing bytes
  pong: {
    type: 'pong',
    to: { ip: V6_B, udp: 0x08ae, tcp: 0x823a },
    pingHash: unhex('fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e790c57e91ca4461c954'),
    expiration: EXPIRATION,
  },
  // f84e b840 ca63… 8443b9a355 829999 83999999 | trailing bytes
  findnode: {
    type: 'findnode',
    target: unhex(
      'ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be00812904767bf5ccd1fc7f',
    ),
    expiration: EXPIRATION,
  },
  // f9015b f90150[4 entries] 8443b9a355 010203 | trailing bytes
  neighbours: {
    type: 'neighbors',
    nodes: [
      {
        ip: '99.33.22.55',
        udp: 0x115c,
        tcp: 0x115d,
        publicKey: unhex(
          '3155e1427f85f10a5c9a7755877748041af1bcd8d474ec065eb33df57a97babf54bfd2103575fa829115d224c523596b401065a97f74010610fce76382c0bf32',
        ),
      },
      {
        ip: '1.2.3.4',
        udp: 1,
        tcp: 1,
        publicKey: unhex(
          '312c55512422cf9b8a4097e9a6ad79402e87a15ae909a4bfefa22398f03d20951933beea1e4dfa6f968212385e829f04c2d314fc2d4e255e0d3bc08792b069db',
        ),
      },
      {
        ip: V6_A,
        udp: 0x0d05,
        tcp: 0x0d05,
        publicKey: unhex(
          '38643200b172dcfef857492156971f0e6aa2c538d8b74010f8e140811d53b98c765dd2d96126051913f44582e8c199ad7c6d6819e9a56483f637feaac9448aac',
        ),
      },
      {
        ip: V6_B,
        udp: 0x03e7,
        tcp: 0x03e8,
        publicKey: unhex(
          '8dcab8618c3253b558d459da53bd8fa68935a719aff8b811197101a4b2b47dd2d47295286fc00cc081bb542d760717d1bdd6bec2c37cd72eca367d6dd3b9df73',
        ),
      },
    ],
    expiration: EXPIRATION,
  },
}

const typeNames = ['', 'ping', 'pong', 'findnode', 'neighbors']

describe('EIP-8 discovery vectors', () => {
  it('the vector file is the one expected (5 packets, sources kept)', () => {
    expect(vectors.packets.map((p) => p.name)).toEqual(Object.keys(expected))
    expect(vectors._sources[0]?.repo).toBe('ethereum/EIPs')
  })

  for (const v of vectors.packets) {
    describe(v.name, () => {
      const bytes = unhex(v.hex)
      it('has the stated length', () => {
        expect(bytes.length).toBe(v.lengthBytes)
      })
      it(`decodes as ${typeNames[v.packetType]} with the fields of the hex`, () => {
        const { packet } = decodePacket(bytes)
        expect(packet.type).toBe(typeNames[v.packetType])
        expect(packet).toEqual(expected[v.name])
      })
      it('verifies: the hash is its first 32 bytes, the signer is the EIP-778 node', () => {
        const decoded = decodePacket(bytes)
        expect(hex(decoded.hash)).toBe(v.hex.slice(0, 64))
        expect(hex(decoded.nodeId)).toBe(vectors.signer.nodeId)
        expect(decoded.nodeIdHex).toBe(vectors.signer.nodeId)
        expect(hex(compressPublicKey(decoded.publicKey))).toBe(vectors.signer.publicKeyCompressed)
      })
    })
  }

  it('the findnode target is the signer’s own key (x matches the compressed key)', () => {
    const { packet, publicKey } = decodePacket(vectorPacket('findnode'))
    expect(packet.type === 'findnode' && hex(packet.target)).toBe(hex(publicKey))
    expect(hex(publicKey).slice(0, 64)).toBe(vectors.signer.publicKeyCompressed.slice(2))
  })

  it('results own their memory: changing the input afterwards changes nothing', () => {
    const bytes = vectorPacket('pong')
    const decoded = decodePacket(bytes)
    bytes.fill(0)
    expect(decoded.packet).toEqual(expected.pong)
    expect(hex(decoded.hash)).toBe(vectors.packets[2]!.hex.slice(0, 64))
  })

  it('a Buffer input (as node:dgram delivers) decodes the same, to plain Uint8Arrays', () => {
    const decoded = decodePacket(Buffer.from(vectorPacket('findnode')))
    expect(decoded.packet).toEqual(expected.findnode)
    const target = decoded.packet.type === 'findnode' ? decoded.packet.target : undefined
    expect(Buffer.isBuffer(target)).toBe(false)
    expect(Buffer.isBuffer(decoded.hash)).toBe(false)
  })
})
