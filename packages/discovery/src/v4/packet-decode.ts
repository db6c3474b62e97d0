/**
 * Decoding and authentication of discovery v4 packets: cheapest checks first (size,
 * hash, type, RLP shape), then the one signature recovery. Pure functions, no I/O.
 */
import { CryptoError, keccak256, recoverPublicKey } from '@devp2p/crypto'
import { Enr, EnrError, ipFromBytes, nodeIdHex } from '@devp2p/enode'
import { decode, encode, fromRlp, RlpError, type RlpValue, t } from '@devp2p/rlp'
import { DiscoveryError } from '../errors.js'
import { HEADER_BYTES, MAX_PACKET_BYTES, MIN_PACKET_BYTES, PACKET_TYPES } from './constants.js'
import { readExpiration } from './expiration.js'
import type {
  DecodedPacket,
  Endpoint,
  NeighborsNode,
  Packet,
  PacketType,
  PingPacket,
  PongPacket,
} from './packet-types.js'

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

/** Readers by packet-type byte: RLP value → packet. They throw RlpError or DiscoveryError. */
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
      throw new DiscoveryError('MALFORMED', 'enrresponse.record: expected list, got bytes')
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
    throw new DiscoveryError('MALFORMED', `port of ${bytes.length} bytes: above 65535 or padded`)
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
 * @throws {DiscoveryError} for every problem with the bytes (see {@link DiscoveryErrorCode}).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  const size = bytes.length
  if (size < MIN_PACKET_BYTES) {
    throw new DiscoveryError('TOO_SMALL', `packet of ${size} bytes, less than ${MIN_PACKET_BYTES}`)
  }
  if (size > MAX_PACKET_BYTES) {
    throw new DiscoveryError('TOO_LARGE', `packet of ${size} bytes, more than ${MAX_PACKET_BYTES}`)
  }
  const hash = keccak256(bytes.subarray(32))
  if (!equal32(hash, bytes)) throw new DiscoveryError('BAD_HASH', 'hash does not match the packet')
  const typeByte = bytes[HEADER_BYTES]!
  const read = readers[typeByte]
  if (read === undefined)
    throw new DiscoveryError('UNKNOWN_TYPE', `unknown packet type ${typeByte}`)
  const name = TYPE_NAMES[typeByte - 1]!
  let pending: PendingPacket
  try {
    pending = read(decode(bytes.subarray(MIN_PACKET_BYTES), { allowTrailing: true }))
  } catch (err) {
    if (err instanceof RlpError) {
      throw new DiscoveryError('MALFORMED', `${name}: ${err.message}`, { cause: err })
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
      throw new DiscoveryError('BAD_SIGNATURE', err.message, { cause: err })
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
      throw new DiscoveryError('BAD_RECORD', `enrresponse.record: ${err.message}`, { cause: err })
    }
    throw err
  }
  const key = record.publicKey
  for (let i = 0; i < 64; i++) {
    if (key[i] !== signer[i]) {
      throw new DiscoveryError('BAD_RECORD', 'enrresponse.record is not the record of its sender')
    }
  }
  return record
}
