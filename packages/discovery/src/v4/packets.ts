import { CryptoError, keccak256, recoverPublicKey, sign } from '@devp2p/crypto'
import {
  Enr,
  EnrError,
  ipFromBytes,
  ipToBytes,
  type NodeId,
  type NodeIdHex,
  nodeIdHex,
} from '@devp2p/enode'
import { decode, encode, fromRlp, RlpError, type RlpInput, type RlpValue, t } from '@devp2p/rlp'
import {
  EXPIRATION_S,
  HEADER_BYTES,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  PACKET_TYPES,
} from './constants.js'
import { Discv4Error } from './errors.js'

/** Re-exported for modules of this package that import it from here. */
export { MAX_NEIGHBORS_PER_PACKET } from './constants.js'

/**
 * Encoding and decoding of the six discovery v4 packets (devp2p discv4.md, EIP-8,
 * EIP-868). Pure functions, no I/O.
 *
 * Wire format: `hash(32) ‖ signature(65) ‖ type(1) ‖ rlp(data)`, where
 * `hash = keccak256(signature ‖ type ‖ data)` and the signature (r ‖ s ‖ v) is over
 * `keccak256(type ‖ data)`. The sender's key is recovered from the signature.
 */

/** The name of a packet type, the discriminant of {@link Packet}. */
export type PacketType = keyof typeof PACKET_TYPES

/**
 * A UDP/TCP endpoint as Ping and Pong carry it: `[ip, udp-port, tcp-port]`.
 *
 * `ip` is the canonical text (`1.2.3.4`, `2001:db8::1`; an IPv4-mapped IPv6 address is
 * its IPv4 text, as in geth). It is `''` when the field is not a 4- or 16-byte address:
 * geth sends empty bytes when it does not know its own address, and the spec says to use
 * the packet's source address instead. Encoding `''` sends empty bytes.
 */
export interface Endpoint {
  readonly ip: string
  readonly udp: number
  readonly tcp: number
}

/**
 * Ping (0x01): `[version, from, to, expiration, enr-seq?, ...]`.
 *
 * `enrSeq` (EIP-868) is the sender's record sequence number. It is read only when its
 * slot holds a canonical unsigned 64-bit integer; anything else there (a list, as in two
 * of the EIP-8 test packets that predate EIP-868, or non-canonical bytes) is taken to be
 * an extra element of an older sender and ignored, so `enrSeq` is absent. geth instead
 * rejects such packets; accepting them keeps EIP-8's promise that extra elements are
 * ignored, and an absent `enrSeq` only means "do not know".
 */
export interface PingPacket {
  readonly type: 'ping'
  /** 4 from current senders; other values are accepted (EIP-8). */
  readonly version: number
  /** The sender's endpoint as it sees it (receivers use the UDP source address instead). */
  readonly from: Endpoint
  /** The recipient's endpoint as the sender sees it. */
  readonly to: Endpoint
  /**
   * Unix time in seconds after which the packet is void (see {@link isExpired}). Up to 8
   * bytes on the wire, read as geth reads it, a signed 64-bit time: a value of 2^63 or
   * more is the two's complement of a negative time, so it decodes negative and is
   * always expired (geth's `devp2p discv4 test` sends such values). A value above
   * 2^53 − 1 decodes rounded (it is only ever compared), and one above 2^64 − 1 is
   * `MALFORMED`. The same holds for every packet's `expiration`.
   */
  readonly expiration: number
  readonly enrSeq?: bigint
}

/** Pong (0x02): `[to, ping-hash, expiration, enr-seq?, ...]`; `enrSeq` as in {@link PingPacket}. */
export interface PongPacket {
  readonly type: 'pong'
  /** The endpoint the Ping came from, as the Pong's sender saw it (our external address). */
  readonly to: Endpoint
  /** The hash of the Ping this answers (32 bytes). */
  readonly pingHash: Uint8Array
  readonly expiration: number
  readonly enrSeq?: bigint
}

/** FindNode (0x03): `[target, expiration, ...]`. */
export interface FindNodePacket {
  readonly type: 'findnode'
  /** A 64-byte public key (x ‖ y); not necessarily a valid point (random lookups). */
  readonly target: Uint8Array
  readonly expiration: number
}

