/**
 * The six messages: exact encodings written out from discv5-wire.md, strict decoding
 * (every refusal a DiscoveryError with its code), misuse on encoding, NODES packing and
 * the verification of received records.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  type DiscoveryErrorCode,
  decodeMessage,
  encodeMessage,
  encodeMessagePacket,
  MAX_NODES_MESSAGES,
  MAX_NODES_RECORDS,
  type Message,
  type NodesMessage,
  nodesMessages,
  verifyNodesRecords,
} from '../../src/v5/index.js'
import { expectCode } from './helpers.js'

const key = generatePrivateKey()
const record = Enr.create(key, { seq: 3n, ip: '10.0.0.1', udp: 30303 })

describe('encodeMessage writes message-type ‖ rlp(message-data)', () => {
  it.each<[string, Message, string]>([
    [
      'ping (the vectors’ plaintext)',
      { type: 'ping', requestId: unhex('00000001'), enrSeq: 2n },
      '01c6840000000102',
    ],
    [
      'pong',
      { type: 'pong', requestId: unhex('01'), enrSeq: 1n, ip: '127.0.0.1', port: 30303 },
      '02ca0101847f00000182765f',
    ],
    [
      'findnode',
      { type: 'findnode', requestId: unhex('01'), distances: [256, 255, 0] },
      '03c801c682010081ff80',
    ],
    [
      'nodes, empty',
      { type: 'nodes', requestId: unhex('01'), total: 1, records: [] },
      '04c30101c0',
    ],
    [
      'talkreq',
      { type: 'talkreq', requestId: unhex('01'), protocol: unhex('7778'), request: unhex('6869') },
      '05c701827778826869',
    ],
    [
      'talkresp, empty',
      { type: 'talkresp', requestId: unhex('01'), response: new Uint8Array(0) },
      '06c20180',
    ],
  ])('%s', (_name, message, expected) => {
    expect(hex(encodeMessage(message))).toBe(expected)
    expect(decodeMessage(unhex(expected))).toEqual(message)
  })

  it('NODES carries each record’s RLP as it is, unverified until asked', () => {
    const bytes = encodeMessage({
      type: 'nodes',
      requestId: unhex('07'),
      total: 2,
      records: [record.encode()],
    })
    expect(hex(bytes)).toContain(hex(record.encode()))
    const back = decodeMessage(bytes)
    expect(back).toEqual({
      type: 'nodes',
      requestId: unhex('07'),
      total: 2,
      records: [record.encode()],
    })
    const { records, skipped } = verifyNodesRecords(back as NodesMessage)
    expect(records.map((r) => r.encodeText())).toEqual([record.encodeText()])
    expect(skipped).toBe(0)
  })
})

describe('decodeMessage refuses', () => {
  it.each<[string, string, string]>([
    ['an empty plaintext', '', 'DECRYPT_FAILED'],
    ['type 0', '00c20101', 'UNKNOWN_TYPE'],
    ['type 7 (REGTOPIC, not in v5.1 as implemented)', '07c20101', 'UNKNOWN_TYPE'],
    ['type 0xff', 'ffc20101', 'UNKNOWN_TYPE'],
    ['a ping with an extra element', '01c784000000010203', 'MALFORMED'],
    ['a ping without its seq', '01c58400000001', 'MALFORMED'],
    ['a request id of 9 bytes', '01cb8900000000000000000102', 'MALFORMED'],
    ['a seq with a leading zero', '01c401820001', 'MALFORMED'],
    ['a seq of 9 bytes', '01cb0189010000000000000000', 'MALFORMED'],
    ['bytes after the list', '01c6840000000102ff', 'MALFORMED'],
    ['message data that is not a list', '018400000001', 'MALFORMED'],
    ['a pong port of 65536', '02cb0101847f00000183010000', 'MALFORMED'],
    ['a pong ip of 5 bytes', '02cb0101857f0000010182765f', 'MALFORMED'],
    ['a distance of 257', '03c501c3820101', 'MALFORMED'],
    ['a distance that is a list', '03c401c2c180', 'MALFORMED'],
    ['a NODES total of 256', '04c501820100c0', 'MALFORMED'],
    ['a NODES record that is bytes', '04c50101c28001', 'MALFORMED'],
    ['a TALKREQ without its request', '05c401827778', 'MALFORMED'],
  ])('%s', (_name, text, code) => {
    expectCode(() => decodeMessage(unhex(text)), code as DiscoveryErrorCode)
  })

  it('more than 257 distances', () => {
    const distances = Array.from({ length: 258 }, () => 1)
    // written out: 03 ‖ [01, [01 × 258]]: the inner list is f9 0102 ‖ 258 × 01
    const inner = Uint8Array.from([0xf9, 0x01, 0x02, ...distances])
    const outer = Uint8Array.from([0xf9, 0x01, 0x06, 0x01, ...inner])
    expectCode(() => decodeMessage(Uint8Array.from([0x03, ...outer])), 'MALFORMED')
    expect(
      decodeMessage(
        Uint8Array.from([0x03, 0xf9, 0x01, 0x05, 0x01, 0xf9, 0x01, 0x01, ...distances.slice(1)]),
      ),
    ).toMatchObject({ type: 'findnode' })
  })
})

describe('decodeMessage reads', () => {
  it('an IPv4-mapped IPv6 pong address as IPv4, and IPv6 as RFC 5952 text', () => {
    const mapped = unhex('00000000000000000000ffff0a000001')
    const pong = (ip: Uint8Array) =>
      Uint8Array.from([
        0x02,
        0xc0 + 2 + 1 + ip.length + 3,
        0x01,
        0x01,
        0x80 + ip.length,
        ...ip,
        0x82,
        0x76,
        0x5f,
      ])
    expect(decodeMessage(pong(mapped))).toMatchObject({ ip: '10.0.0.1', port: 30303 })
    expect(decodeMessage(pong(unhex('20010db8000000000000000000000001')))).toMatchObject({
      ip: '2001:db8::1',
    })
  })

  it('a NODES record that does not verify decodes, and verifyNodesRecords skips and counts it', () => {
    const forged = record.encode()
    forged[10]! ^= 1 // inside the signature
    const tooLong = Uint8Array.from([0xf9, 0x01, 0x2a, ...new Uint8Array(298)]) // a list of 301 bytes
    const decoded = decodeMessage(
      encodeMessage({
        type: 'nodes',
        requestId: unhex('01'),
        total: 1,
        records: [forged, record.encode(), tooLong],
      }),
    )
    expect(decoded.type === 'nodes' && decoded.records.length).toBe(3)
    const { records, skipped } = verifyNodesRecords(decoded as NodesMessage)
    expect(records.map((r) => r.seq)).toEqual([3n])
    expect(skipped).toBe(2)
  })

  it('owns its bytes: changing the plaintext afterwards changes nothing', () => {
    const plaintext = encodeMessage({
      type: 'talkreq',
      requestId: unhex('0102'),
      protocol: unhex('aa'),
      request: unhex('bbcc'),
    })
    const message = decodeMessage(plaintext)
    plaintext.fill(0)
    expect(message).toEqual({
      type: 'talkreq',
      requestId: unhex('0102'),
      protocol: unhex('aa'),
      request: unhex('bbcc'),
    })
  })
})

describe('encodeMessage refuses misuse', () => {
  const id = unhex('01')
  it.each<[string, Message, ErrorConstructor]>([
    [
      'a request id of 9 bytes',
      { type: 'ping', requestId: new Uint8Array(9), enrSeq: 1n },
      RangeError,
    ],
    ['a negative seq', { type: 'ping', requestId: id, enrSeq: -1n }, RangeError],
    ['a seq above uint64', { type: 'ping', requestId: id, enrSeq: 1n << 64n }, RangeError],
    [
      'a port above 65535',
      { type: 'pong', requestId: id, enrSeq: 1n, ip: '1.2.3.4', port: 65536 },
      RangeError,
    ],
    [
      'an ip that is not one',
      { type: 'pong', requestId: id, enrSeq: 1n, ip: 'localhost', port: 1 },
      TypeError,
    ],
    ['a distance of 257', { type: 'findnode', requestId: id, distances: [257] }, RangeError],
    [
      '258 distances',
      { type: 'findnode', requestId: id, distances: new Array(258).fill(1) },
      RangeError,
    ],
    ['a total of 256', { type: 'nodes', requestId: id, total: 256, records: [] }, RangeError],
    [
      'a NODES record that is not a list',
      { type: 'nodes', requestId: id, total: 1, records: [unhex('8180')] },
      TypeError,
    ],
    [
      'a NODES record that is not RLP',
      { type: 'nodes', requestId: id, total: 1, records: [unhex('c5')] },
      TypeError,
    ],
  ])('%s', (_name, message, error) => {
    expect(() => encodeMessage(message)).toThrow(error)
  })
})

/** A record padded with an extra entry to `size` bytes (records are at most 300). */
function paddedRecord(size: number): Enr {
  const k = generatePrivateKey()
  for (let pad = 0; pad < 300; pad++) {
    const r = Enr.create(k, { ip: '10.0.0.2', udp: 30303, entries: { z: new Uint8Array(pad) } })
    if (r.size >= size) return r
  }
  throw new Error(`no record of ${size} bytes`)
}

