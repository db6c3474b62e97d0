import { createCipheriv } from 'node:crypto'
import {
  CryptoError,
  ECIES_OVERHEAD_BYTES,
  eciesEncrypt,
  generatePrivateKey,
  publicKeyFromPrivate,
  sign,
} from '@devp2p/crypto'
import { encode, type RlpValue } from '@devp2p/rlp'
import fc from 'fast-check'
import { compressSync, uncompressSync } from 'snappy'
import { describe, expect, it } from 'vitest'
import { deriveSecrets, FrameCodec, parseAck, parseAuth, RlpxError } from '../src/index.js'
import { snappyDecompress } from '../src/snappy-codec.js'
import { snappyjs } from './helpers/ethereumjs-peer.js'
import { unhex } from './helpers/support.js'
import vectors from './vectors/rlpx-handshake.json' with { type: 'json' }

/**
 * Property tests of every decoder in the package: the pure handshake parsers, the frame
 * decoder and the snappy decoder. Whatever the bytes, the outcome is a value or an
 * `RlpxError` (with the crypto error as `cause` where one caused it), never another
 * exception.
 */

const keyA = unhex(vectors.keys.staticKeyA)
const keyB = unhex(vectors.keys.staticKeyB)
const pubA = publicKeyFromPrivate(keyA)
const pubB = publicKeyFromPrivate(keyB)
const packetOf = (list: typeof vectors.auth, id: string): Uint8Array =>
  unhex(list.find((p) => p.id === id)!.hex)

/** Runs `fn`; returns `{ value }` or the RlpxError it threw; any other exception fails. */
function outcome<T>(fn: () => T): { value: T } | { error: RlpxError } {
  try {
    return { value: fn() }
  } catch (err) {
    if (!(err instanceof RlpxError)) {
      throw new Error(`expected an RlpxError, got ${String(err)}`, { cause: err })
    }
    return { error: err }
  }
}

/** Like `outcome`, but a value is a failure too: the input must be rejected. */
function rejected(fn: () => unknown): RlpxError {
  const result = outcome(fn)
  if ('value' in result) throw new Error('expected an RlpxError, got a value')
  return result.error
}

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }

/** A mutation of a `length`-byte input that always changes it. */
function mutation(length: number): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: length - 1 })
  const some = fc.uint8Array({ minLength: 1, maxLength: 64 })
  return fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at,
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: length - 1 }) }),
    fc.record({ kind: fc.constant('extend' as const), bytes: some }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: some }),
  )
}

function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'flip': {
      const out = Uint8Array.from(input)
      out[m.at]! ^= m.mask
      return out
    }
    case 'truncate':
      return input.slice(0, m.length)
    case 'extend':
      return Buffer.concat([input, m.bytes])
    case 'insert':
      return Buffer.concat([input.subarray(0, m.at), m.bytes, input.subarray(m.at)])
  }
}

/** A handshake-decrypt failure always carries the crypto error that caused it. */
function expectDecryptFailureWithCause(err: RlpxError): void {
  expect(['HANDSHAKE_DECRYPT_FAILED', 'INVALID_HANDSHAKE']).toContain(err.code)
  if (err.code === 'HANDSHAKE_DECRYPT_FAILED') expect(err.cause).toBeInstanceOf(CryptoError)
}

/** An EIP-8 packet whose plaintext is exactly `plain`, sealed to `to` as a peer would. */
function sealEip8(to: Uint8Array, plain: Uint8Array): Uint8Array {
  const size = plain.length + ECIES_OVERHEAD_BYTES
  const prefix = Uint8Array.of(size >> 8, size & 0xff)
  return Buffer.concat([prefix, eciesEncrypt(to, plain, prefix)])
}

const rlpItem: fc.Arbitrary<RlpValue> = fc.letrec<{ item: RlpValue }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item