/** One node of a Neighbors packet: `[ip, udp, tcp, public-key]`. */
export interface NeighborsNode {
  /** Canonical IP text (never `''`: entries without a 4- or 16-byte address are skipped). */
  readonly ip: string
  readonly udp: number
  readonly tcp: number
  /**
   * 64 bytes x ‖ y. When decoded, **not yet checked to be a point on secp256k1**: convert
   * the entry with `ENode.fromPublicKey`, which checks it, and drop the entry when that
   * throws (geth's `nodeFromRPC` does the same). Checking here would cost every Neighbors
   * packet up to 12 point checks (≈ 20 % of its verification with native secp256k1) that
   * the conversion repeats anyway.
   */
  readonly publicKey: Uint8Array
}

/**
 * Neighbors (0x04): `[[ip, udp, tcp, public-key], ..., expiration, ...]`.
 *
 * Decoding keeps the packet when single entries are unusable, as geth does when it
 * converts them: an entry whose IP is not 4 or 16 bytes is left out of `nodes` and
 * counted in `skipped`; keys are left for the conversion to check (see
 * {@link NeighborsNode.publicKey}). An entry of the wrong shape (not a list of at least
 * four items, a port that is not an integer up to 65535, a key that is not 64 bytes)
 * makes the whole packet `MALFORMED`, as geth's RLP decoding does.
 */
export interface NeighborsPacket {
  readonly type: 'neighbors'
  readonly nodes: readonly NeighborsNode[]
  readonly expiration: number
  /** Decoding only: how many entries were left out of `nodes` (absent when none). */
  readonly skipped?: number
}

/** ENRRequest (0x05, EIP-868): `[expiration, ...]`. */
export interface EnrRequestPacket {
  readonly type: 'enrrequest'
  readonly expiration: number
}

/**
 * ENRResponse (0x06, EIP-868): `[request-hash, record, ...]`. When decoded, the record
 * is valid, its signature verified, and it belongs to the node that signed the packet.
 * It has no expiration.
 */
export interface EnrResponsePacket {
  readonly type: 'enrresponse'
  /** The hash of the ENRRequest this answers (32 bytes). */
  readonly requestHash: Uint8Array
  readonly record: Enr
}

/** Any discovery v4 packet, discriminated by `type`. */
export type Packet =
  | PingPacket
  | PongPacket
  | FindNodePacket
  | NeighborsPacket
  | EnrRequestPacket
  | EnrResponsePacket

/** What {@link encodePacket} returns. */
export interface EncodedPacket {
  /** The datagram, at most 1280 bytes. */
  readonly bytes: Uint8Array
  /** Its hash (the first 32 bytes): what a Pong or ENRResponse to it carries. */
  readonly hash: Uint8Array
}

/** What {@link decodePacket} returns; every array is owned by the caller. */
export interface DecodedPacket {
  readonly packet: Packet
  /** The packet's hash (32 bytes), verified: reply tokens are matched against it. */
  readonly hash: Uint8Array
  /** The sender's public key (64 bytes x ‖ y), recovered from the signature. */
  readonly publicKey: Uint8Array
  /** The sender's node id, keccak256 of `publicKey`. */
  readonly nodeId: NodeId
  /** `nodeId` as hex, for maps. */
  readonly nodeIdHex: NodeIdHex
}

// ---------------------------------------------------------------- time

/**
 * Whether a packet with this `expiration` (unix seconds) is void at `nowMs` (unix
 * milliseconds): its time lies in the past, as geth's `Expired`.
 */
export function isExpired(expiration: number, nowMs: number): boolean {
  return expiration * 1000 < nowMs
}

const INT64_SIGN = 1n << 63n
const UINT64_RANGE = 1n << 64n

/**
 * A decoded 8-byte expiration as geth reads it: `time.Unix(int64(expiration), 0)`, so a
 * value with the top bit set is negative, a time before 1970, and the packet is expired.
 */
function readExpiration(value: bigint): number {
  return Number(value >= INT64_SIGN ? value - UINT64_RANGE : value)
}

/** The `expiration` of a packet sent at `nowMs` (unix milliseconds): now + 20 s, in seconds. */
export function expirationFrom(nowMs: number): number {
  return Math.floor(nowMs / 1000) + EXPIRATION_S
}

// ---------------------------------------------------------------- decoding

