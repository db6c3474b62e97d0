/**
 * Property tests (fast-check): random and structured input never escapes as anything
 * but a DiscoveryError with the code of the first failing check; random packets round-trip;
 * changed bytes behind a recomputed hash never keep the original signer.
 */
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { Enr, ipFromBytes } from '@devp2p/enode'
import { decode, encode, type RlpValue } from '@devp2p/rlp'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type DecodedPacket,
  DiscoveryError,
  type DiscoveryErrorCode,
  decodePacket,
  type Endpoint,
  encodePacket,
  type NeighborsNode,
  type Packet,
  type PingPacket,
  type PongPacket,
} from '../../src/v4/index.js'
import { rehash, seal, signingKey, vectors } from './helpers.js'

/** The outcome of decoding: the packet, or the DiscoveryError's code; anything else fails. */
function outcome(bytes: Uint8Array): DecodedPacket | DiscoveryErrorCode {
  try {
    return decodePacket(bytes)
  } catch (err) {
    if (err instanceof DiscoveryError) return err.code
    throw err
  }
}

const keys = Array.from({ length: 6 }, () => generatePrivateKey())
const publicKeys = keys.map((k) => publicKeyFromPrivate(k))
const records = keys.map((k, i) =>
  Enr.create(k, { seq: BigInt(i + 1), ip: `192.0.2.${i + 1}`, udp: 30303 }),
)

describe('random bytes', () => {
  it('fail by size, else by hash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (bytes) => {
        const expected =
          bytes.length < 98 ? 'TOO_SMALL' : bytes.length > 1280 ? 'TOO_LARGE' : 'BAD_HASH'
        expect(outcome(bytes)).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })

  it('behind a valid hash: UNKNOWN_TYPE for types outside 1–6, else a shape or signature code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 98, maxLength: 1280 }), (raw) => {
        const result = outcome(rehash(raw))
        if (raw[97]! < 1 || raw[97]! > 6) expect(result).toBe('UNKNOWN_TYPE')
        else if (typeof result === 'string')
          expect(['MALFORMED', 'BAD_SIGNATURE', 'BAD_RECORD']).toContain(result)
      }),
      { numRuns: 2000 },
    )
  })
})

/** RLP trees made of the pieces real packets contain, so some come out well-formed. */
const piece = fc.oneof(
  fc
    .constantFrom(0, 1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65)
    .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  fc.integer({ min: 0, max: 0x1ffff }).map((n) => encodeInt(n)),
  fc.constant(publicKeys[0]!),
)
const { tree } = fc.letrec<{ tree: RlpValue }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, piece, fc.array(tie('tree'), { maxLength: 6 })),
}))

function encodeInt(n: number): Uint8Array {
  const out: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256)
  return Uint8Array.from(out)
}

/**
 * A valid packet's items with random damage: any item may be replaced by a random tree,
 * lists may lose their tail or gain extra items.
 */
function perturbed(template: RlpValue): fc.Arbitrary<RlpValue> {
  const kept: fc.Arbitrary<RlpValue> = Array.isArray(template)
    ? fc
        .tuple(
          fc.tuple(...template.map(perturbed)),
          fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.nat(template.length)),
          fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(tree, { maxLength: 3 })),
        )
        .map(([items, drop, extra]) => [...items.slice(0, items.length - drop), ...extra])
    : fc.constant(template)
  return fc.oneof({ weight: 6, arbitrary: kept }, { weight: 1, arbitrary: tree })
}

const signerRecord = Enr.create(signingKey, { seq: 3n, ip: '192.0.2.1', udp: 30303 })
const ep4 = [Uint8Array.of(192, 0, 2, 1), encodeInt(30303), encodeInt(30304)]
const ep6 = [new Uint8Array(16).fill(0x20), encodeInt(1), new Uint8Array(0)]
const exp = encodeInt(1_767_225_600)
const templates: RlpValue[] = [
  [],
  [encodeInt(4), ep4, ep6, exp, encodeInt(7)],
  [ep6, new Uint8Array(32), exp, encodeInt(7)],
  [publicKeys[1]!, exp],
  [
    [
      [...ep4, publicKeys[2]!],
      [...ep6, publicKeys[3]!],
    ],
    exp,
  ],
  [exp],
  [new Uint8Array(32), decode(signerRecord.encode())],
]