describe('nodesMessages', () => {
  const ids = { destId: new Uint8Array(32), srcId: new Uint8Array(32), nonce: new Uint8Array(12) }
  const writeKey = new Uint8Array(16)
  const packetOf = (message: Message) => encodeMessagePacket({ ...ids, writeKey, message })

  it('answers with one empty NODES when there is nothing to send', () => {
    expect(nodesMessages(unhex('01'), [])).toEqual([
      { type: 'nodes', requestId: unhex('01'), total: 1, records: [] },
    ])
  })

  it('sends at most 16 records, in order, as few messages as fit (16 of ~80 bytes: two)', () => {
    expect(record.size).toBeGreaterThan(1176 / 16)
    expect(record.size).toBeLessThan(1176 / 8)
    const records = Array.from({ length: 20 }, () => record)
    const messages = nodesMessages(unhex('01'), records)
    expect(messages.length).toBe(2)
    expect(messages.flatMap((m) => m.records).length).toBe(MAX_NODES_RECORDS)
    for (const m of messages) {
      expect(m.total).toBe(2)
      expect(packetOf(m).length).toBeLessThanOrEqual(1280)
    }
  })

  it('fills at most 5 messages with 300-byte records, each in one packet, and leaves out the rest', () => {
    const big = paddedRecord(300)
    expect(big.size).toBe(300)
    const messages = nodesMessages(
      new Uint8Array(8),
      Array.from({ length: 16 }, () => big),
    )
    expect(messages.length).toBe(MAX_NODES_MESSAGES)
    expect(messages.map((m) => m.records.length)).toEqual([3, 3, 3, 3, 3])
    for (const m of messages) {
      expect(m.total).toBe(5)
      expect(packetOf(m).length).toBeLessThanOrEqual(1280)
    }
    // the limit is real: four such records do not fit one packet
    expect(() =>
      packetOf({
        type: 'nodes',
        requestId: new Uint8Array(8),
        total: 1,
        records: [big, big, big, big].map((r) => r.encode()),
      }),
    ).toThrow(RangeError)
  })

  it('fills a full last message with a smaller record that still fits', () => {
    const big = paddedRecord(300)
    const records = [...Array.from({ length: 15 }, () => big), record]
    const messages = nodesMessages(unhex('01'), records)
    expect(messages.length).toBe(5)
    expect(hex(messages[4]!.records.at(-1)!)).toBe(hex(record.encode()))
  })

  it('refuses a request id over 8 bytes', () => {
    expect(() => nodesMessages(new Uint8Array(9), [])).toThrow(RangeError)
  })
})
