/**
 * Node discovery v4 for devp2p (devp2p discv4.md with EIP-8 and EIP-868): the six packet
 * types, encoded, signed, decoded and authenticated, wire-compatible with go-ethereum.
 *
 * - {@link encodePacket}: a typed {@link Packet} → a signed datagram and its hash.
 * - {@link decodePacket}: a datagram → the packet, its hash, and the sender's public key
 *   and node id. Checks run cheapest first (size, hash, type, RLP shape) so that junk
 *   costs no signature recovery; every problem with the bytes is a {@link Discv4Error}
 *   with a `code`. Extra list elements and trailing bytes are ignored (EIP-8).
 * - {@link isExpired} and {@link expirationFrom}: the `expiration` field, in unix seconds.
 *
 * Decoding choices (each documented on its type):
 * - the enr-seq slot of Ping and Pong is read only when it holds a canonical uint64;
 *   anything else there (a list in two EIP-8 test packets that predate EIP-868) means
 *   "absent" ({@link PingPacket});
 * - Neighbors entries with an IP that is not 4 or 16 bytes are skipped and counted, the
 *   rest of the packet is kept; their keys are checked on conversion
 *   (`ENode.fromPublicKey`), as in geth, not while decoding ({@link NeighborsPacket});
 * - an ENRResponse record must verify and belong to the packet's signer.
 *
 * @example
 * ```ts
 * import { decodePacket, Discv4Error, encodePacket, expirationFrom, isExpired } from '@devp2p/discovery/v4'
 *
 * const { bytes, hash } = encodePacket(
 *   {
 *     type: 'ping',
 *     version: 4,
 *     from: { ip: '10.0.0.1', udp: 30303, tcp: 30303 },
 *     to: { ip: '203.0.113.7', udp: 30303, tcp: 0 },
 *     expiration: expirationFrom(Date.now()),
 *     enrSeq: 7n,
 *   },
 *   privateKey,
 * )
 * socket.send(bytes, 30303, '203.0.113.7')
 *
 * socket.on('message', (datagram) => {
 *   let decoded
 *   try {
 *     decoded = decodePacket(datagram)
 *   } catch (err) {
 *     if (err instanceof Discv4Error) return // err.code: 'BAD_HASH', 'MALFORMED', ...
 *     throw err
 *   }
 *   const { packet, nodeIdHex } = decoded
 *   if ('expiration' in packet && isExpired(packet.expiration, Date.now())) return
 *   if (packet.type === 'pong') console.log(nodeIdHex, 'sees us at', packet.to.ip)
 * })
 * ```
 *
 * @packageDocumentation
 */
export { BOND_CACHE_MAX_ENTRIES } from './bond-cache.js'
export {
  BUCKET_SIZE,
  EXPIRATION_S,
  HEADER_BYTES,
  MAX_NEIGHBORS_PER_PACKET,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  PACKET_TYPES,
  PROTOCOL_VERSION,
} from './constants.js'
export type { Discv4ErrorCode } from './errors.js'
export { Discv4Error } from './errors.js'
export type {
  DecodedPacket,
  EncodedPacket,
  Endpoint,
  EnrRequestPacket,
  EnrResponsePacket,
  FindNodePacket,
  NeighborsNode,
  NeighborsPacket,
  Packet,
  PacketType,
  PingPacket,
  PongPacket,
} from './packets.js'
export { decodePacket, encodePacket, expirationFrom, isExpired } from './packets.js'
export type {
  Discv4Events,
  Discv4Options,
  Discv4Stats,
  LookupOptions,
  LookupStats,
} from './service.js'
export {
  BOND_EXPIRATION_MS,
  Discv4,
  Discv4RequestError,
  LOOKUP_ALPHA,
  MAX_FINDNODE_FAILURES,
  MAX_HANDLERS_IN_FLIGHT,
  MAX_PENDING_REPLIES,
  MAX_PING_BACKS_IN_FLIGHT,
  REFRESH_INTERVAL_MS,
  REOFFER_AFTER_MS,
  REOFFER_MAX_IDS,
  RESPONSE_TIMEOUT_MS,
  REVALIDATE_INTERVAL_MS,
  SEED_COUNT,
  SEED_MAX_AGE_MS,
} from './service.js'
export type {
  AddResult,
  BucketView,
  RejectReason,
  RevalidationResult,
  TableEntry,
  TableNode,
  TableOptions,
} from './table.js'
export {
  BUCKET_IP_LIMIT,
  BUCKET_MIN_DISTANCE,
  BUCKET_SUBNET_BITS,
  MAX_REPLACEMENTS,
  N_BUCKETS,
  TABLE_IP_LIMIT,
  Table,
} from './table.js'
export type { DatagramTransport, UdpAddress } from './transport.js'
export { UdpTransport } from './transport.js'
export {
  UNBONDED_RATE_MAX_IPS,
  UNBONDED_RATE_PER_IP,
  UNBONDED_RATE_WINDOW_MS,
} from './unbonded-rate.js'
