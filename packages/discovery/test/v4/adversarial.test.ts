/**
 * Hostile and broken input: every failure is a DiscoveryError with the code of the first
 * check that fails, in the documented order (size, hash, type, shape, signature,
 * record), never another exception.
 */
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, EnodeError, Enr } from '@devp2p/enode'
import { decode, encode, type RlpInput } from '@devp2p/rlp'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  DiscoveryError,
  decodePacket,
  encodePacket,
  isExpired,
  type Packet,
} from '../../src/v4/index.js'
import {
  be,
  discoveryError,
  expectCode,
  otherKey,
  otherPublicKey,
  rehash,
  seal,
  signingKey,
  vectorPacket,
  vectors,
} from './helpers.js'

const T = 1_767_225_600
const ip4 = unhex('c0000201')
const ep: RlpInput = [ip4, be(30303), be(30303)]
const pingData = encode([be(4), ep, ep, be(T)])
const hash32 = new Uint8Array(32).fill(7)

/** One valid packet of each type, encoded by us. */
const ours: Uint8Array[] = (
  [
    {
      type: 'ping',
      version: 4,
      from: { ip: '192.0.2.1', udp: 1, tcp: 2 },
      to: { ip: '::1', udp: 3, tcp: 4 },
      expiration: T,
      enrSeq: 3n,
    },
    { type: 'pong', to: { ip: '192.0.2.1', udp: 1, tcp: 2 }, pingHash: hash32, expiration: T },
    { type: 'findnode', target: otherPublicKey, expiration: T },
    {
      type: 'neighbors',
      nodes: [{ ip: '192.0.2.9', udp: 30303, tcp: 30303, publicKey: otherPublicKey }],
      expiration: T,
    },
    { type: 'enrrequest', expiration: T },
    {
      type: 'enrresponse',
      requestHash: hash32,
      record: Enr.create(signingKey, { seq: 2n, ip: '192.0.2.1', udp: 30303 }),
    },
  ] satisfies Packet[]
).map((p) => encodePacket(p, signingKey).bytes)
const valid = [...vectors.packets.map((p) => unhex(p.hex)), ...ours]

