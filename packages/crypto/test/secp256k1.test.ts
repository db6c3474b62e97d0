import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CryptoError,
  compressPublicKey,
  cryptoBackends,
  decodePublicKey,
  ecdh,
  generatePrivateKey,
  isValidPrivateKey,
  keccak256,
  publicKeyFromPrivate,
  recoverPublicKey,
  sign,
  useBackend,
  validatePublicKey,
  verify,
} from '../src/index.js'
import {
  bigToBytes,
  bytesToBig,
  concat,
  curveY,
  hex,
  loadVectors,
  N,
  P,
  smallCurvePoint,
  unhex,
} from './support.js'

interface RlpxVectors {
  keys: Record<'staticKeyA' | 'staticKeyB' | 'ephemeralKeyA' | 'ephemeralKeyB', string>
  derivedByCollector: Record<
    'staticPubA' | 'staticPubB' | 'ephemeralPubA' | 'ephemeralPubB',
    string
  >
}
interface GethEcies {
  sharedKeyStatic: { privateKey1: string; privateKey2: string; sharedX: string }
  publicKeys: { privateKey: string; x: string; y: string }[]
}
interface EnrVectors {
  record: {
    text: string
    privateKey: string
    nodeId: string
    fields: { signature: string; secp256k1: string }
  }
}
interface Discv4Vectors {
  signer: { publicKeyCompressed: string }
  packets: { name: string; hex: string }[]
}

const rlpx = loadVectors<RlpxVectors>('rlpx-handshake.json')
const geth = loadVectors<GethEcies>('geth-ecies.json')
const enr = loadVectors<EnrVectors>('enr.json').record
const discv4 = loadVectors<Discv4Vectors>('discv4-packets.json')

const G_X = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
const G_Y = '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'

/**
 * The ENR's signed content rlp([seq, "id", "v4", "ip", 127.0.0.1, "secp256k1", key,
 * "udp", 30303]), RLP-encoded by hand from the vector's `rlpStructure`.
 */
const ENR_CONTENT = unhex(
  `f84201826964827634826970847f00000189736563703235366b31a1${enr.fields.secp256k1}8375647082765f`,
)

function expectCryptoError(fn: () => unknown, code: string): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught, 'expected a CryptoError').toBeInstanceOf(CryptoError)
  expect((caught as CryptoError).code).toBe(code)
}

/** Runs `fn`; any exception other than CryptoError fails the test. */
function onlyCryptoErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof CryptoError)) throw err
  }
}

const privateKeyArb = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => bigToBytes(k))
const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

const initial = cryptoBackends()
afterAll(() => useBackend({ secp256k1: initial.secp256k1 }))

describe('the hand-encoded ENR content matches the record', () => {
  it('record = rlp([signature, ...content items]): its tail equals the content payload', () => {
    const record = Buffer.from(enr.text.slice(4), 'base64url')
    // f884 = list of 0x84 bytes; b840 = 64-byte signature string.
    expect(hex(record.subarray(0, 4))).toBe('f884b840')
    expect(hex(record.subarray(4, 68))).toBe(enr.fields.signature)
    expect(hex(record.subarray(68))).toBe(hex(ENR_CONTENT.subarray(2)))
  })
})