describe('structured data, validly hashed and signed', () => {
  it('the damage-free templates decode (so the generator starts from valid packets)', () => {
    for (let type = 1; type <= 6; type++) {
      const result = outcome(seal(type, encode(templates[type]!)))
      expect(typeof result === 'string' ? result : result.nodeIdHex).toBe(vectors.signer.nodeId)
    }
  })

  it('decodes, or fails with MALFORMED (or BAD_RECORD), with the signer when it decodes', () => {
    const seen = new Map<string, number>()
    const items = fc
      .integer({ min: 1, max: 6 })
      .chain((type) =>
        fc.tuple(
          fc.constant(type),
          fc.oneof(perturbed(templates[type]!), fc.array(tree, { maxLength: 6 })),
        ),
      )
    fc.assert(
      fc.property(items, ([type, items]) => {
        const data = encode(items)
        if (98 + data.length > 1280) return
        const result = outcome(seal(type, data))
        const key = typeof result === 'string' ? result : result.packet.type
        seen.set(key, (seen.get(key) ?? 0) + 1)
        if (typeof result === 'string') {
          expect(result === 'MALFORMED' || (type === 6 && result === 'BAD_RECORD')).toBe(true)
        } else {
          expect(result.nodeIdHex).toBe(vectors.signer.nodeId)
        }
      }),
      { numRuns: 3000 },
    )
    // the generator reaches both sides: packets that decode and packets that do not
    expect(seen.get('MALFORMED')).toBeGreaterThan(0)
    for (const type of ['ping', 'pong', 'findnode', 'neighbors', 'enrrequest', 'enrresponse']) {
      expect(seen.get(type), type).toBeGreaterThan(0)
    }
  })
})

describe('changed bytes behind a recomputed hash', () => {
  it('never decode with the original signer', () => {
    const packets = vectors.packets.map((p) => Uint8Array.from(Buffer.from(p.hex, 'hex')))
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: packets.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, at, delta) => {
          const packet = packets[which]!.slice()
          const i = 32 + (at % (packet.length - 32))
          packet[i] = (packet[i]! + delta) & 0xff
          const result = outcome(rehash(packet))
          if (typeof result !== 'string') expect(result.nodeIdHex).not.toBe(vectors.signer.nodeId)
        },
      ),
      { numRuns: 1500 },
    )
  })
})

// ---------------------------------------------------------------- round trips

/** IP text from raw bytes: 4 bytes, or 16 that are not IPv4-mapped (those decode as IPv4). */
const ip = fc
  .oneof(
    fc.uint8Array({ minLength: 4, maxLength: 4 }),
    fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .filter(
        (b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff),
      ),
  )
  .map(ipFromBytes)
const port = fc.integer({ min: 0, max: 65535 })
const endpoint: fc.Arbitrary<Endpoint> = fc.record({
  ip: fc.oneof(ip, fc.constant('')),
  udp: port,
  tcp: port,
})
const expiration = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const enrSeq = fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: undefined })
const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const node: fc.Arbitrary<NeighborsNode> = fc.record({
  ip,
  udp: port,
  tcp: port,
  publicKey: fc.constantFrom(...publicKeys),
})
const withSeq = (p: PingPacket | PongPacket, seq: bigint | undefined): Packet =>
  seq === undefined ? p : { ...p, enrSeq: seq }

const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc
    .tuple(fc.nat(), endpoint, endpoint, expiration, enrSeq)
    .map(([version, from, to, exp, seq]) =>
      withSeq({ type: 'ping' as const, version, from, to, expiration: exp }, seq),
    ),
  fc
    .tuple(endpoint, bytesN(32), expiration, enrSeq)
    .map(([to, pingHash, exp, seq]) =>
      withSeq({ type: 'pong' as const, to, pingHash, expiration: exp }, seq),
    ),
  fc.record({ type: fc.constant('findnode' as const), target: bytesN(64), expiration }),
  fc.record({
    type: fc.constant('neighbors' as const),
    nodes: fc.array(node, { maxLength: 12 }),
    expiration,
  }),
  fc.record({ type: fc.constant('enrrequest' as const), expiration }),
  fc.integer({ min: 0, max: keys.length - 1 }).chain((signer) =>
    fc.record({
      type: fc.constant('enrresponse' as const),
      requestHash: bytesN(32),
      record: fc.constant(records[signer]!),
      signer: fc.constant(signer),
    }),
  ) as fc.Arbitrary<Packet>,
)

describe('random packets', () => {
  it('encode → decode gives the packet, its hash and the signer back', () => {
    fc.assert(
      fc.property(packet, fc.integer({ min: 0, max: keys.length - 1 }), (p, k) => {
        // an ENRResponse must be signed by the record's own key
        const { signer, ...packetOnly } = p as Packet & { signer?: number }
        const key = keys[signer ?? k]!
        const { bytes, hash } = encodePacket(packetOnly as Packet, key)
        expect(bytes.length).toBeLessThanOrEqual(1280)
        const decoded = decodePacket(bytes)
        expect(decoded.packet).toEqual(packetOnly)
        expect('enrSeq' in decoded.packet).toBe('enrSeq' in packetOnly)
        expect(decoded.hash).toEqual(hash)
        expect(decoded.nodeId).toEqual(keccak256(publicKeys[signer ?? k]!))
      }),
      { numRuns: 500 },
    )
  })
})
