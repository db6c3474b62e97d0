/**
 * ENR (EIP-778): the official record decodes, verifies and re-signs byte for byte; every
 * rule of the format is enforced with its code; and fast-check shows that random or
 * mutated records give an EnrError, never another exception.
 */
import { keccak256, publicKeyFromPrivate, sign } from '@devp2p/crypto'
import { encode, type RlpInput } from '@devp2p/rlp'
import { hex, unhex } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Enr, EnrError, type EnrErrorCode, parseNode } from '../src/index.js'
import { thrown } from './support.js'
import vectors from './vectors/enr.json' with { type: 'json' }

const v = vectors.record
const privateKey = unhex(v.privateKey)
const compressed = unhex(v.fields.secp256k1)

/** Signs `[seq, ...pairs]` as the v4 scheme says, with our own list (not the code under test). */
function signed(pairs: RlpInput[], seq: RlpInput = 1, key = privateKey): Uint8Array {
  const sig = sign(keccak256(encode([seq, ...pairs])), key).slice(0, 64)
  return encode([sig, seq, ...pairs])
}

const base = ['id', 'v4', 'secp256k1', compressed]
const codeOf = (bytes: Uint8Array, verify = true): EnrErrorCode => {
  const err = thrown(() => Enr.decode(bytes, { verify }))
  expect(err).toBeInstanceOf(EnrError)
  return (err as EnrError).code
}

describe('EIP-778 vector', () => {
  it('decodes the text form with its fields', () => {
    const enr = Enr.decodeText(v.text)
    expect(enr.seq).toBe(1n)
    expect(enr.id).toBe('v4')
    expect(enr.ip).toBe(v.ip)
    expect(enr.udp).toBe(v.udp)
    expect(enr.tcp).toBeUndefined()
    expect(enr.ip6).toBeUndefined()
    expect(hex(enr.nodeId)).toBe(v.nodeId)
    expect(hex(enr.signature)).toBe(v.fields.signature)
    expect(hex(enr.compressedPublicKey)).toBe(v.fields.secp256k1)
    expect(enr.keys()).toEqual(['id', 'ip', 'secp256k1', 'udp'])
    expect(hex(enr.get('ip') as Uint8Array)).toBe(v.fields.ip)
  })

  it('encodes back to the same bytes and text', () => {
    const enr = Enr.decodeText(v.text)
    expect(enr.encodeText()).toBe(v.text)
    const items = v.rlpStructure.map((item) => unhex(item.hex))
    expect(hex(enr.encode())).toBe(hex(encode(items)))
  })

  it('re-signing the content with the private key reproduces the record exactly', () => {
    const enr = Enr.create(privateKey, { seq: 1n, ip: v.ip, udp: v.udp })
    expect(enr.encodeText()).toBe(v.text)
  })

  it('parses as a node', () => {
    const node = parseNode(v.text)
    expect(hex(node.id)).toBe(v.nodeId)
    expect(node.toEnrText()).toBe(v.text)
  })
})

