/**
 * The p2p base protocol codecs (Hello, Disconnect) and the error → Disconnect reason
 * mapping, checked against hand-built wire bytes (devp2p rlpx.md, REFERENCE.md "p2p base
 * protocol", go-ethereum's `protoHandshake` and `decodeDisconnectMessage`).
 */
import { RlpError } from '@devp2p/rlp'
import { RlpxError } from '@devp2p/rlpx'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeDisconnect,
  decodeHello,
  encodeDisconnect,
  encodeHello,
  type Hello,
} from '../src/base-protocol.js'
import { MAX_HELLO_BYTES } from '../src/constants.js'
import {
  DisconnectReason,
  disconnectReasonFor,
  disconnectReasonText,
  P2pError,
  toDisconnectReason,
} from '../src/errors.js'

const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts))

/** A minimal RLP encoder written from the Yellow Paper, independent of `@devp2p/rlp`. */
type Item = Uint8Array | Item[]
function rlp(item: Item): Uint8Array {
  const header = (short: number, length: number): Uint8Array => {
    if (length < 56) return Uint8Array.of(short + length)
    const len: number[] = []
    for (let n = length; n > 0; n = Math.floor(n / 256)) len.unshift(n % 256)
    return Uint8Array.of(short + 55 + len.length, ...len)
  }
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item
    return concat(header(0x80, item.length), item)
  }
  const body = concat(...item.map(rlp))
  return concat(header(0xc0, body.length), body)
}

/** The node id used below: bytes 0x01 … 0x40. */
const ID = Uint8Array.from({ length: 64 }, (_, i) => i + 1)
const ID_HEX = toHex(ID)

/**
 * `[5, "Geth", [["eth", 68], ["snap", 1]], 30303, id]` by hand:
 * f859 (list, 89 bytes) · 05 · 84 "Geth" · cd [c5 (83 "eth" 44) c6 (84 "snap" 01)] ·
 * 82 765f · b840 id.
 */
const GETH_HELLO_HEX = `f859 05 8447657468 cd c583657468 44 c684736e6170 01 82765f b840 ${ID_HEX}`
const GETH_HELLO: Hello = {
  version: 5,
  name: 'Geth',
  caps: [
    { name: 'eth', version: 68 },
    { name: 'snap', version: 1 },
  ],
  listenPort: 30303,
  id: ID,
}

/** decodeHello must either return or throw P2pError INVALID_HELLO, nothing else. */
function decodesOrInvalidHello(payload: Uint8Array): void {
  try {
    decodeHello(payload)
  } catch (err) {
    expect(err).toBeInstanceOf(P2pError)
    expect((err as P2pError).code).toBe('INVALID_HELLO')
  }
}

function expectInvalidHello(payload: Uint8Array): void {
  let thrown: unknown
  try {
    decodeHello(payload)
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(P2pError)
  expect((thrown as P2pError).code).toBe('INVALID_HELLO')
}

const helloArb: fc.Arbitrary<Hello> = fc.record({
  version: fc.integer({ min: 0, max: 0xffff_ffff }),
  name: fc.string({ unit: 'grapheme', maxLength: 40 }),
  caps: fc.array(
    fc.record({
      name: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
      version: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
    { maxLength: 12 },
  ),
  listenPort: fc.integer({ min: 0, max: 0xffff }),
  id: fc.uint8Array({ minLength: 64, maxLength: 64 }),
})

const rlpItemArb: fc.Arbitrary<Item> = fc.letrec<{ item: Item }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie('item'), { maxLength: 6 }),
  ),
})).item