describe('parseAuth / parseAck: mutated vector packets are always rejected with RlpxError', () => {
  for (const [fn, list, key, ids] of [
    ['parseAuth', vectors.auth, keyB, ['Auth1', 'Auth2', 'Auth3']],
    ['parseAck', vectors.ack, keyA, ['Ack1', 'Ack2', 'Ack3']],
  ] as const) {
    for (const id of ids) {
      const format = list.find((p) => p.id === id)!.format as 'eip8' | 'legacy'
      it(`${fn}(${id}, ${format}): flip, truncate, extend or insert → RlpxError`, () => {
        const packet = packetOf(list, id)
        const parse = fn === 'parseAuth' ? parseAuth : parseAck
        // the unmutated packet parses (so the rejections below are the mutation's doing)
        expect(parse(key, packet, format).format).toBe(format)
        fc.assert(
          fc.property(mutation(packet.length), (m) => {
            expectDecryptFailureWithCause(rejected(() => parse(key, mutate(packet, m), format)))
          }),
          { numRuns: 150 },
        )
      })
    }
  }
})

describe('parseAuth / parseAck: random input', () => {
  it('random bytes in both formats → RlpxError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom('eip8' as const, 'legacy' as const),
        (bytes, format) => {
          expectDecryptFailureWithCause(rejected(() => parseAuth(keyB, bytes, format)))
          expectDecryptFailureWithCause(rejected(() => parseAck(keyA, bytes, format)))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('random bytes that start like an ECIES message (0x04 ‖ a valid point) → RlpxError', () => {
    const point = publicKeyFromPrivate(generatePrivateKey())
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 400 }), (tail) => {
        const legacy = Buffer.concat([Uint8Array.of(0x04), point, tail])
        const eip8 = Buffer.concat([Uint8Array.of(0x01, 0x80), legacy])
        for (const [bytes, format] of [
          [legacy, 'legacy'],
          [eip8, 'eip8'],
        ] as const) {
          expectDecryptFailureWithCause(rejected(() => parseAuth(keyB, bytes, format)))
        }
      }),
      { numRuns: 100 },
    )
  })

  it('correctly sealed random plaintext (EIP-8 and legacy) → a value or RlpxError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 400 }),
        fc.boolean(),
        (plain, legacy) => {
          if (legacy) {
            outcome(() => parseAuth(keyB, eciesEncrypt(pubB, plain), 'legacy'))
            outcome(() => parseAck(keyA, eciesEncrypt(pubA, plain), 'legacy'))
          } else {
            outcome(() => parseAuth(keyB, sealEip8(pubB, plain), 'eip8'))
            outcome(() => parseAck(keyA, sealEip8(pubA, plain), 'eip8'))
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('correctly sealed random RLP lists → a value or a content error, never a decrypt error', () => {
    fc.assert(
      fc.property(fc.array(rlpItem, { maxLength: 6 }), fc.nat({ max: 150 }), (items, pad) => {
        const plain = Buffer.concat([encode(items), new Uint8Array(pad)])
        for (const result of [
          outcome(() => parseAuth(keyB, sealEip8(pubB, plain), 'eip8')),
          outcome(() => parseAck(keyA, sealEip8(pubA, plain), 'eip8')),
        ]) {
          if ('error' in result) expect(result.error.code).not.toBe('HANDSHAKE_DECRYPT_FAILED')
        }
      }),
      { numRuns: 150 },
    )
  })

  it('well-shaped auth bodies with random signatures, keys and versions → a value or RlpxError', () => {
    const ephemeral = generatePrivateKey()
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.oneof(
          fc.uint8Array({ minLength: 65, maxLength: 65 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((digest) => sign(digest, ephemeral)),
        ),
        fc.oneof(fc.constant(pubA), fc.uint8Array({ minLength: 64, maxLength: 64 })),
        fc.oneof(fc.constant(4), fc.nat(), fc.uint8Array({ maxLength: 9 })),
        fc.array(rlpItem, { maxLength: 3 }),
        (nonce, signature, publicKey, version, extra) => {
          const body = encode([signature, publicKey, nonce, version, ...extra])
          const result = outcome(() => parseAuth(keyB, sealEip8(pubB, body), 'eip8'))
          if ('value' in result) {
            expect(Buffer.from(result.value.publicKey).equals(Buffer.from(publicKey))).toBe(true)
            expect(Buffer.from(result.value.nonce).equals(Buffer.from(nonce))).toBe(true)
            expect(result.value.ephemeralPublicKey.length).toBe(64)
          } else {
            expect(['INVALID_PUBLIC_KEY', 'INVALID_SIGNATURE', 'INVALID_HANDSHAKE']).toContain(
              result.error.code,
            )
            if (result.error.code !== 'INVALID_HANDSHAKE') {
              expect(result.error.cause).toBeInstanceOf(CryptoError)
            }
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})

/**
 * Secrets for both ends of one session, from the vector keys (any packets will do as MAC
 * seeds as long as both ends use the same ones).
 */
function sessionSecrets() {
  const ephA = unhex(vectors.keys.ephemeralKeyA)
  const ephB = unhex(vectors.keys.ephemeralKeyB)
  const nonceA = unhex(vectors.keys.nonceA)
  const nonceB = unhex(vectors.keys.nonceB)
  const authPacket = packetOf(vectors.auth, 'Auth2')
  const ackPacket = packetOf(vectors.ack, 'Ack2')
  const initiator = deriveSecrets({
    initiator: true,
    ephemeralPrivateKey: ephA,
    remoteEphemeralPublicKey: publicKeyFromPrivate(ephB),
    localNonce: nonceA,
    remoteNonce: nonceB,
    authPacket,
    ackPacket,
    remotePublicKey: pubB,
  })
  const recipient = deriveSecrets({
    initiator: false,
    ephemeralPrivateKey: ephB,
    remoteEphemeralPublicKey: publicKeyFromPrivate(ephA),
    localNonce: nonceB,
    remoteNonce: nonceA,
    authPacket,
    ackPacket,
    remotePublicKey: pubA,
  })
  return { initiator, recipient }
}

/**
 * An independent frame writer, written from rlpx.md "Framing" (not from frame-codec.ts),
 * that encrypts and MACs any header and body plaintext, so the decoder can be fed frames
 * that authenticate but carry arbitrary sizes and message codes.
 */
function specFrameWriter(secrets: ReturnType<typeof deriveSecrets>) {
  const aes = createCipheriv('aes-256-ctr', secrets.aes, new Uint8Array(16))
  const ecb = createCipheriv('aes-256-ecb', secrets.mac, null).setAutoPadding(false)
  const mac = secrets.egressMac
  const xor16 = (a: Uint8Array, b: Uint8Array) => a.subarray(0, 16).map((x, i) => x ^ b[i]!)
  return (headerPlain: Uint8Array, bodyPlain: Uint8Array): Uint8Array => {
    const headerCt = aes.update(headerPlain)
    const headerMac = mac
      .update(xor16(ecb.update(mac.digest().subarray(0, 16)), headerCt))
      .digest()
      .subarray(0, 16)
    const bodyCt = aes.update(bodyPlain)
    const prev = mac.update(bodyCt).digest().subarray(0, 16)
    const frameMac = mac
      .update(xor16(ecb.update(prev), prev))
      .digest()
      .subarray(0, 16)
    return Buffer.concat([headerCt, headerMac, bodyCt, frameMac])
  }
}

/**
 * Feeds `wire` to `codec` the way the connection does (a 32-byte header, then exactly the
 * announced rest): a decoded frame, `'incomplete'` when the bytes run out, or RlpxError.
 */
function feed(codec: FrameCodec, wire: Uint8Array, maxFrameBytes?: number) {
  return outcome(() => {
    if (wire.length < 32) return 'incomplete' as const
    const rest = codec.decodeHeader(wire.subarray(0, 32), maxFrameBytes)
    if (wire.length < 32 + rest) return 'incomplete' as const
    return codec.decodeBody(wire.subarray(32, 32 + rest))
  })
}

describe('FrameCodec decoder', () => {
  it('random 32-byte headers → MAC_MISMATCH', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (header) => {
        const codec = new FrameCodec(sessionSecrets().recipient)
        expect(rejected(() => codec.decodeHeader(header)).code).toBe('MAC_MISMATCH')
      }),
      { numRuns: 100 },
    )
  })

  it('a valid header then a random body of the announced length → MAC_MISMATCH', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 0xffff }), (junk, code) => {
        const { initiator, recipient } = sessionSecrets()
        const frame = new FrameCodec(initiator).encode(code, junk)
        const codec = new FrameCodec(recipient)
        const rest = codec.decodeHeader(frame.subarray(0, 32))
        expect(rest).toBe(frame.length - 32)
        const body = Uint8Array.from(frame.subarray(32)).map(() => junk[0] ?? 1)
        const error = rejected(() => codec.decodeBody(body))
        expect(error.code).toBe('MAC_MISMATCH')
      }),
      { numRuns: 100 },
    )
  })

  it('mutated valid frames: the original message, incomplete, or RlpxError', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 400 }).chain((n) => fc.tuple(fc.constant(n), mutation(400))),
        (code, payload, [, m]) => {
          const { initiator, recipient } = sessionSecrets()
          const frame = new FrameCodec(initiator).encode(code, payload)
          const fitted = fitMutation(m, frame.length)
          const wire = mutate(frame, fitted)
          const result = feed(new FrameCodec(recipient), wire)
          if ('error' in result) {
            expect(result.error.code).toBe('MAC_MISMATCH')
          } else if (result.value !== 'incomplete') {
            // only a frame whose bytes all arrived intact decodes: an extension (the extra
            // bytes are the next frame's), or an insertion that repeats what it pushes on,
            // such as the frame's last byte inserted before itself
            const head = wire.subarray(0, frame.length)
            expect(Buffer.from(head).equals(Buffer.from(frame))).toBe(true)
            expect(result.value.code).toBe(code)
            expect(Buffer.from(result.value.payload).equals(Buffer.from(payload))).toBe(true)
          } else {
            expect(['truncate', 'insert', 'flip']).toContain(fitted.kind)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('an insertion that leaves the frame bytes as they were decodes to the message', () => {
    const { initiator, recipient } = sessionSecrets()
    const frame = new FrameCodec(initiator).encode(0x10, Uint8Array.of(1, 2, 3))
    const last = frame.length - 1
    const wire = mutate(frame, { kind: 'insert', at: last, bytes: frame.subarray(last) })
    const result = feed(new FrameCodec(recipient), wire)
    expect('value' in result && result.value !== 'incomplete' && result.value.code).toBe(0x10)
  })

  it('authenticated frames with arbitrary header and body plaintext → a value or RlpxError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 0, max: 0xff_ffff }),
        fc.integer({ min: 0, max: 80 }),
        (headerPlain, bodyStart, size, maxFrameBytes) => {
          const { initiator, recipient } = sessionSecrets()
          // the size field: small values most of the time so the body can be written
          headerPlain[0] = size % 3 === 0 ? size >>> 16 : 0
          headerPlain[1] = size % 3 === 0 ? (size >>> 8) & 0xff : 0
          const announced = (headerPlain[0]! << 16) | (headerPlain[1]! << 8) | headerPlain[2]!
          const padded = (announced + 15) & ~15
          const write = specFrameWriter(initiator)
          const body = new Uint8Array(Math.min(padded, 4096))
          body.set(bodyStart.subarray(0, body.length))
          const wire = write(headerPlain, body)
          const result = feed(new FrameCodec(recipient), wire, maxFrameBytes)
          if (announced > maxFrameBytes) {
            expect('error' in result && result.error.code).toBe('FRAME_TOO_LARGE')
          } else if ('error' in result) {
            expect(result.error.code).toBe('INVALID_MESSAGE_CODE')
          } else {
            if (result.value === 'incomplete') throw new Error('a whole frame was fed')
            expect(result.value.payload.length).toBeLessThan(Math.max(announced, 1))
            // the code is the canonical RLP integer at the start of the body
            const b = body[0]!
            if (b < 0x80) expect(result.value.code).toBe(b)
            else if (b === 0x80) expect(result.value.code).toBe(0)
            else expect(result.value.code).toBeGreaterThanOrEqual(0x80)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('the independent writer’s valid frames decode to exactly what it wrote', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7f }), fc.uint8Array({ maxLength: 100 }), (c, p) => {
        const { initiator, recipient } = sessionSecrets()
        const size = 1 + p.length
        const header = new Uint8Array(16)
        header.set([size >>> 16, (size >>> 8) & 0xff, size & 0xff, 0xc2, 0x80, 0x80])
        const body = new Uint8Array((size + 15) & ~15)
        body[0] = c === 0 ? 0x80 : c
        body.set(p, 1)
        const result = feed(new FrameCodec(recipient), specFrameWriter(initiator)(header, body))
        if (!('value' in result) || result.value === 'incomplete') throw new Error('not decoded')
        expect(result.value.code).toBe(c)
        expect(Buffer.from(result.value.payload).equals(Buffer.from(p))).toBe(true)
      }),
      { numRuns: 50 },
    )
  })
})