describe('record rules', () => {
  it('verifies signatures, and skips only that check when asked', () => {
    const bytes = signed([...base, 'udp', 1])
    const tampered = signed([...base, 'udp', 2])
    tampered.set(bytes.subarray(2, 66), 2) // the other record's signature
    expect(codeOf(tampered)).toBe('INVALID_SIGNATURE')
    expect(Enr.decode(tampered, { verify: false }).udp).toBe(2)
    const other = unhex('01'.repeat(32))
    expect(codeOf(signed([...base, 'udp', 1], 1, other))).toBe('INVALID_SIGNATURE')
  })

  it('refuses a signature that is not 64 bytes', () => {
    const body = [1, ...base]
    expect(codeOf(encode([new Uint8Array(65), ...body]), false)).toBe('INVALID_SIGNATURE')
    expect(codeOf(encode([new Uint8Array(63), ...body]), false)).toBe('INVALID_SIGNATURE')
  })

  it('refuses unsorted and duplicate keys', () => {
    expect(codeOf(signed(['secp256k1', compressed, 'id', 'v4']))).toBe('UNSORTED_KEYS')
    expect(codeOf(signed([...base, 'udp', 1, 'tcp', 2]))).toBe('UNSORTED_KEYS')
    expect(codeOf(signed([...base, 'udp', 1, 'udp', 1]))).toBe('DUPLICATE_KEY')
  })

  it('enforces the 300-byte limit both ways', () => {
    const big = signed([...base, 'z', new Uint8Array(178)])
    expect(big.length).toBeGreaterThan(300)
    expect(codeOf(big)).toBe('TOO_LARGE')
    const fits = signed([...base, 'z', new Uint8Array(177)])
    expect(fits.length).toBe(300)
    expect(Enr.decode(fits).size).toBe(300)
    expect(() => Enr.create(privateKey, { entries: { z: new Uint8Array(200) } })).toThrow(
      RangeError,
    )
    const text = `enr:${Buffer.from(big).toString('base64url')}`
    expect((thrown(() => Enr.decodeText(text)) as EnrError).code).toBe('TOO_LARGE')
  })

  it('refuses bad structure', () => {
    expect(codeOf(new Uint8Array(0))).toBe('INVALID_RLP')
    expect(codeOf(encode(new Uint8Array(5)))).toBe('INVALID_FORMAT')
    expect(codeOf(encode([new Uint8Array(64)]))).toBe('INVALID_FORMAT')
    expect(codeOf(encode([new Uint8Array(64), 1, 'id']))).toBe('INVALID_FORMAT')
    expect(codeOf(encode([[], 1, ...base]))).toBe('INVALID_FORMAT')
    expect(codeOf(signed([['id'], 'v4', 'secp256k1', compressed]))).toBe('INVALID_FORMAT')
    // seq: too long, with a leading zero, or a list.
    expect(codeOf(signed(base, new Uint8Array(9).fill(1)))).toBe('INVALID_FORMAT')
    expect(codeOf(signed(base, Uint8Array.of(0, 1)))).toBe('INVALID_FORMAT')
    expect(codeOf(signed(base, []))).toBe('INVALID_FORMAT')
    // non-canonical RLP
    expect(codeOf(Uint8Array.of(0xc2, 0x81, 0x01))).toBe('INVALID_RLP')
  })

  it('accepts the largest seq', () => {
    const seq = 2n ** 64n - 1n
    expect(Enr.decode(signed(base, seq)).seq).toBe(seq)
  })

  it('needs the v4 scheme and a valid secp256k1 key', () => {
    expect(codeOf(signed(['secp256k1', compressed]))).toBe('UNKNOWN_ID_SCHEME')
    expect(codeOf(signed(['id', 'v5', 'secp256k1', compressed]))).toBe('UNKNOWN_ID_SCHEME')
    expect(codeOf(signed(['id', 'v4']))).toBe('INVALID_PUBLIC_KEY')
    expect(codeOf(signed(['id', 'v4', 'secp256k1', compressed.subarray(1)]))).toBe(
      'INVALID_PUBLIC_KEY',
    )
    const offCurve = Uint8Array.of(0x02, ...new Uint8Array(31), 5) // x = 5: x³ + 7 = 132 is no square mod p
    expect(codeOf(signed(['id', 'v4', 'secp256k1', offCurve]), false)).toBe('INVALID_PUBLIC_KEY')
  })

  it('checks typed entries', () => {
    expect(codeOf(signed([...base, 'udp', 70000]))).toBe('INVALID_VALUE')
    expect(codeOf(signed([...base, 'udp', Uint8Array.of(0)]))).toBe('INVALID_VALUE')
    expect(codeOf(signed([...base, 'udp', Uint8Array.of(0, 0, 1)]))).toBe('INVALID_VALUE')
    // Two-byte ports with a leading zero are how @chainsafe/enr writes ports below 256.
    expect(Enr.decode(signed([...base, 'udp', Uint8Array.of(0, 5)])).udp).toBe(5)
    expect(codeOf(signed([...base, 'udp', [1]]))).toBe('INVALID_VALUE')
    expect(
      codeOf(signed(['id', 'v4', 'ip', Uint8Array.of(1, 2, 3), 'secp256k1', compressed])),
    ).toBe('INVALID_VALUE')
    expect(
      codeOf(signed(['id', 'v4', 'ip6', Uint8Array.of(1, 2, 3, 4), 'secp256k1', compressed])),
    ).toBe('INVALID_VALUE')
  })

  it('refuses bad text', () => {
    const err = (text: string) => (thrown(() => Enr.decodeText(text)) as EnrError).code
    expect(err(v.text.slice(4))).toBe('MISSING_PREFIX')
    expect(err(`ENR:${v.text.slice(4)}`)).toBe('MISSING_PREFIX')
    expect(err(`${v.text}=`)).toBe('INVALID_BASE64')
    expect(err(`${v.text.slice(0, 20)}+${v.text.slice(21)}`)).toBe('INVALID_BASE64')
    expect(err('enr:A')).toBe('INVALID_BASE64')
    expect(err(v.text.slice(0, -4))).toBe('INVALID_RLP')
  })
})