describe('Hello', () => {
  it('encodes to the bytes the spec gives', () => {
    expect(toHex(encodeHello(GETH_HELLO))).toBe(toHex(hex(GETH_HELLO_HEX)))
  })

  it('decodes a Hello built by hand', () => {
    const hello = decodeHello(hex(GETH_HELLO_HEX))
    expect(hello).toEqual(GETH_HELLO)
    expect(hello.id).toEqual(ID)
  })

  it('round-trips encode → decode', () => {
    const hello: Hello = {
      version: 5,
      name: 'ünïcødé/v1 ✓',
      caps: [
        { name: 'eth', version: 67 },
        { name: 'eth', version: 68 },
        { name: 'les', version: 0 },
        { name: 'x', version: 0xffff_ffff },
      ],
      listenPort: 0,
      id: ID,
    }
    expect(decodeHello(encodeHello(hello))).toEqual(hello)
  })

  it('ignores extra list elements (EIP-8), extra cap elements, and drops cap versions > 2^32 − 1', () => {
    // caps: ["eth", 68, "x", []] · ["snap", 2^32] · ["les", 2^32 − 1] · ["big", 2^64]
    const caps =
      'ed' +
      'c7 83657468 44 78 c0' +
      'cb 84736e6170 850100000000' +
      'c9 836c6573 84ffffffff' +
      'ce 83626967 89010000000000000000'
    // outer: 05 · "Geth" · caps · 30303 · id · extra "\x01\x02\x03" · extra [[], []]
    const payload = hex(`f880 05 8447657468 ${caps} 82765f b840 ${ID_HEX} 83010203 c2c0c0`)
    expect(payload.length).toBe(0x80 + 2)
    expect(decodeHello(payload)).toEqual({
      version: 5,
      name: 'Geth',
      caps: [
        { name: 'eth', version: 68 },
        { name: 'les', version: 0xffff_ffff },
      ],
      listenPort: 30303,
      id: ID,
    })
  })

  it('reads an invalid UTF-8 name with replacement characters, without throwing', () => {
    // [5, ff fe 41, [], 0, ""]
    const hello = decodeHello(hex('c8 05 83fffe41 c0 80 80'))
    expect(hello.name).toBe('\uFFFD\uFFFDA')
    expect(hello.caps).toEqual([])
    expect(hello.listenPort).toBe(0)
    expect(hello.id).toEqual(new Uint8Array(0))
  })

  it('reads invalid UTF-8 in a cap name with replacement characters', () => {
    // [5, "", [[c3 28, 1]], 0, ""]
    const hello = decodeHello(hex('ca 05 80 c5 c4 82c328 01 80 80'))
    expect(hello.caps).toEqual([{ name: '\uFFFD(', version: 1 }])
  })

  it('does not reject a huge base version or port (informational fields)', () => {
    // [2^40, "", [], 2^16, ""]: version clamps to 2^32 − 1, the port reads as 0
    const hello = decodeHello(hex('ce 86010000000000 80 c0 83010000 80'))
    expect(hello.version).toBe(0xffff_ffff)
    expect(hello.listenPort).toBe(0)
  })

  it('accepts exactly 2048 bytes and refuses 2049', () => {
    // [5, name(n), [], 0, id]: f9 LL LL · 05 · b9 NN NN name · c0 · 80 · b840 id = n + 75 bytes
    const build = (n: number): Uint8Array => {
      const payloadLen = n + 72
      return concat(
        Uint8Array.of(0xf9, payloadLen >> 8, payloadLen & 0xff, 0x05, 0xb9, n >> 8, n & 0xff),
        new Uint8Array(n).fill(0x61),
        Uint8Array.of(0xc0, 0x80, 0xb8, 0x40),
        ID,
      )
    }
    expect(MAX_HELLO_BYTES).toBe(2048)
    const max = build(1973)
    expect(max.length).toBe(2048)
    const hello = decodeHello(max)
    expect(hello.name).toBe('a'.repeat(1973))
    expect(hello.id).toEqual(ID)

    const over = build(1974)
    expect(over.length).toBe(2049)
    expectInvalidHello(over)
    expectInvalidHello(concat(hex(GETH_HELLO_HEX), new Uint8Array(4000)))
  })

  it.each([
    ['empty payload', ''],
    ['a bare integer', '05'],
    ['an empty string', '80'],
    ['an empty list', 'c0'],
    ['a list of one integer', 'c105'],
    ['version is a list', 'c9 c0 8447657468 c0 80 80'],
    ['version with a leading zero byte', 'c9 00 8447657468 c0 80 80'],
    ['version in a non-canonical string header', 'ca 8105 8447657468 c0 80 80'],
    ['name is a list', 'c5 05 c0 c0 80 80'],
    ['caps is a string', 'c9 05 8447657468 80 80 80'],
    ['a cap is a string', 'cd 05 8447657468 c483657468 80 80'],
    ['a cap without version', 'ce 05 8447657468 c5c483657468 80 80'],
    ['a cap version is a list', 'cf 05 8447657468 c6c583657468c0 80 80'],
    ['a cap version of 33 bytes', `e9 05 80 e4 e3 80 a1${'01'.repeat(33)} 80 80`],
    ['listen port is a list', 'c9 05 8447657468 c0 c0 80'],
    ['id missing (four elements)', 'c8 05 8447657468 c0 80'],
    ['id is a list', 'c9 05 8447657468 c0 80 c0'],
    ['list length runs past the end', 'c9 05 8447657468 c0 80'],
    ['trailing bytes after the list', `${GETH_HELLO_HEX} 00`],
  ])('refuses %s with INVALID_HELLO', (_, text) => {
    expectInvalidHello(hex(text))
  })

  it('refuses deep nesting with INVALID_HELLO', () => {
    let nested: Item = new Uint8Array(0)
    for (let i = 0; i < 700; i++) nested = [nested]
    const payload = rlp([nested, new Uint8Array(0), [], new Uint8Array(0), ID])
    expect(payload.length).toBeLessThanOrEqual(MAX_HELLO_BYTES)
    expectInvalidHello(payload)
  })

  it('agrees with the hand encoder for arbitrary Hellos and round-trips them', () => {
    fc.assert(
      fc.property(helloArb, (hello) => {
        const utf8 = new TextEncoder()
        const expected = rlp([
          rlpUint(hello.version),
          utf8.encode(hello.name),
          hello.caps.map((cap) => [utf8.encode(cap.name), rlpUint(cap.version)]),
          rlpUint(hello.listenPort),
          hello.id,
        ])
        const encoded = encodeHello(hello)
        expect(toHex(encoded)).toBe(toHex(expected))
        expect(decodeHello(encoded)).toEqual(hello)
      }),
      { numRuns: 300 },
    )
  })

  it('never throws anything but P2pError INVALID_HELLO on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2100 }), (bytes) => decodesOrInvalidHello(bytes)),
      { numRuns: 1000 },
    )
  })

  it('never throws anything but P2pError INVALID_HELLO on random RLP structures', () => {
    fc.assert(
      fc.property(rlpItemArb, (item) => decodesOrInvalidHello(rlp(item))),
      { numRuns: 1000 },
    )
  })

  it('never throws anything but P2pError INVALID_HELLO on mutated valid Hellos', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
    )
    fc.assert(
      fc.property(helloArb, fc.array(mutation, { minLength: 1, maxLength: 6 }), (hello, muts) => {
        let bytes = [...encodeHello(hello)]
        for (const m of muts) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length
          if (m.kind === 'set' && bytes.length > 0) bytes[at] = m.byte
          else if (m.kind === 'insert') bytes.splice(at, 0, m.byte)
          else if (m.kind === 'delete') bytes.splice(at, 1)
          else if (m.kind === 'truncate') bytes = bytes.slice(0, at)
        }
        decodesOrInvalidHello(Uint8Array.from(bytes))
      }),
      { numRuns: 1000 },
    )
  })
})