/** Scales a mutation drawn for a 400-byte input to one of `length` bytes. */
function fitMutation(m: Mutation, length: number): Mutation {
  switch (m.kind) {
    case 'flip':
      return { ...m, at: m.at % length }
    case 'truncate':
      return { ...m, length: m.length % length }
    case 'insert':
      return { ...m, at: m.at % length }
    case 'extend':
      return m
  }
}

describe('snappy decoder', () => {
  it('random bytes → a value or SNAPPY_INVALID / SNAPPY_TOO_LARGE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 5000 }), (bytes, max) => {
        const result = outcome(() => snappyDecompress(bytes, max))
        if ('error' in result) {
          expect(['SNAPPY_INVALID', 'SNAPPY_TOO_LARGE']).toContain(result.error.code)
        } else {
          expect(result.value.length).toBeLessThanOrEqual(max)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('mutated snappyjs output → a value or SNAPPY_INVALID / SNAPPY_TOO_LARGE; intact → the input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.concat([b, b, b])),
        mutation(400),
        (plain, m) => {
          const compressed = snappyjs.compress(plain)
          expect(Buffer.from(snappyDecompress(compressed, 2 ** 24 - 1)).equals(plain)).toBe(true)
          const result = outcome(() =>
            snappyDecompress(mutate(compressed, fitMutation(m, compressed.length)), 2 ** 24 - 1),
          )
          if ('error' in result) {
            expect(['SNAPPY_INVALID', 'SNAPPY_TOO_LARGE']).toContain(result.error.code)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  /** libsnappy's verdict on a block: the bytes, or undefined when it refuses it. */
  const native = (block: Uint8Array): Buffer | undefined => {
    try {
      return uncompressSync(block, { asBuffer: true, copyOutputData: true }) as Buffer
    } catch {
      return undefined
    }
  }

  it('valid blocks built element by element (every tag kind and length form) decode like libsnappy', () => {
    fc.assert(
      fc.property(snappyBlock(2048), ({ block, expected }) => {
        expect(native(block)?.equals(expected), 'the generator builds what libsnappy reads').toBe(
          true,
        )
        expect(Buffer.from(snappyDecompress(block, 2048)).equals(expected)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('the JavaScript decoder of small payloads agrees with libsnappy on mutated and random blocks', () => {
    const blocks = fc.oneof(
      snappyBlock(2048).map(({ block }) => block),
      fc.uint8Array({ maxLength: 500 }).map((b) => compressSync(Buffer.concat([b, b]))),
      fc.uint8Array({ maxLength: 300 }),
    )
    fc.assert(
      fc.property(blocks, mutation(400), (block, m) => {
        const input = block.length > 0 ? mutate(block, fitMutation(m, block.length)) : block
        const theirs = native(input)
        const ours = outcome(() => snappyDecompress(input, 2048))
        if ('value' in ours) {
          // we accept only what libsnappy accepts, and decode it to the same bytes
          expect(theirs).toBeDefined()
          expect(Buffer.from(ours.value).equals(theirs!)).toBe(true)
        } else if (theirs !== undefined && theirs.length <= 2048) {
          throw new Error(`refused a block libsnappy decodes: ${ours.error.message}`)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses copies from offset 0 or from before the start, overruns and wrong lengths', () => {
    const code = (block: number[]) => outcome(() => snappyDecompress(Uint8Array.from(block), 2048))
    const invalid = (block: number[]) => {
      const result = code(block)
      expect('error' in result && result.error.code, JSON.stringify(block)).toBe('SNAPPY_INVALID')
      expect(native(Uint8Array.from(block)), 'libsnappy refuses it too').toBeUndefined()
    }
    // literal "ab", then copies: 2-byte offset 0; offset 3 > 2 bytes written
    invalid([6, 0x04, 0x61, 0x62, 0x02 | (3 << 2), 0x00, 0x00])
    invalid([6, 0x04, 0x61, 0x62, 0x02 | (3 << 2), 0x03, 0x00])
    // 1-byte-offset copy with offset 0
    invalid([6, 0x04, 0x61, 0x62, 0x01, 0x00])
    // a literal longer than the input, and one longer than the declared size
    invalid([6, 0x0c, 0x61, 0x62])
    invalid([2, 0x0c, 0x61, 0x62, 0x63, 0x64])
    // declares 3 bytes, holds 2; declares 1, holds 2
    invalid([3, 0x04, 0x61, 0x62])
    invalid([1, 0x04, 0x61, 0x62])
    // a 4-byte offset beyond the output (0x00010001, whose low half alone would be 1)
    invalid([6, 0x04, 0x61, 0x62, 0x03 | (3 << 2), 0x01, 0x00, 0x01, 0x00])
    // truncated copy tags (1, 2 and 4 offset bytes missing)
    invalid([6, 0x04, 0x61, 0x62, 0x01])
    invalid([6, 0x04, 0x61, 0x62, 0x02, 0x01])
    invalid([6, 0x04, 0x61, 0x62, 0x03, 0x01, 0x00, 0x00])
    // and the overlapping copy that makes a repeating pattern is fine: "ab" ×4
    const ok = code([8, 0x04, 0x61, 0x62, 0x02 | (5 << 2), 0x02, 0x00])
    expect('value' in ok && Buffer.from(ok.value).toString()).toBe('abababab')
  })
})

/**
 * A valid raw snappy block of at most `max` decoded bytes, built element by element with
 * the bytes it decodes to: literals in every length form (in the tag, or in 1–4 bytes)
 * and copies with 1-, 2- and 4-byte offsets, overlapping ones included.
 */
function snappyBlock(max: number): fc.Arbitrary<{ block: Uint8Array; expected: Buffer }> {
  const element = fc.oneof(
    fc.record({
      kind: fc.constant('literal' as const),
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 90 }),
        fc.uint8Array({ minLength: 250, maxLength: 700 }),
      ),
      extra: fc.integer({ min: 0, max: 4 }),
    }),
    fc.record({
      kind: fc.constantFrom('copy1' as const, 'copy2' as const, 'copy4' as const),
      length: fc.integer({ min: 1, max: 64 }),
      offset: fc.nat(),
    }),
  )
  return fc.array(element, { minLength: 1, maxLength: 40 }).map((elements) => {
    const tags: number[] = []
    const out: number[] = []
    for (const e of elements) {
      if (e.kind === 'literal') {
        const n = Math.min(e.bytes.length, max - out.length)
        if (n <= 0) break
        // length − 1 in the tag (≤ 60) or in `extra` little-endian bytes after it
        const needed = n > 256 ? 2 : n > 60 ? 1 : 0
        const extra = e.extra === 0 ? needed : Math.max(needed, e.extra)
        if (extra === 0) tags.push((n - 1) << 2)
        else {
          tags.push((59 + extra) << 2)
          for (let k = 0; k < extra; k++) tags.push(((n - 1) >>> (8 * k)) & 0xff)
        }
        for (let k = 0; k < n; k++) {
          tags.push(e.bytes[k]!)
          out.push(e.bytes[k]!)
        }
        continue
      }
      if (out.length === 0) continue
      const length = e.kind === 'copy1' ? 4 + (e.length % 8) : Math.min(e.length, max - out.length)
      if (length <= 0 || out.length + length > max) continue
      const offset = 1 + (e.offset % Math.min(out.length, e.kind === 'copy1' ? 2047 : out.length))
      if (e.kind === 'copy1')
        tags.push(1 | ((length - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff)
      else if (e.kind === 'copy2') tags.push(2 | ((length - 1) << 2), offset & 0xff, offset >>> 8)
      else tags.push(3 | ((length - 1) << 2), offset & 0xff, (offset >>> 8) & 0xff, 0, 0)
      const from = out.length - offset
      for (let k = 0; k < length; k++) out.push(out[from + k]!)
    }
    const header: number[] = []
    for (let n = out.length; ; n = Math.floor(n / 128)) {
      if (n < 128) {
        header.push(n)
        break
      }
      header.push((n & 0x7f) | 0x80)
    }
    return { block: Uint8Array.from([...header, ...tags]), expected: Buffer.from(out) }
  })
}