describe('creating records', () => {
  it('writes all typed entries and raw ones, keys sorted', () => {
    const forkId = [[unhex('fc64ec04'), 1150000]]
    const enr = Enr.create(privateKey, {
      seq: 7n,
      ip: '10.0.0.1',
      tcp: 30303,
      udp: 30301,
      ip6: '2001:db8::1',
      tcp6: 30304,
      udp6: 30305,
      entries: { eth: forkId, snap: [] },
    })
    const again = Enr.decode(enr.encode())
    expect(again.keys()).toEqual([
      'eth',
      'id',
      'ip',
      'ip6',
      'secp256k1',
      'snap',
      'tcp',
      'tcp6',
      'udp',
      'udp6',
    ])
    expect(again).toMatchObject({
      seq: 7n,
      ip: '10.0.0.1',
      tcp: 30303,
      udp: 30301,
      ip6: '2001:db8::1',
      tcp6: 30304,
      udp6: 30305,
    })
    expect(again.get('eth')).toEqual([[unhex('fc64ec04'), unhex('118c30')]])
    expect(again.get('snap')).toEqual([])
    expect(again.has('les')).toBe(false)
    expect(hex(again.publicKey)).toBe(hex(publicKeyFromPrivate(privateKey)))
  })

  it('refuses misuse with TypeError or RangeError', () => {
    expect(() => Enr.create(new Uint8Array(32))).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { ip: '::1' })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { ip6: '1.2.3.4' })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { tcp: 65536 })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { seq: -1n })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { seq: 2n ** 64n })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { entries: { id: 'v5' } })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { udp: 1, entries: { udp: 2 } })).toThrow(RangeError)
    expect(() => Enr.create(privateKey, { entries: { ip: Uint8Array.of(1) } })).toThrow(RangeError)
    expect(() => Enr.decode('x' as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('keeps its own copy of the input', () => {
    const bytes = Enr.decodeText(v.text).encode()
    const enr = Enr.decode(bytes)
    bytes.fill(0)
    expect(enr.encodeText()).toBe(v.text)
  })
})

describe('record properties', () => {
  const vectorBytes = Enr.decodeText(v.text).encode()
  const expectEnrError = (fn: () => unknown) => {
    const err = thrown(fn)
    if (err !== undefined) expect(err).toBeInstanceOf(EnrError)
  }

  it('random bytes give an EnrError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) =>
        expectEnrError(() => Enr.decode(bytes)),
      ),
      { numRuns: 3000 },
    )
  })

  it('random text gives an EnrError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 420 }), (s) => {
        expectEnrError(() => Enr.decodeText(s))
        expectEnrError(() => Enr.decodeText(`enr:${s}`))
      }),
      { numRuns: 3000 },
    )
  })

  it('mutated records give an EnrError; only the original verifies', () => {
    const mutation = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))
    fc.assert(
      fc.property(mutation, ([at, xor]) => {
        const bytes = vectorBytes.slice()
        bytes[at % bytes.length]! ^= xor
        const err = thrown(() => Enr.decode(bytes))
        expect(err).toBeInstanceOf(EnrError)
        expectEnrError(() => Enr.decode(bytes, { verify: false }))
      }),
      { numRuns: 2000 },
    )
  })

  it('well-formed random records round-trip', () => {
    const key = fc
      .stringMatching(/^[a-z]{1,6}$/)
      .filter((k) => !['id', 'secp256k1', 'ip', 'ip6', 'tcp', 'udp', 'tcp6', 'udp6'].includes(k))
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.nat(),
      fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }),
    )
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.dictionary(key, value, { maxKeys: 5 }),
        fc.option(fc.ipV4(), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
        (seq, entries, ip, udp) => {
          const enr = Enr.create(privateKey, { seq, ip, udp, entries })
          const again = Enr.decodeText(enr.encodeText())
          expect(again.seq).toBe(seq)
          expect(again.ip).toBe(ip)
          expect(again.udp).toBe(udp)
          expect(again.keys()).toEqual([...again.keys()].sort())
          for (const k of Object.keys(entries)) expect(again.has(k)).toBe(true)
          expect(hex(again.encode())).toBe(hex(enr.encode()))
        },
      ),
      { numRuns: 200 },
    )
  })
})
