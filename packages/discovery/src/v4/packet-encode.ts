/** Encoding and signing of discovery v4 packets. Pure functions, no I/O. */
import { keccak256, sign } from '@devp2p/crypto'
import { Enr, ipToBytes } from '@devp2p/enode'
import { decode, encode, type RlpInput } from '@devp2p/rlp'
import { HEADER_BYTES, MAX_PACKET_BYTES, MIN_PACKET_BYTES, PACKET_TYPES } from './constants.js'
import type { EncodedPacket, Endpoint, Packet } from './packet-types.js'

function checkBytes(value: unknown, length: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`)
  }
  return value
}

function checkUint(value: unknown, max: number, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`)
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`)
  }
  return value
}

function checkIp(value: unknown, name: string, allowEmpty: boolean): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  if (value === '' && allowEmpty) return new Uint8Array(0)
  const bytes = ipToBytes(value)
  if (bytes === undefined) throw new RangeError(`${name} is not an IP address: ${value}`)
  return bytes
}

function writeEndpoint(endpoint: Endpoint, name: string): RlpInput {
  if (typeof endpoint !== 'object' || endpoint === null) {
    throw new TypeError(`${name} must be an endpoint object`)
  }
  return [
    checkIp(endpoint.ip, `${name}.ip`, true),
    checkUint(endpoint.udp, 0xffff, `${name}.udp`),
    checkUint(endpoint.tcp, 0xffff, `${name}.tcp`),
  ]
}

const expirationOf = (packet: { expiration: number }) =>
  checkUint(packet.expiration, Number.MAX_SAFE_INTEGER, 'expiration')

function withEnrSeq(items: RlpInput[], enrSeq: bigint | undefined): RlpInput[] {
  if (enrSeq === undefined) return items
  if (typeof enrSeq !== 'bigint') throw new TypeError('enrSeq must be a bigint')
  if (enrSeq < 0n || enrSeq >= 1n << 64n) throw new RangeError(`enrSeq ${enrSeq} is not a uint64`)
  items.push(enrSeq)
  return items
}

/** The RLP items of a packet's data, checked. */
function dataOf(packet: Packet): RlpInput {
  switch (packet.type) {
    case 'ping':
      return withEnrSeq(
        [
          checkUint(packet.version, Number.MAX_SAFE_INTEGER, 'version'),
          writeEndpoint(packet.from, 'from'),
          writeEndpoint(packet.to, 'to'),
          expirationOf(packet),
        ],
        packet.enrSeq,
      )
    case 'pong':
      return withEnrSeq(
        [
          writeEndpoint(packet.to, 'to'),
          checkBytes(packet.pingHash, 32, 'pingHash'),
          expirationOf(packet),
        ],
        packet.enrSeq,
      )
    case 'findnode':
      return [checkBytes(packet.target, 64, 'target'), expirationOf(packet)]
    case 'neighbors': {
      if (!Array.isArray(packet.nodes)) throw new TypeError('nodes must be an array')
      const nodes = packet.nodes.map((node, i) => [
        checkIp(node.ip, `nodes[${i}].ip`, false),
        checkUint(node.udp, 0xffff, `nodes[${i}].udp`),
        checkUint(node.tcp, 0xffff, `nodes[${i}].tcp`),
        checkBytes(node.publicKey, 64, `nodes[${i}].publicKey`),
      ])
      return [nodes, expirationOf(packet)]
    }
    case 'enrrequest':
      return [expirationOf(packet)]
    case 'enrresponse':
      if (!(packet.record instanceof Enr)) throw new TypeError('record must be an Enr')
      return [checkBytes(packet.requestHash, 32, 'requestHash'), decode(packet.record.encode())]
    default:
      throw new TypeError(`unknown packet type ${String((packet as { type: unknown }).type)}`)
  }
}

/**
 * Encodes and signs a packet: `hash ‖ sign(keccak256(type ‖ data)) ‖ type ‖ rlp(data)`.
 * The signature is deterministic (RFC 6979), so the same packet and key give the same
 * bytes. `enrSeq` is sent when present; `skipped` of a decoded Neighbors is ignored.
 *
 * @example
 * ```ts
 * const { bytes, hash } = encodePacket(
 *   { type: 'ping', version: 4, from, to, expiration: expirationFrom(Date.now()), enrSeq: 1n },
 *   privateKey,
 * )
 * ```
 * @throws {TypeError} if a field has the wrong type or `type` is unknown.
 * @throws {RangeError} if a field is out of range (a port above 65535, an IP that does
 *   not parse, a key that is not 64 bytes, ...), if the packet would be larger than 1280
 *   bytes (e.g. more than 12 Neighbors entries with IPv6 addresses), or if `privateKey`
 *   is not a valid secp256k1 key.
 */
export function encodePacket(packet: Packet, privateKey: Uint8Array): EncodedPacket {
  if (typeof packet !== 'object' || packet === null) throw new TypeError('packet must be an object')
  const data = encode(dataOf(packet))
  const size = MIN_PACKET_BYTES + data.length
  if (size > MAX_PACKET_BYTES) {
    throw new RangeError(
      `${packet.type} packet would be ${size} bytes, more than ${MAX_PACKET_BYTES}`,
    )
  }
  const out = new Uint8Array(size)
  out[HEADER_BYTES] = PACKET_TYPES[packet.type]
  out.set(data, MIN_PACKET_BYTES)
  out.set(sign(keccak256(out.subarray(HEADER_BYTES)), privateKey), 32)
  const hash = keccak256(out.subarray(32))
  out.set(hash, 0)
  return { bytes: out, hash }
}
