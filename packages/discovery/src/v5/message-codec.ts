/**
 * Encoding and strict decoding of the six messages: `message-type ‖ rlp(message-data)`,
 * the plaintext inside a packet. Pure functions, no I/O.
 */
import { ipFromBytes, ipToBytes } from '@devp2p/enode'
import { decode, decodeAs, encode, RlpError, type RlpInput, type RlpValue, t } from '@devp2p/rlp'
import { DiscoveryError } from '../errors.js'
import {
  MAX_DISTANCE,
  MAX_FINDNODE_DISTANCES,
  MAX_NODES_TOTAL,
  MAX_REQUEST_ID_BYTES,
  MESSAGE_TYPES,
} from './constants.js'
import type { Message, MessageType } from './message-types.js'

const schemas = {
  ping: t.struct('ping', { requestId: t.bytes, enrSeq: t.uint64 }),
  pong: t.struct('pong', { requestId: t.bytes, enrSeq: t.uint64, ip: t.bytes, port: t.uint }),
  findnode: t.struct('findnode', {
    requestId: t.bytes,
    distances: t.list(t.uint, { max: MAX_FINDNODE_DISTANCES }),
  }),
  nodes: t.struct('nodes', { requestId: t.bytes, total: t.uint, records: t.list(t.raw) }),
  talkreq: t.struct('talkreq', { requestId: t.bytes, protocol: t.bytes, request: t.bytes }),
  talkresp: t.struct('talkresp', { requestId: t.bytes, response: t.bytes }),
}

const TYPE_NAMES: readonly (MessageType | undefined)[] = (() => {
  const names: (MessageType | undefined)[] = []
  for (const [name, code] of Object.entries(MESSAGE_TYPES)) names[code] = name as MessageType
  return names
})()

function malformed(message: string): DiscoveryError {
  return new DiscoveryError('MALFORMED', message)
}

/** A copy that owns its memory and is a plain Uint8Array (never a view into the packet). */
function copy(view: Uint8Array): Uint8Array {
  return new Uint8Array(view)
}

function readRequestId(name: string, id: Uint8Array): Uint8Array {
  if (id.length > MAX_REQUEST_ID_BYTES) {
    throw malformed(`${name}.requestId: ${id.length} bytes, more than ${MAX_REQUEST_ID_BYTES}`)
  }
  return copy(id)
}

/** Canonical text of a 4- or 16-byte address (IPv4-mapped IPv6 as IPv4). */
function readIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return ipFromBytes(bytes)
  if (bytes.length !== 16) throw malformed(`pong.ip: ${bytes.length} bytes, not 4 or 16`)
  let mapped = bytes[10] === 0xff && bytes[11] === 0xff
  for (let i = 0; mapped && i < 10; i++) mapped = bytes[i] === 0
  return ipFromBytes(mapped ? bytes.subarray(12) : bytes)
}

/** The records of a NODES message as bytes; an item that is not a list is refused. */
function readRecords(items: RlpValue[]): Uint8Array[] {
  return items.map((item) => {
    if (!Array.isArray(item)) throw malformed('nodes.records: a record that is not a list')
    return encode(item)
  })
}

function readBody(type: MessageType, body: Uint8Array): Message {
  switch (type) {
    case 'ping': {
      const m = decodeAs(schemas.ping, body)
      return { type, requestId: readRequestId(type, m.requestId), enrSeq: m.enrSeq }
    }
    case 'pong': {
      const m = decodeAs(schemas.pong, body)
      if (m.port > 0xffff) throw malformed(`pong.port: ${m.port} is above 65535`)
      return {
        type,
        requestId: readRequestId(type, m.requestId),
        enrSeq: m.enrSeq,
        ip: readIp(m.ip),
        port: m.port,
      }
    }
    case 'findnode': {
      const m = decodeAs(schemas.findnode, body)
      for (const d of m.distances) {
        if (d > MAX_DISTANCE) throw malformed(`findnode.distances: ${d} is above ${MAX_DISTANCE}`)
      }
      return { type, requestId: readRequestId(type, m.requestId), distances: m.distances }
    }
    case 'nodes': {
      const m = decodeAs(schemas.nodes, body)
      const requestId = readRequestId(type, m.requestId)
      if (m.total > MAX_NODES_TOTAL) {
        throw malformed(`nodes.total: ${m.total} is above ${MAX_NODES_TOTAL}`)
      }
      return { type, requestId, total: m.total, records: readRecords(m.records) }
    }
    case 'talkreq': {
      const m = decodeAs(schemas.talkreq, body)
      return {
        type,
        requestId: readRequestId(type, m.requestId),
        protocol: copy(m.protocol),
        request: copy(m.request),
      }
    }
    case 'talkresp': {
      const m = decodeAs(schemas.talkresp, body)
      return { type, requestId: readRequestId(type, m.requestId), response: copy(m.response) }
    }
  }
}