// ports are read as bytes, leniently (see portFrom), the one place we accept leading zeros
const endpointSchema = t.tuple(t.bytes, t.bytes, t.bytes, { extra: 'ignore' })
const nodeSchema = t.tuple(t.bytes, t.bytes, t.bytes, t.bytesN(64), { extra: 'ignore' })
const extra = { extra: 'ignore' } as const
const pingSchema = t.struct(
  'ping',
  {
    version: t.uint64,
    from: endpointSchema,
    to: endpointSchema,
    expiration: t.uint64,
    enrSeq: t.optional(t.raw),
  },
  extra,
)
const pongSchema = t.struct(
  'pong',
  { to: endpointSchema, pingHash: t.bytesN(32), expiration: t.uint64, enrSeq: t.optional(t.raw) },
  extra,
)
const findNodeSchema = t.struct('findnode', { target: t.bytesN(64), expiration: t.uint64 }, extra)
const neighborsSchema = t.struct(
  'neighbors',
  { nodes: t.list(nodeSchema), expiration: t.uint64 },
  extra,
)
const enrRequestSchema = t.struct('enrrequest', { expiration: t.uint64 }, extra)
const enrResponseSchema = t.struct(
  'enrresponse',
  { requestHash: t.bytesN(32), record: t.raw },
  extra,
)

/**
 * A packet as read before the signature is checked. An ENRResponse's record is decoded
 * and verified only after recovery, so that forged packets never pay for it.
 */
type PendingPacket =
  | Packet
  | {
      readonly type: 'enrresponse-raw'
      readonly requestHash: Uint8Array
      readonly record: RlpValue[]
    }

/** Readers by packet-type byte: RLP value → packet. They throw RlpError or Discv4Error. */
const readers: readonly (((value: RlpValue) => PendingPacket) | undefined)[] = [
  undefined,
  (value) => {
    const p = fromRlp(pingSchema, value)
    const packet: PingPacket = {
      type: 'ping',
      version: Number(p.version),
      from: readEndpoint(p.from),
      to: readEndpoint(p.to),
      expiration: readExpiration(p.expiration),
    }
    const enrSeq = readEnrSeq(p.enrSeq)
    return enrSeq === undefined ? packet : { ...packet, enrSeq }
  },
  (value) => {
    const p = fromRlp(pongSchema, value)
    const packet: PongPacket = {
      type: 'pong',
      to: readEndpoint(p.to),
      pingHash: copy(p.pingHash),
      expiration: readExpiration(p.expiration),
    }
    const enrSeq = readEnrSeq(p.enrSeq)
    return enrSeq === undefined ? packet : { ...packet, enrSeq }
  },
  (value) => {
    const p = fromRlp(findNodeSchema, value)
    return { type: 'findnode', target: copy(p.target), expiration: readExpiration(p.expiration) }
  },
  (value) => {
    const p = fromRlp(neighborsSchema, value)
    const nodes: NeighborsNode[] = []
    for (const [ip, udp, tcp, publicKey] of p.nodes) {
      const text = ipText(ip)
      const node = {
        ip: text ?? '',
        udp: portFrom(udp),
        tcp: portFrom(tcp),
        publicKey: copy(publicKey),
      }
      // ports are checked first: a bad port is a malformed packet, not a skipped entry
      if (text !== undefined) nodes.push(node)
    }
    const skipped = p.nodes.length - nodes.length
    const expiration = readExpiration(p.expiration)
    return skipped === 0
      ? { type: 'neighbors', nodes, expiration }
      : { type: 'neighbors', nodes, expiration, skipped }
  },
  (value) => {
    const p = fromRlp(enrRequestSchema, value)
    return { type: 'enrrequest', expiration: readExpiration(p.expiration) }
  },
  (value) => {
    const p = fromRlp(enrResponseSchema, value)
    if (!Array.isArray(p.record)) {
      throw new Discv4Error('MALFORMED', 'enrresponse.record: expected list, got bytes')
    }
    return { type: 'enrresponse-raw', requestHash: copy(p.requestHash), record: p.record }
  },
]

const TYPE_NAMES = Object.keys(PACKET_TYPES) as PacketType[]

/** A copy that owns its memory and is a plain Uint8Array (never a `Buffer` view). */
function copy(view: Uint8Array): Uint8Array {
  return new Uint8Array(view)
}

/**
 * An endpoint port: a big-endian uint16 of at most 2 bytes. Unlike every other integer
 * in a packet, leading zeros are accepted: @ethereumjs/devp2p writes every port as 2
 * bytes (`82 0000` for port 0, `82 0050` for 80), and refusing that made a node of ours
 * without a TCP port (`…@ip:0?discport=…`) unreachable for it. geth refuses them.
 */
function portFrom(bytes: Uint8Array): number {
  if (bytes.length > 2) {
    throw new Discv4Error('MALFORMED', `port of ${bytes.length} bytes: above 65535 or padded`)
  }
  return bytes.length === 2 ? (bytes[0]! << 8) | bytes[1]! : (bytes[0] ?? 0)
}