describe('size', () => {
  it('every length below 98 bytes is TOO_SMALL (a prefix of a valid packet, or zeros)', () => {
    const packet = vectorPacket('ping-v4')
    for (let n = 0; n < 98; n++) {
      expectCode(() => decodePacket(packet.subarray(0, n)), 'TOO_SMALL')
      expectCode(() => decodePacket(new Uint8Array(n)), 'TOO_SMALL')
    }
  })
  it('a validly hashed and signed packet of 1281 bytes is TOO_LARGE; so is 64 KiB', () => {
    const data = new Uint8Array(1281 - 98)
    data.set(pingData)
    const packet = seal(1, data)
    expect(packet.length).toBe(1281)
    expectCode(() => decodePacket(packet), 'TOO_LARGE')
    expectCode(() => decodePacket(new Uint8Array(65536)), 'TOO_LARGE')
  })
  it('misuse: something other than bytes is a TypeError', () => {
    expect(() => decodePacket('00' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('hash', () => {
  it('every truncation of every valid packet (≥ 98 bytes) is BAD_HASH', () => {
    for (const packet of valid) {
      for (let n = 98; n < packet.length; n++) {
        expectCode(() => decodePacket(packet.subarray(0, n)), 'BAD_HASH')
      }
    }
  })
  it('every single-byte change of every valid packet is BAD_HASH', () => {
    const codes = new Map<string, number>() // code (or the other outcome) → how often
    for (const packet of valid) {
      const copy = packet.slice()
      for (let i = 0; i < copy.length; i++) {
        const original = copy[i]!
        for (let delta = 1; delta < 256; delta++) {
          copy[i] = (original + delta) & 0xff
          let outcome = 'decoded'
          try {
            decodePacket(copy)
          } catch (err) {
            outcome = err instanceof DiscoveryError ? err.code : `other: ${String(err)}`
          }
          codes.set(outcome, (codes.get(outcome) ?? 0) + 1)
        }
        copy[i] = original
      }
    }
    expect(Object.fromEntries(codes)).toEqual({
      BAD_HASH: valid.reduce((n, p) => n + p.length * 255, 0),
    })
  })
  it('an appended byte is BAD_HASH (the hash covers the trailing bytes)', () => {
    for (const packet of valid) {
      const longer = new Uint8Array(packet.length + 1)
      longer.set(packet)
      expectCode(() => decodePacket(longer), 'BAD_HASH')
    }
  })
})

describe('packet type (checked before the RLP and the signature)', () => {
  it('a valid signature over a well-formed ping, with an unknown type byte, is UNKNOWN_TYPE', () => {
    for (const type of [0, 7, 8, 0x7f, 0x80, 0xff]) {
      expectCode(() => decodePacket(seal(type, pingData)), 'UNKNOWN_TYPE')
    }
  })
  it('an unknown type with garbage data and a zero signature is still UNKNOWN_TYPE', () => {
    const packet = new Uint8Array(150).fill(0xee)
    packet.fill(0, 32, 97)
    packet[97] = 9
    expectCode(() => decodePacket(rehash(packet)), 'UNKNOWN_TYPE')
  })
})

describe('shape (checked before the signature)', () => {
  it('garbage data under a valid hash and a zero signature is MALFORMED, not BAD_SIGNATURE', () => {
    for (let type = 1; type <= 6; type++) {
      const packet = new Uint8Array(200).fill(0xff)
      packet.fill(0, 32, 97)
      packet[97] = type
      expectCode(() => decodePacket(rehash(packet)), 'MALFORMED')
    }
  })
  it('98 bytes (no data at all) is MALFORMED', () => {
    for (let type = 1; type <= 6; type++)
      expectCode(() => decodePacket(seal(type, new Uint8Array(0))), 'MALFORMED')
  })

  const cases: [string, number, RlpInput][] = [
    ['ping: data is bytes, not a list', 1, unhex('aabb')],
    ['ping: 3 items', 1, [be(4), ep, ep]],
    ['ping: endpoint of 2 items', 1, [be(4), [ip4, be(1)], ep, be(T)]],
    ['ping: endpoint is bytes', 1, [be(4), ip4, ep, be(T)]],
    ['ping: udp port 65536', 1, [be(4), [ip4, be(65536), be(1)], ep, be(T)]],
    ['ping: tcp port of 3 bytes, padded', 1, [be(4), [ip4, be(1), unhex('000050')], ep, be(T)]],
    ['ping: udp port is a list', 1, [be(4), [ip4, [], be(1)], ep, be(T)]],
    ['ping: expiration of 9 bytes', 1, [be(4), ep, ep, unhex('010000000000000000')]],
    ['ping: expiration is a list', 1, [be(4), ep, ep, []]],
    ['ping: version with a leading zero', 1, [unhex('0004'), ep, ep, be(T)]],
    ['pong: 31-byte ping hash', 2, [ep, new Uint8Array(31), be(T)]],
    ['pong: 33-byte ping hash', 2, [ep, new Uint8Array(33), be(T)]],
    ['pong: no expiration', 2, [ep, hash32]],
    ['findnode: 63-byte target', 3, [new Uint8Array(63), be(T)]],
    ['findnode: 65-byte target', 3, [new Uint8Array(65), be(T)]],
    ['findnode: empty list', 3, []],
    ['neighbors: nodes is bytes', 4, [unhex('01'), be(T)]],
    ['neighbors: entry of 3 items', 4, [[[ip4, be(30303), be(30303)]], be(T)]],
    ['neighbors: entry is bytes', 4, [[ip4], be(T)]],
    ['neighbors: 63-byte key', 4, [[[ip4, be(30303), be(30303), new Uint8Array(63)]], be(T)]],
    [
      'neighbors: port 70000 (also when the IP is unusable)',
      4,
      [[[new Uint8Array(3), be(70000), be(1), otherPublicKey]], be(T)],
    ],
    ['enrrequest: empty list', 5, []],
    ['enrrequest: expiration is a list', 5, [[be(T)]]],
    ['enrresponse: record is bytes', 6, [hash32, unhex('c0')]],
    ['enrresponse: 31-byte request hash', 6, [new Uint8Array(31), []]],
    ['enrresponse: no record', 6, [hash32]],
  ]
  for (const [what, type, data] of cases) {
    it(`${what}: MALFORMED`, () => {
      const error = discoveryError(() => decodePacket(seal(type, encode(data))))
      expect(error.code).toBe('MALFORMED')
    })
  }
  it('data that is not RLP (a length past the end) is MALFORMED with the RlpError as cause', () => {
    const error = discoveryError(() => decodePacket(seal(1, unhex('f90500'))))
    expect(error.code).toBe('MALFORMED')
    expect((error.cause as { code?: string }).code).toBe('TRUNCATED')
  })
})

describe('signature', () => {
  const sealWith = (signature: Uint8Array) => {
    const packet = new Uint8Array(98 + pingData.length)
    packet.set(signature, 32)
    packet[97] = 1
    packet.set(pingData, 98)
    return rehash(packet)
  }
  const n = unhex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
  it('r = s = 0 is BAD_SIGNATURE', () => {
    expectCode(() => decodePacket(sealWith(new Uint8Array(65))), 'BAD_SIGNATURE')
  })
  it('r = n (out of range) is BAD_SIGNATURE', () => {
    const sig = new Uint8Array(65)
    sig.set(n, 0)
    sig.set(be(1), 63)
    expectCode(() => decodePacket(sealWith(sig)), 'BAD_SIGNATURE')
  })
  it('a recovery id above 3 is BAD_SIGNATURE', () => {
    const good = seal(1, pingData)
    const sig = good.slice(32, 97)
    for (const v of [4, 27, 28, 255]) {
      sig[64] = v
      expectCode(() => decodePacket(sealWith(sig)), 'BAD_SIGNATURE')
    }
  })
  it('the other recovery id recovers another key, never the signer', () => {
    const good = seal(1, pingData)
    const sig = good.slice(32, 97)
    sig[64] = sig[64]! ^ 1
    let other: string | undefined
    try {
      other = decodePacket(sealWith(sig)).nodeIdHex
    } catch (err) {
      expect(
        discoveryError(() => {
          throw err
        }).code,
      ).toBe('BAD_SIGNATURE')
    }
    expect(other).not.toBe(vectors.signer.nodeId)
  })
})

describe('the enr-seq slot of Ping and Pong', () => {
  const ping = (slot: RlpInput) =>
    decodePacket(seal(1, encode([be(4), ep, ep, be(T), slot]))).packet
  const pong = (slot: RlpInput) => decodePacket(seal(2, encode([ep, hash32, be(T), slot]))).packet
  it('a canonical uint64 is the enr-seq, 0 to 2^64 − 1', () => {
    expect(ping(new Uint8Array(0))).toMatchObject({ enrSeq: 0n })
    expect(ping(unhex('7f'))).toMatchObject({ enrSeq: 127n })
    expect(pong(unhex('ffffffffffffffff'))).toMatchObject({ enrSeq: 2n ** 64n - 1n })
  })
  for (const [what, slot] of [
    ['a list (as in the EIP-8 vectors)', [unhex('01'), unhex('02')]],
    ['an empty list', []],
    ['9 bytes', unhex('010000000000000000')],
    ['a leading zero', unhex('0001')],
  ] as [string, RlpInput][]) {
    it(`${what} means absent, and the packet is kept`, () => {
      expect('enrSeq' in ping(slot)).toBe(false)
      expect('enrSeq' in pong(slot)).toBe(false)
    })
  }
})

describe('Neighbors entries without a usable IP are skipped and counted, the packet kept', () => {
  const good = [unhex('c0000209'), be(30303), be(30303), otherPublicKey]
  const decodeNodes = (entries: RlpInput[]) => {
    const { packet } = decodePacket(seal(4, encode([entries, be(T)])))
    if (packet.type !== 'neighbors') throw new Error('not neighbors')
    return packet
  }
  it('an IP of 0, 3, 5 or 15 bytes', () => {
    for (const length of [0, 3, 5, 15]) {
      const packet = decodeNodes([
        good,
        [new Uint8Array(length), be(30303), be(30303), otherPublicKey],
      ])
      expect(packet.nodes.map((n) => n.ip)).toEqual(['192.0.2.9'])
      expect(packet.skipped).toBe(1)
    }
  })
  it('a key that is not on secp256k1 is kept for the conversion, which refuses it', () => {
    const offCurve = otherPublicKey.slice()
    offCurve[63] = offCurve[63]! ^ 1
    const bad = [new Uint8Array(64), new Uint8Array(64).fill(0xff), offCurve]
    const packet = decodeNodes([...bad.map((key) => [unhex('c0000201'), be(1), be(1), key]), good])
    expect(packet.nodes.map((n) => hex(n.publicKey))).toEqual([...bad, otherPublicKey].map(hex))
    expect('skipped' in packet).toBe(false)
    // the documented next step: ENode.fromPublicKey checks the key, as geth's nodeFromRPC
    const usable = packet.nodes.filter((n) => {
      try {
        ENode.fromPublicKey(n.publicKey, { ip: n.ip, udp: n.udp, tcp: n.tcp })
        return true
      } catch (err) {
        expect(err).toBeInstanceOf(EnodeError)
        return false
      }
    })
    expect(usable.map((n) => n.ip)).toEqual(['192.0.2.9'])
  })
  it('a packet with nothing usable left', () => {
    const packet = decodeNodes([
      [new Uint8Array(5), be(1), be(1), otherPublicKey],
      [new Uint8Array(0), be(1), be(1), otherPublicKey],
    ])
    expect(packet.nodes).toEqual([])
    expect(packet.skipped).toBe(2)
  })
  it('nothing skipped: no `skipped` field', () => {
    expect('skipped' in decodeNodes([good])).toBe(false)
  })
})

describe('the ENRResponse record (checked after the signature)', () => {
  const response =
    (record: RlpInput, key = signingKey) =>
    () =>
      decodePacket(seal(6, encode([hash32, record]), key))
  const mine = Enr.create(signingKey, { seq: 5n, ip: '192.0.2.1', udp: 30303 })
  it('a valid record of the signer decodes', () => {
    const { packet } = response(decode(mine.encode()))()
    expect(packet.type === 'enrresponse' && packet.record.seq).toBe(5n)
  })
  it('the record of another node is BAD_RECORD', () => {
    expectCode(response(decode(mine.encode()), otherKey), 'BAD_RECORD')
  })
  it('a record whose signature does not verify is BAD_RECORD', () => {
    const bytes = mine.encode()
    const items = decode(bytes) as Uint8Array[]
    items[1] = be(6) // seq changed after signing
    expectCode(response(items), 'BAD_RECORD')
  })
  it('a list that is no record, and a record over 300 bytes, are BAD_RECORD', () => {
    expectCode(response([]), 'BAD_RECORD')
    expectCode(response([new Uint8Array(64), be(1), unhex('6964'), unhex('7634')]), 'BAD_RECORD')
    expectCode(
      response([new Uint8Array(64), be(1), unhex('7a'), new Uint8Array(300)]),
      'BAD_RECORD',
    )
  })
  it('a bad record in a packet with a bad signature is BAD_SIGNATURE (signature first)', () => {
    const packet = seal(6, encode([hash32, []]))
    packet.fill(0, 32, 97)
    expectCode(() => decodePacket(rehash(packet)), 'BAD_SIGNATURE')
  })
})

describe('wide integers', () => {
  // geth reads the 8-byte expiration as a signed time (`time.Unix(int64(e), 0)`), and its
  // `devp2p discv4 test` sends `-futureExpiration()`: the 64-bit two's complement of a
  // time 20 s ahead, which must be expired, not 292 billion years ahead.
  it('an expiration of 2^64 − 1 is −1 (signed, as geth reads it), so expired', () => {
    const { packet } = decodePacket(seal(5, encode([unhex('ffffffffffffffff')])))
    expect(packet).toEqual({ type: 'enrrequest', expiration: -1 })
    expect(isExpired(-1, 0)).toBe(true)
  })
  it("the two's complement of a time 20 s ahead (geth's PastExpiration cases) is expired", () => {
    const nowMs = T * 1000
    const future = BigInt(T + 20)
    const wire = (1n << 64n) - future
    expect(unhex(wire.toString(16))).toHaveLength(8)
    const ping = decodePacket(seal(1, encode([be(4), ep, ep, wire]))).packet
    const findnode = decodePacket(seal(3, encode([new Uint8Array(64).fill(1), wire]))).packet
    const enrrequest = decodePacket(seal(5, encode([wire]))).packet
    for (const packet of [ping, findnode, enrrequest]) {
      if (!('expiration' in packet)) throw new Error(`${packet.type} has no expiration`)
      expect(packet.expiration).toBe(-(T + 20))
      expect(isExpired(packet.expiration, nowMs)).toBe(true)
    }
  })
  it('2^63 − 1, the largest positive signed time, is far ahead and not expired', () => {
    const { packet } = decodePacket(seal(5, encode([unhex('7fffffffffffffff')])))
    expect(packet).toEqual({ type: 'enrrequest', expiration: 2 ** 63 })
    expect(isExpired(2 ** 63, Date.now())).toBe(false)
  })
  it('a version of 2^64 − 1 is accepted (EIP-8: ignore version mismatches)', () => {
    const { packet } = decodePacket(seal(1, encode([unhex('ffffffffffffffff'), ep, ep, be(T)])))
    expect(packet.type === 'ping' && packet.version).toBe(2 ** 64)
  })
})

describe('another signer', () => {
  it('a packet signed by a fresh key reports that key and its node id', () => {
    const key = generatePrivateKey()
    const { publicKey, nodeId } = decodePacket(seal(5, encode([be(T)]), key))
    expect(hex(publicKey)).toBe(hex(publicKeyFromPrivate(key)))
    expect(hex(nodeId)).toBe(hex(keccak256(publicKeyFromPrivate(key))))
  })
})
