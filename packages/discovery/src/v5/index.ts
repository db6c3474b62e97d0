/**
 * Discovery v5.1, the wire layer (devp2p discv5-wire.md and discv5-theory.md),
 * wire-compatible with go-ethereum: the six messages, the three packet kinds with header
 * masking (AES-128-CTR) and sealed messages (AES-128-GCM), and the handshake's
 * cryptography. Pure functions, no sockets: the session cache and the UDP service are
 * built on top (planned).
 *
 * - {@link decodePacket}: a datagram → an {@link OrdinaryPacket}, {@link WhoareyouPacket}
 *   or {@link HandshakePacket}, checking the cheap things only (size, header, layout).
 * - {@link decryptMessage}: an ordinary packet's message, with the session's read key;
 *   `DECRYPT_FAILED` means "answer with a WHOAREYOU".
 * - {@link acceptHandshake} / {@link createHandshake}: the two halves of the handshake.
 * - {@link encodeMessagePacket}, {@link encodeRandomPacket}, {@link encodeWhoareyouPacket},
 *   {@link encodeHandshakePacket}: the packets we send.
 * - {@link encodeMessage} / {@link decodeMessage}: the message plaintexts;
 *   {@link nodesMessages} splits a FINDNODE answer into NODES messages that fit, and
 *   {@link verifyNodesRecords} checks the records of one that answers our request.
 *
 * Every problem with bytes from the network is a {@link DiscoveryError} with a `code`;
 * misuse (wrong sizes of our own keys and ids, values out of range) is a `TypeError` or
 * `RangeError`.
 *
 * @example
 * ```ts
 * import { decodePacket, decryptMessage, DiscoveryError, encodeMessagePacket } from '@devp2p/discovery/v5'
 *
 * // we (A) hold a session with B: keys from a handshake, a fresh nonce per packet
 * const bytes = encodeMessagePacket({
 *   destId: b.nodeId, srcId: a.nodeId, nonce, writeKey: session.writeKey,
 *   message: { type: 'ping', requestId: Uint8Array.of(1), enrSeq: a.record.seq },
 * })
 *
 * // B, on receiving it
 * try {
 *   const packet = decodePacket(b.nodeId, bytes)
 *   if (packet.kind === 'message') {
 *     const message = decryptMessage(packet, sessionOf(packet.srcId).readKey)   // a PingMessage
 *   }
 * } catch (err) {
 *   if (!(err instanceof DiscoveryError)) throw err
 *   // err.code === 'DECRYPT_FAILED': answer with encodeWhoareyouPacket({ destId: packet.srcId, nonce: packet.nonce, ... })
 * }
 * ```
 *
 * @packageDocumentation
 */

export type { DiscoveryErrorCode, PacketErrorCode, RequestErrorCode } from '../errors.js'
export { DiscoveryError } from '../errors.js'
export type { LookupOptions, LookupStats } from '../kad/lookup.js'
export type { NetRestrict } from '../kad/protocol.js'
export type { BucketNodeSnapshot } from '../kad/table-snapshot.js'
export type { DatagramTransport, UdpAddress } from '../v4/transport.js'
export { UdpTransport } from '../v4/transport.js'
export {
  MAX_DISTANCE,
  MAX_NODES_MESSAGES,
  MAX_NODES_RECORDS,
  MAX_PACKET_BYTES,
  MAX_REQUEST_ID_BYTES,
  MAX_REQUEST_MESSAGE_BYTES,
  MAX_TALK_HANDLERS_IN_FLIGHT,
  MESSAGE_TYPES,
  MIN_PACKET_BYTES,
  NONCE_BYTES,
  PACKET_FLAGS,
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  RESPONSE_TIMEOUT_MS,
  SESSION_CACHE_MAX_ENTRIES,
} from './constants.js'
export type { Discv5Events, Discv5Options } from './discv5.js'
export { Discv5 } from './discv5.js'
export type {
  AcceptedHandshake,
  AcceptHandshakeOptions,
  CreatedHandshake,
  CreateHandshakeOptions,
} from './handshake.js'
export { acceptHandshake, createHandshake } from './handshake.js'
export { decodeMessage, encodeMessage } from './message-codec.js'
export type {
  FindNodeMessage,
  Message,
  MessageType,
  NodesMessage,
  PingMessage,
  PongMessage,
  TalkReqMessage,
  TalkRespMessage,
} from './message-types.js'
export { nodesMessages, verifyNodesRecords } from './nodes-messages.js'
export { decodePacket, decryptMessage } from './packet-decode.js'
export type {
  HandshakePacketInput,
  MessagePacketInput,
  PacketAddress,
  WhoareyouPacketInput,
} from './packet-encode.js'
export {
  encodeHandshakePacket,
  encodeMessagePacket,
  encodeRandomPacket,
  encodeWhoareyouPacket,
} from './packet-encode.js'
export type {
  HandshakePacket,
  OrdinaryPacket,
  Packet,
  PacketKind,
  WhoareyouPacket,
} from './packet-types.js'
export type { Discv5Pong } from './requests.js'
export type { SessionKeys } from './session-keys.js'
export { deriveSessionKeys, signIdNonce, verifyIdSignature } from './session-keys.js'
export { SharedUdpTransport } from './shared-transport.js'
export type { Discv5Stats } from './stats.js'
export type { TalkHandler, TalkRequester } from './talk.js'