/** Canonical text of a 4- or 16-byte address (IPv4-mapped IPv6 as IPv4), else undefined. */
function ipText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  if (bytes.length !== 16) return undefined
  let mapped = bytes[10] === 0xff && bytes[11] === 0xff
  for (let i = 0; mapped && i < 10; i++) mapped = bytes[i] === 0
  return ipFromBytes(mapped ? bytes.subarray(12) : bytes)
}

function readEndpoint([ip, udp, tcp]: [Uint8Array, Uint8Array, Uint8Array]): Endpoint {
  return { ip: ipText(ip) ?? '', udp: portFrom(udp), tcp: portFrom(tcp) }
}

/** The enr-seq slot: a canonical uint64, or absent (anything else is an older sender's extra). */
function readEnrSeq(value: RlpValue | undefined): bigint | undefined {
  if (!(value instanceof Uint8Array) || value.length > 8 || value[0] === 0) return undefined
  let seq = 0n
  for (const byte of value) seq = (seq << 8n) | BigInt(byte)
  return seq
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Decodes and authenticates a discovery v4 packet, checking the cheapest things first:
 * the size (98 to 1280 bytes), the hash, the packet type, the RLP and its shape, and only
 * then the signature, whose recovery is the one expensive step (two keccak256 and one
 * public key recovery in all). After recovery, an ENRResponse's record is verified.
 *
 * Extra list elements and bytes after the RLP list are ignored (EIP-8); see
 * {@link PingPacket} for the enr-seq slot and {@link NeighborsPacket} for unusable
 * entries. The expiration is not checked here (use {@link isExpired}): decoding does
 * not depend on the clock.
 *
 * @param bytes one datagram; not modified, not retained (the result owns copies).
 * @throws {Discv4Error} for every problem with the bytes (see {@link Discv4ErrorCode}).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  const size = bytes.length
  if (size < MIN_PACKET_BYTES) {
    throw new Discv4Error('TOO_SMALL', `packet of ${size} bytes, less than ${MIN_PACKET_BYTES}`)
  }
  if (size > MAX_PACKET_BYTES) {
    throw new Discv4Error('TOO_LARGE', `packet of ${size} bytes, more than ${MAX_PACKET_BYTES}`)
  }
  const hash = keccak256(bytes.subarray(32))
  if (!equal32(hash, bytes)) throw new Discv4Error('BAD_HASH', 'hash does not match the packet')
  const typeByte = bytes[HEADER_BYTES]!
  const read = readers[typeByte]
  if (read === undefined) throw new Discv4Error('UNKNOWN_TYPE', `unknown packet type ${typeByte}`)
  const name = TYPE_NAMES[typeByte - 1]!
  let pending: PendingPacket
  try {
    pending = read(decode(bytes.subarray(MIN_PACKET_BYTES), { allowTrailing: true }))
  } catch (err) {
    if (err instanceof RlpError) {
      throw new Discv4Error('MALFORMED', `${name}: ${err.message}`, { cause: err })
    }
    throw err
  }
  let publicKey: Uint8Array
  try {
    publicKey = recoverPublicKey(
      keccak256(bytes.subarray(HEADER_BYTES)),
      bytes.subarray(32, HEADER_BYTES),
    )
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new Discv4Error('BAD_SIGNATURE', err.message, { cause: err })
    }
    throw err
  }
  let packet: Packet
  if (pending.type === 'enrresponse-raw') {
    packet = {
      type: 'enrresponse',
      requestHash: pending.requestHash,
      record: readRecord(pending.record, publicKey),
    }
  } else {
    packet = pending
  }
  const nodeId = keccak256(publicKey)
  return { packet, hash, publicKey, nodeId, nodeIdHex: nodeIdHex(nodeId) }
}

/** The record of an ENRResponse, verified, and the signer's own. */
function readRecord(value: RlpValue[], signer: Uint8Array): Enr {
  let record: Enr
  try {
    record = Enr.decode(encode(value))
  } catch (err) {
    if (err instanceof EnrError) {
      throw new Discv4Error('BAD_RECORD', `enrresponse.record: ${err.message}`, { cause: err })
    }
    throw err
  }
  const key = record.publicKey
  for (let i = 0; i < 64; i++) {
    if (key[i] !== signer[i]) {
      throw new Discv4Error('BAD_RECORD', 'enrresponse.record is not the record of its sender')
    }
  }
  return record
}

// ---------------------------------------------------------------- encoding

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