/** Canonical big-endian bytes of a non-negative integer (0 → empty). */
function rlpUint(value: number): Uint8Array {
  const out: number[] = []
  for (let n = value; n > 0; n = Math.floor(n / 256)) out.unshift(n % 256)
  return Uint8Array.from(out)
}

const KNOWN_REASONS: readonly [number, string][] = [
  [0x00, 'disconnect requested'],
  [0x01, 'network error'],
  [0x02, 'breach of protocol'],
  [0x03, 'useless peer'],
  [0x04, 'too many peers'],
  [0x05, 'already connected'],
  [0x06, 'incompatible p2p protocol version'],
  [0x07, 'invalid node identity'],
  [0x08, 'client quitting'],
  [0x09, 'unexpected identity'],
  [0x0a, 'connected to self'],
  [0x0b, 'read timeout'],
  [0x10, 'subprotocol error'],
]

describe('Disconnect', () => {
  it('has the wire values of the spec', () => {
    expect(DisconnectReason).toEqual({
      Requested: 0x00,
      NetworkError: 0x01,
      ProtocolError: 0x02,
      UselessPeer: 0x03,
      TooManyPeers: 0x04,
      AlreadyConnected: 0x05,
      IncompatibleVersion: 0x06,
      InvalidIdentity: 0x07,
      Quitting: 0x08,
      UnexpectedIdentity: 0x09,
      Self: 0x0a,
      ReadTimeout: 0x0b,
      SubprotocolError: 0x10,
      Invalid: 0xff,
    })
  })

  it('decodes `[reason]` and a bare integer', () => {
    expect(decodeDisconnect(hex('c104'))).toBe(0x04)
    expect(decodeDisconnect(hex('04'))).toBe(0x04)
    expect(decodeDisconnect(hex('c110'))).toBe(0x10)
    expect(decodeDisconnect(hex('10'))).toBe(0x10)
  })

  it.each(KNOWN_REASONS)('round-trips reason %i as [reason]', (reason) => {
    const encoded = encodeDisconnect(reason as DisconnectReason)
    // [0] is c1 80 (0 is the empty string); others are c1 <byte>
    expect(toHex(encoded)).toBe(reason === 0 ? 'c180' : `c1${reason.toString(16).padStart(2, '0')}`)
    expect(decodeDisconnect(encoded)).toBe(reason)
    // and the bare form
    expect(decodeDisconnect(encoded.subarray(1))).toBe(reason)
  })

  it('never sends the Invalid sentinel: it goes out as Requested', () => {
    expect(toHex(encodeDisconnect(DisconnectReason.Invalid))).toBe('c180')
  })

  it('tolerates extra list elements after the reason, as geth does', () => {
    // geth's decodeDisconnectMessage reads the first element and ignores the rest
    expect(decodeDisconnect(hex('c3 04 0506'))).toBe(0x04)
    expect(decodeDisconnect(hex('c4 08 c2c0c0'))).toBe(0x08)
  })

  it('decodes the empty string (canonical 0) as Requested, as geth does', () => {
    // geth decodes 0x80 into a uint8 as 0 = DiscRequested, bare or in a list
    expect(decodeDisconnect(hex('80'))).toBe(DisconnectReason.Requested)
    expect(decodeDisconnect(hex('c180'))).toBe(DisconnectReason.Requested)
  })

  it.each([
    ['empty payload (geth: Kind() fails)', ''],
    ['empty list (geth: EOL)', 'c0'],
    ['unknown 0x0c', 'c10c'],
    ['unknown 0x0c bare', '0c'],
    ['unknown 0x0f', 'c10f'],
    ['unknown 0x11', 'c111'],
    ['unknown 0x11 bare', '11'],
    ['unknown 0x7f', 'c17f'],
    ['unknown 0xfe', 'c181fe'],
    ['unknown 0xfe bare', '81fe'],
    ['0xff on the wire', 'c181ff'],
    ['0x100', 'c3820100'],
    ['0x100 bare', '820100'],
    ['multi-byte 0x010203', 'c483010203'],
    ['nested list', 'c2c104'],
    ['doubly nested list', 'c3c2c104'],
    ['nested empty list', 'c1c0'],
    ['non-canonical size 81 04', 'c28104'],
    ['non-canonical size 81 04 bare', '8104'],
    ['non-canonical long form', 'c3b80104'],
    ['non-canonical int 00 (zero is 80)', 'c100'],
    ['non-canonical int 00 bare', '00'],
    ['non-canonical int 82 0004', 'c3820004'],
    ['truncated list', 'c204'],
    ['truncated string', '8204'],
    ['trailing bytes', 'c10400'],
    ['garbage', 'ffffffffffff'],
    ['a text reason', 'c88774696d656f7574'],
  ])('decodes %s as Invalid', (_, text) => {
    expect(decodeDisconnect(hex(text))).toBe(DisconnectReason.Invalid)
  })

  it('never throws on random bytes, and only gives known reasons or Invalid', () => {
    const allowed = new Set<number>([...KNOWN_REASONS.map(([r]) => r), 0xff])
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(allowed.has(decodeDisconnect(bytes))).toBe(true)
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(rlpItemArb, (item) => {
        expect(allowed.has(decodeDisconnect(rlp(item)))).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('errors', () => {
  it('maps a P2pError carrying a reason to that reason', () => {
    const err = new P2pError('REMOTE_DISCONNECT', 'x', { reason: DisconnectReason.TooManyPeers })
    expect(disconnectReasonFor(err)).toBe(0x04)
    expect(disconnectReasonFor(P2pError.local(DisconnectReason.UselessPeer))).toBe(0x03)
    expect(disconnectReasonFor(P2pError.local(DisconnectReason.Self, 'dialed ourselves'))).toBe(
      0x0a,
    )
    // the reason wins over the code
    expect(
      disconnectReasonFor(
        new P2pError('PROTOCOL_BREACH', 'x', { reason: DisconnectReason.Quitting }),
      ),
    ).toBe(0x08)
  })

  it('maps P2pError codes without a reason', () => {
    expect(disconnectReasonFor(new P2pError('PROTOCOL_BREACH', 'x'))).toBe(0x02)
    expect(disconnectReasonFor(new P2pError('INVALID_HELLO', 'x'))).toBe(0x02)
    expect(disconnectReasonFor(new P2pError('PEER_CLOSED', 'x'))).toBe(0x01)
    expect(disconnectReasonFor(new P2pError('UNEXPECTED_MESSAGE', 'x'))).toBe(0x10)
    expect(disconnectReasonFor(new P2pError('TIMEOUT', 'x'))).toBe(0x10)
  })

  it('maps an RlpError (a message that does not decode) to breach of protocol', () => {
    expect(disconnectReasonFor(new RlpError('SCHEMA_MISMATCH', 'x'))).toBe(0x02)
    expect(disconnectReasonFor(new RlpError('TRUNCATED', 'x'))).toBe(0x02)
  })

  it.each([
    ['READ_TIMEOUT', 0x0b],
    ['MAC_MISMATCH', 0x02],
    ['FRAME_TOO_LARGE', 0x02],
    ['INVALID_MESSAGE_CODE', 0x02],
    ['SNAPPY_TOO_LARGE', 0x02],
    ['SNAPPY_INVALID', 0x02],
    ['SOCKET_ERROR', 0x01],
    ['CONNECTION_CLOSED', 0x01],
    ['UNEXPECTED_EOF', 0x01],
    ['WRITE_TIMEOUT', 0x01],
  ] as const)('maps RlpxError %s to %i', (code, reason) => {
    expect(disconnectReasonFor(new RlpxError(code, 'x'))).toBe(reason)
  })

  it('maps anything else to subprotocol error', () => {
    expect(disconnectReasonFor(new Error('boom'))).toBe(0x10)
    expect(disconnectReasonFor(new TypeError('boom'))).toBe(0x10)
    expect(disconnectReasonFor('a string')).toBe(0x10)
    expect(disconnectReasonFor(undefined)).toBe(0x10)
  })

  it('toDisconnectReason keeps known wire values and turns the rest into Invalid', () => {
    for (const [reason] of KNOWN_REASONS) expect(toDisconnectReason(reason)).toBe(reason)
    for (const value of [
      0x0c,
      0x0d,
      0x0e,
      0x0f,
      0x11,
      0x7f,
      0xfe,
      0xff,
      0x100,
      -1,
      1.5,
      Number.NaN,
    ]) {
      expect(toDisconnectReason(value)).toBe(0xff)
    }
  })

  it("disconnectReasonText gives geth's texts", () => {
    for (const [reason, text] of KNOWN_REASONS) {
      expect(disconnectReasonText(reason as DisconnectReason)).toBe(text)
    }
    expect(disconnectReasonText(DisconnectReason.Invalid)).toBe('invalid disconnect reason')
    expect(disconnectReasonText(0x0c as DisconnectReason)).toBe('invalid disconnect reason')
  })

  it("P2pError.local carries the reason and geth's text", () => {
    const plain = P2pError.local(DisconnectReason.TooManyPeers)
    expect(plain).toBeInstanceOf(Error)
    expect(plain.name).toBe('P2pError')
    expect(plain.code).toBe('LOCAL_DISCONNECT')
    expect(plain.reason).toBe(0x04)
    expect(plain.message).toBe('too many peers')
    expect(P2pError.local(DisconnectReason.UselessPeer, 'no shared caps').message).toBe(
      'useless peer: no shared caps',
    )
  })
})

describe('P2pError stack traces', () => {
  it('how a connection ended carries no stack; other codes do, and the limit is restored', () => {
    const limit = Error.stackTraceLimit
    for (const code of ['REMOTE_DISCONNECT', 'LOCAL_DISCONNECT', 'PEER_CLOSED'] as const) {
      const err = new P2pError(code, 'ended')
      expect(err.stack).toBe('P2pError: ended')
      expect(err.message).toBe('ended')
    }
    expect(P2pError.local(DisconnectReason.Requested).stack?.split('\n')).toHaveLength(1)
    const breach = new P2pError('PROTOCOL_BREACH', 'bad')
    expect(breach.stack?.split('\n').length).toBeGreaterThan(1)
    expect(Error.stackTraceLimit).toBe(limit)
  })
})