/**
 * Decodes a message plaintext: its type byte, then strict RLP of that type's list (no
 * extra elements, no trailing bytes, canonical integers), then the range checks.
 *
 * @param plaintext `message-type ‖ rlp(message-data)`; not modified, not retained.
 * @throws {DiscoveryError} `DECRYPT_FAILED` when empty (nothing authenticated to read),
 *   `UNKNOWN_TYPE` for a type other than 1–6, `MALFORMED` for everything else.
 * @throws {TypeError} if `plaintext` is not a `Uint8Array`.
 */
export function decodeMessage(plaintext: Uint8Array): Message {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Uint8Array')
  if (plaintext.length === 0) throw new DiscoveryError('DECRYPT_FAILED', 'empty message')
  const type = TYPE_NAMES[plaintext[0]!]
  if (type === undefined) {
    throw new DiscoveryError('UNKNOWN_TYPE', `unknown message type ${plaintext[0]}`)
  }
  try {
    return readBody(type, plaintext.subarray(1))
  } catch (err) {
    if (err instanceof RlpError) {
      throw new DiscoveryError('MALFORMED', `${type}: ${err.message}`, { cause: err })
    }
    throw err
  }
}

function checkRequestId(id: Uint8Array): Uint8Array {
  if (!(id instanceof Uint8Array)) throw new TypeError('requestId must be a Uint8Array')
  if (id.length > MAX_REQUEST_ID_BYTES) {
    throw new RangeError(`requestId must be at most ${MAX_REQUEST_ID_BYTES} bytes`)
  }
  return id
}

function checkUint(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0…${max}, got ${value}`)
  }
  return value
}

function checkSeq(seq: bigint): bigint {
  if (typeof seq !== 'bigint' || seq < 0n || seq > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`enrSeq must be a uint64 bigint, got ${String(seq)}`)
  }
  return seq
}

/** An encoded record as an RLP value to embed: it must be one RLP list. */
function recordValue(bytes: Uint8Array): RlpValue {
  let value: RlpValue
  try {
    value = decode(bytes)
  } catch (err) {
    if (err instanceof RlpError) throw new TypeError('nodes.records: not an encoded record')
    throw err
  }
  if (!Array.isArray(value)) throw new TypeError('nodes.records: not an encoded record')
  return value
}

/** The RLP list of a message's data. */
function bodyOf(message: Message): RlpInput[] {
  const id = checkRequestId(message.requestId)
  switch (message.type) {
    case 'ping':
      return [id, checkSeq(message.enrSeq)]
    case 'pong': {
      const ip = ipToBytes(message.ip)
      if (ip === undefined) throw new TypeError(`pong.ip is not an IP address: ${message.ip}`)
      return [id, checkSeq(message.enrSeq), ip, checkUint('pong.port', message.port, 0xffff)]
    }
    case 'findnode':
      if (message.distances.length > MAX_FINDNODE_DISTANCES) {
        throw new RangeError(`findnode takes at most ${MAX_FINDNODE_DISTANCES} distances`)
      }
      return [id, message.distances.map((d) => checkUint('distance', d, MAX_DISTANCE))]
    case 'nodes':
      return [
        id,
        checkUint('nodes.total', message.total, MAX_NODES_TOTAL),
        message.records.map(recordValue),
      ]
    case 'talkreq':
      return [id, message.protocol, message.request]
    case 'talkresp':
      return [id, message.response]
    default:
      throw new TypeError(`unknown message type ${(message as { type: unknown }).type}`)
  }
}

/**
 * Encodes a message: `message-type ‖ rlp(message-data)`, the plaintext a packet
 * encrypts. Integers are minimal big-endian (seq as uint64).
 *
 * @returns a new array owned by the caller.
 * @throws {RangeError} for a request id over 8 bytes, a distance outside 0–256 (or more
 *   than 257 of them), a port over 65535, a `total` over 255, an `enrSeq` outside uint64.
 * @throws {TypeError} for an unknown type, a `pong.ip` that is not an IP address, or a
 *   NODES record that is not one RLP list.
 */
export function encodeMessage(message: Message): Uint8Array {
  const body = encode(bodyOf(message))
  const out = new Uint8Array(1 + body.length)
  out[0] = MESSAGE_TYPES[message.type]
  out.set(body, 1)
  return out
}
