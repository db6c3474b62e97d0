/**
 * Node discovery v4 for devp2p (devp2p discv4.md with EIP-8 and EIP-868),
 * wire-compatible with go-ethereum: the {@link Discv4} service (a Kademlia table,
 * lookups, and `randomNodes`, a node source for @devp2p/p2p's server), and the six packet
 * types, encoded, signed, decoded and authenticated.
 *
 * - {@link Discv4}: takes the caller's `localNode` and `db`; `start()`, `lookup()`,
 *   `randomNodes({ signal })`, `stop()`. Failures are {@link DiscoveryError}s.
 * - {@link encodePacket}: a typed {@link Packet} → a signed datagram and its hash.
 * - {@link decodePacket}: a datagram → the packet, its hash, and the sender's public key
 *   and node id. Checks run cheapest first (size, hash, type, RLP shape) so that junk
 *   costs no signature recovery; every problem with the bytes is a {@link DiscoveryError}
 *   with a `code` (its packet codes). Extra list elements and trailing bytes are ignored (EIP-8).
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
 * import { decodePacket, DiscoveryError, encodePacket, expirationFrom, isExpired } from '@devp2p/discovery/v4'
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
 *     if (err instanceof DiscoveryError) return // err.code: 'BAD_HASH', 'MALFORMED', ...
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

export type { DiscoveryErrorCode, PacketErrorCode, RequestErrorCode } from '../errors.js'
export { DiscoveryError } from '../errors.js'
export type { LookupOptions, LookupStats } from '../kad/lookup.js'
export type { NetRestrict } from '../kad/protocol.js'
export type { BucketNodeSnapshot } from '../kad/table-snapshot.js'
export {
  EXPIRATION_S,
  MAX_NEIGHBORS_PER_PACKET,
  MAX_PACKET_BYTES,
  PACKET_TYPES,
  PROTOCOL_VERSION,
} from './constants.js'
export type { Discv4Events, Discv4Options } from './discv4.js'
export { Discv4 } from './discv4.js'
export { expirationFrom, isExpired } from './expiration.js'
export { decodePacket } from './packet-decode.js'
export { encodePacket } from './packet-encode.js'
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
} from './packet-types.js'
export type { PongInfo } from './requests.js'
export type { Discv4Stats } from './stats.js'
export type { DatagramTransport, UdpAddress } from './transport.js'
export { UdpTransport } from './transport.js'