describe.each(['native', 'noble'] as const)('secp256k1 with the %s backend', (backend) => {
  beforeAll(() => useBackend({ secp256k1: backend }))

  it('is the backend in use', () => {
    expect(cryptoBackends().secp256k1).toBe(backend)
  })

  describe('keys', () => {
    it('public keys of the RLPx vector keys match the vectors (64-byte x ‖ y)', () => {
      expect(hex(publicKeyFromPrivate(unhex(rlpx.keys.staticKeyA)))).toBe(
        rlpx.derivedByCollector.staticPubA,
      )
      expect(hex(publicKeyFromPrivate(unhex(rlpx.keys.staticKeyB)))).toBe(
        rlpx.derivedByCollector.staticPubB,
      )
      expect(hex(publicKeyFromPrivate(unhex(rlpx.keys.ephemeralKeyA)))).toBe(
        rlpx.derivedByCollector.ephemeralPubA,
      )
      expect(hex(publicKeyFromPrivate(unhex(rlpx.keys.ephemeralKeyB)))).toBe(
        rlpx.derivedByCollector.ephemeralPubB,
      )
    })

    it("public keys match go-ethereum's known answers, including a key with a leading zero byte", () => {
      for (const { privateKey, x, y } of geth.publicKeys) {
        expect(hex(publicKeyFromPrivate(unhex(privateKey)))).toBe(x + y)
      }
      expect(hex(publicKeyFromPrivate(bigToBytes(1n)))).toBe(G_X + G_Y)
    })

    it("the compressed form is 33 bytes and matches EIP-778's key", () => {
      expect(hex(publicKeyFromPrivate(unhex(enr.privateKey), { compressed: true }))).toBe(
        enr.fields.secp256k1,
      )
      expect(hex(keccak256(publicKeyFromPrivate(unhex(enr.privateKey))))).toBe(enr.nodeId)
    })

    it('decodePublicKey accepts the 33, 64 and 65-byte forms and returns the same 64 bytes, never the input array', () => {
      fc.assert(
        fc.property(privateKeyArb, (priv) => {
          const raw = publicKeyFromPrivate(priv)
          const compressed = publicKeyFromPrivate(priv, { compressed: true })
          const uncompressed = concat(Uint8Array.of(4), raw)
          // Buffers too: their slice() is a view, not a copy
          const forms = [raw, compressed, uncompressed].flatMap((f) => [f, Buffer.from(f)])
          for (const form of forms) {
            const before = hex(form)
            const decoded = decodePublicKey(form)
            expect(hex(decoded)).toBe(hex(raw))
            decoded.fill(0)
            expect(hex(form)).toBe(before)
          }
          expect(hex(compressPublicKey(raw))).toBe(hex(compressed))
          expect(hex(compressPublicKey(uncompressed))).toBe(hex(compressed))
          expect(hex(compressPublicKey(compressed))).toBe(hex(compressed))
          expect(hex(decodePublicKey(compressPublicKey(raw)))).toBe(hex(raw))
          expect(validatePublicKey(compressed)).toBeUndefined()
        }),
        { numRuns: 30 },
      )
    })

    it('generatePrivateKey gives valid, distinct keys', () => {
      const a = generatePrivateKey()
      const b = generatePrivateKey()
      expect(a.length).toBe(32)
      expect(isValidPrivateKey(a)).toBe(true)
      expect(hex(a)).not.toBe(hex(b))
      expect(publicKeyFromPrivate(a).length).toBe(64)
    })

    it('isValidPrivateKey: 0 < k < n, 32 bytes', () => {
      expect(isValidPrivateKey(new Uint8Array(32))).toBe(false)
      expect(isValidPrivateKey(bigToBytes(1n))).toBe(true)
      expect(isValidPrivateKey(bigToBytes(N - 1n))).toBe(true)
      expect(isValidPrivateKey(bigToBytes(N))).toBe(false)
      expect(isValidPrivateKey(bigToBytes(N + 1n))).toBe(false)
      expect(isValidPrivateKey(new Uint8Array(32).fill(0xff))).toBe(false)
      expect(isValidPrivateKey(new Uint8Array(31).fill(1))).toBe(false)
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (k) => {
          const value = bytesToBig(k)
          expect(isValidPrivateKey(k)).toBe(value > 0n && value < N)
        }),
      )
    })

    it('misuse with a private key is a TypeError or RangeError, never a CryptoError', () => {
      const digest = new Uint8Array(32).fill(7)
      for (const bad of [
        new Uint8Array(32),
        bigToBytes(N),
        new Uint8Array(31).fill(1),
        new Uint8Array(33).fill(1),
      ]) {
        expect(() => publicKeyFromPrivate(bad)).toThrow(RangeError)
        expect(() => sign(digest, bad)).toThrow(RangeError)
        expect(() => ecdh(bad, publicKeyFromPrivate(bigToBytes(2n)))).toThrow(RangeError)
      }
      expect(() => publicKeyFromPrivate('00'.repeat(32) as unknown as Uint8Array)).toThrow(
        TypeError,
      )
      expect(() => sign(digest, [1, 2] as unknown as Uint8Array)).toThrow(TypeError)
    })
  })

  describe('public key validation (input from outside)', () => {
    const valid = publicKeyFromPrivate(unhex(rlpx.keys.staticKeyA))
    const x = valid.subarray(0, 32)
    const y = valid.subarray(32)
    const small = smallCurvePoint()

    const invalid: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['32 bytes', x],
      ['63 bytes', valid.subarray(1)],
      ['66 bytes', concat(Uint8Array.of(4), valid, Uint8Array.of(0))],
      ['34 bytes', concat(Uint8Array.of(2), x, Uint8Array.of(0))],
      ['65 bytes with prefix 0x00', concat(Uint8Array.of(0), valid)],
      ['65 bytes with prefix 0x02', concat(Uint8Array.of(2), valid)],
      // libsecp256k1 accepts these "hybrid" encodings; devp2p must not.
      ['65-byte hybrid prefix 0x06/0x07', concat(Uint8Array.of(6 | (y[31]! & 1)), valid)],
      ['33 bytes with prefix 0x04', concat(Uint8Array.of(4), x)],
      ['33 bytes with prefix 0x00', concat(Uint8Array.of(0), x)],
      ['all-zero 64 bytes (the usual "infinity")', new Uint8Array(64)],
      ['all-zero 65 bytes with prefix 0x04', concat(Uint8Array.of(4), new Uint8Array(64))],
      ['single 0x00 (SEC1 infinity)', Uint8Array.of(0)],
      ['a point off the curve (y + 1)', concat(x, bigToBytes(bytesToBig(y) + 1n))],
      ['x ≥ p for a valid point (x + p)', concat(bigToBytes(small.x + P), bigToBytes(small.y))],
      ['y = p', concat(x, bigToBytes(P))],
      ['x = p, y = 0', concat(bigToBytes(P), new Uint8Array(32))],
      ['compressed with x ≥ p (x + p)', concat(Uint8Array.of(2), bigToBytes(small.x + P))],
      ['all-ones 64 bytes', new Uint8Array(64).fill(0xff)],
    ]
    // An x for which x³ + 7 is not a square: no point has it (invalid-curve attack input).
    let noPointX = 5n
    while (curveY(noPointX) !== undefined) noPointX++
    invalid.push([
      'compressed x with no point on the curve',
      concat(Uint8Array.of(3), bigToBytes(noPointX)),
    ])
    invalid.push(['(x, y) on the twist y² = x³ + 8', concat(bigToBytes(noPointX), bigToBytes(1n))])

    it.each(invalid)('rejects %s with INVALID_PUBLIC_KEY everywhere', (_name, key) => {
      const digest = new Uint8Array(32).fill(1)
      const sig = sign(digest, unhex(rlpx.keys.staticKeyA))
      expectCryptoError(() => decodePublicKey(key), 'INVALID_PUBLIC_KEY')
      expectCryptoError(() => validatePublicKey(key), 'INVALID_PUBLIC_KEY')
      expectCryptoError(() => compressPublicKey(key), 'INVALID_PUBLIC_KEY')
      expectCryptoError(() => ecdh(unhex(rlpx.keys.staticKeyB), key), 'INVALID_PUBLIC_KEY')
      expectCryptoError(() => verify(digest, sig, key), 'INVALID_PUBLIC_KEY')
    })

    it('a point given with x + p really is congruent to a valid point (the check above is meaningful)', () => {
      expect(small.x + P < 2n ** 256n).toBe(true)
      expect(hex(decodePublicKey(concat(bigToBytes(small.x), bigToBytes(small.y))))).toBe(
        hex(concat(bigToBytes(small.x), bigToBytes(small.y))),
      )
    })

    it('random bytes of any length give a 64-byte key or CryptoError, never another exception', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 70 }),
            fc.constantFrom(33, 64, 65).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          ),
          (bytes) => {
            onlyCryptoErrors(() => expect(decodePublicKey(bytes).length).toBe(64))
          },
        ),
        { numRuns: 300 },
      )
    })
  })

  describe('ECDH', () => {
    it("matches go-ethereum's static shared secret (raw x coordinate, not hashed)", () => {
      const { privateKey1, privateKey2, sharedX } = geth.sharedKeyStatic
      expect(hex(ecdh(unhex(privateKey1), publicKeyFromPrivate(unhex(privateKey2))))).toBe(sharedX)
      expect(hex(ecdh(unhex(privateKey2), publicKeyFromPrivate(unhex(privateKey1))))).toBe(sharedX)
    })

    it('ecdh(k, G) is the x coordinate of k·G', () => {
      const g = unhex(G_X + G_Y)
      fc.assert(
        fc.property(privateKeyArb, (k) => {
          expect(hex(ecdh(k, g))).toBe(hex(publicKeyFromPrivate(k).subarray(0, 32)))
        }),
        { numRuns: 20 },
      )
    })

    it('leaves no trace of one 64-byte key in the next call (the SEC1 form is reused)', () => {
      const k = bigToBytes(3n)
      const one = publicKeyFromPrivate(bigToBytes(5n))
      const two = publicKeyFromPrivate(bigToBytes(7n))
      // k·5G and k·7G are 15G and 21G: expected values from the generator alone
      const first = ecdh(k, one)
      const second = ecdh(k, two)
      expect(hex(first)).toBe(hex(publicKeyFromPrivate(bigToBytes(15n)).subarray(0, 32)))
      expect(hex(second)).toBe(hex(publicKeyFromPrivate(bigToBytes(21n)).subarray(0, 32)))
      // an invalid key after a valid one fails, and does not poison the call after it
      const offCurve = one.slice()
      offCurve[63]! ^= 1
      expectCryptoError(() => ecdh(k, offCurve), 'INVALID_PUBLIC_KEY')
      expect(hex(ecdh(k, one))).toBe(hex(first))
    })

    it('is symmetric and accepts all three key forms', () => {
      fc.assert(
        fc.property(privateKeyArb, privateKeyArb, (a, b) => {
          const ab = ecdh(a, publicKeyFromPrivate(b))
          expect(ab.length).toBe(32)
          expect(hex(ecdh(b, publicKeyFromPrivate(a)))).toBe(hex(ab))
          expect(hex(ecdh(a, publicKeyFromPrivate(b, { compressed: true })))).toBe(hex(ab))
          expect(hex(ecdh(a, concat(Uint8Array.of(4), publicKeyFromPrivate(b))))).toBe(hex(ab))
        }),
        { numRuns: 20 },
      )
    })
  })

  describe('signatures', () => {
    const enrDigest = keccak256(ENR_CONTENT)
    const enrKey = unhex(enr.privateKey)

    it("reproduces EIP-778's signature exactly (deterministic RFC 6979) with v ∈ {0, 1}", () => {
      const sig = sign(enrDigest, enrKey)
      expect(sig.length).toBe(65)
      expect(hex(sig.subarray(0, 64))).toBe(enr.fields.signature)
      expect([0, 1]).toContain(sig[64])
      expect(hex(recoverPublicKey(enrDigest, sig))).toBe(hex(publicKeyFromPrivate(enrKey)))
    })

    it("verifies EIP-778's 64-byte signature against its compressed key", () => {
      expect(verify(enrDigest, unhex(enr.fields.signature), unhex(enr.fields.secp256k1))).toBe(true)
      const other = enrDigest.slice()
      other[0]! ^= 1
      expect(verify(other, unhex(enr.fields.signature), unhex(enr.fields.secp256k1))).toBe(false)
    })

    it.each(discv4.packets.map((p) => [p.name, p.hex] as const))(
      'recovers the signer of the EIP-8 discv4 packet %s',
      (_name, packetHex) => {
        const packet = unhex(packetHex)
        const digest = keccak256(packet.subarray(97))
        const signer = recoverPublicKey(digest, packet.subarray(32, 97))
        expect(hex(compressPublicKey(signer))).toBe(discv4.signer.publicKeyCompressed)
      },
    )

    it('sign → recover → verify round trip (64 and 65-byte forms)', () => {
      fc.assert(
        fc.property(privateKeyArb, digestArb, (priv, digest) => {
          const pub = publicKeyFromPrivate(priv)
          const sig = sign(digest, priv)
          expect([0, 1]).toContain(sig[64])
          expect(bytesToBig(sig.subarray(32, 64)) <= N / 2n).toBe(true)
          expect(hex(recoverPublicKey(digest, sig))).toBe(hex(pub))
          expect(verify(digest, sig, pub)).toBe(true)
          expect(verify(digest, sig.subarray(0, 64), pub)).toBe(true)
          expect(verify(digest, sig, publicKeyFromPrivate(priv, { compressed: true }))).toBe(true)
          const wrong = digest.slice()
          wrong[31]! ^= 0x80
          expect(verify(wrong, sig, pub)).toBe(false)
        }),
        { numRuns: 30 },
      )
    })

    it('a high-s signature still recovers (as in every client) but does not verify (low s only)', () => {
      const sig = sign(enrDigest, enrKey)
      const s = bytesToBig(sig.subarray(32, 64))
      const high = concat(sig.subarray(0, 32), bigToBytes(N - s), Uint8Array.of(sig[64]! ^ 1))
      expect(hex(recoverPublicKey(enrDigest, high))).toBe(hex(publicKeyFromPrivate(enrKey)))
      expect(verify(enrDigest, high, publicKeyFromPrivate(enrKey))).toBe(false)
    })

    it('recovery rejects bad lengths, recovery ids outside 0–3, and r or s outside 1…n−1 with INVALID_SIGNATURE', () => {
      const sig = sign(enrDigest, enrKey)
      const r = sig.subarray(0, 32)
      const s = sig.subarray(32, 64)
      const bad = [
        new Uint8Array(0),
        sig.subarray(0, 64),
        concat(sig, Uint8Array.of(0)),
        concat(r, s, Uint8Array.of(4)),
        concat(r, s, Uint8Array.of(27)),
        concat(new Uint8Array(32), s, Uint8Array.of(0)),
        concat(r, new Uint8Array(32), Uint8Array.of(0)),
        concat(bigToBytes(N), s, Uint8Array.of(0)),
        concat(r, bigToBytes(N), Uint8Array.of(0)),
        concat(new Uint8Array(32).fill(0xff), s, Uint8Array.of(1)),
      ]
      for (const signature of bad) {
        expectCryptoError(() => recoverPublicKey(enrDigest, signature), 'INVALID_SIGNATURE')
      }
    })

    it('verify returns false for r or s out of range and throws INVALID_SIGNATURE for a bad length or v', () => {
      const pub = publicKeyFromPrivate(enrKey)
      const sig = sign(enrDigest, enrKey)
      expect(verify(enrDigest, concat(new Uint8Array(32), sig.subarray(32)), pub)).toBe(false)
      expect(
        verify(enrDigest, concat(sig.subarray(0, 32), bigToBytes(N), sig.subarray(64)), pub),
      ).toBe(false)
      expectCryptoError(() => verify(enrDigest, sig.subarray(0, 63), pub), 'INVALID_SIGNATURE')
      expectCryptoError(
        () => verify(enrDigest, concat(sig.subarray(0, 64), Uint8Array.of(5)), pub),
        'INVALID_SIGNATURE',
      )
    })

    it('random signatures and keys give CryptoError or a result, never another exception', () => {
      const pub = publicKeyFromPrivate(enrKey)
      fc.assert(
        fc.property(
          digestArb,
          fc.oneof(
            fc.uint8Array({ maxLength: 70 }),
            fc.uint8Array({ minLength: 65, maxLength: 65 }),
          ),
          fc.oneof(fc.constant(pub), fc.uint8Array({ maxLength: 70 })),
          (digest, signature, key) => {
            onlyCryptoErrors(() => expect(recoverPublicKey(digest, signature).length).toBe(64))
            onlyCryptoErrors(() => expect(typeof verify(digest, signature, key)).toBe('boolean'))
          },
        ),
        { numRuns: 300 },
      )
    })

    it('misuse: a digest that is not 32 bytes is a RangeError', () => {
      const sig = sign(enrDigest, enrKey)
      for (const digest of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
        expect(() => sign(digest, enrKey)).toThrow(RangeError)
        expect(() => recoverPublicKey(digest, sig)).toThrow(RangeError)
        expect(() => verify(digest, sig, publicKeyFromPrivate(enrKey))).toThrow(RangeError)
      }
    })
  })
})
