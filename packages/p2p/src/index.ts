/**
 * The devp2p server: sub-protocols as plain values, multiplexed over authenticated and
 * encrypted RLPx connections, with go-ethereum's peer management (limits, dial ratio,
 * inbound throttle, static and trusted nodes) and the p2p base protocol (Hello, Ping,
 * Disconnect, capability offsets).
 *
 * @example
 * ```ts
 * import { Server, send, type Protocol } from '@devp2p/p2p'
 * import { t } from '@devp2p/rlp'
 *
 * const foo: Protocol = {
 *   name: 'foo', version: 1, length: 1,
 *   async run(peer, rw) {
 *     for await (const msg of rw) {
 *       if (msg.decode(t.string) === 'foo') await send(rw, 0, 'bar')
 *     }
 *   },
 * }
 * const server = new Server({ privateKey, name: 'demo', maxPeers: 10,
 *   listenAddr: '127.0.0.1:30303', protocols: [foo] })
 * await server.start()
 * server.addPeer('enode://…@127.0.0.1:30304')
 * ```
 *
 * @packageDocumentation
 */

export type { Cap, Hello } from './base-protocol.js'
export { decodeDisconnect, decodeHello, encodeDisconnect, encodeHello } from './base-protocol.js'
export type { MatchedProtocol, ProtocolCap } from './caps.js'
export { capString, matchProtocols } from './caps.js'
export {
  BASE_PROTOCOL_LENGTH,
  BASE_PROTOCOL_VERSION,
  DEFAULT_CLIENT_NAME,
  DEFAULT_DIAL_RATIO,
  DEFAULT_LISTEN_ADDR,
  DEFAULT_MAX_PEERS,
  DEFAULT_MAX_PENDING_PEERS,
  DIAL_HISTORY_MAX_IDS,
  DIAL_HISTORY_MS,
  DIAL_TIMEOUT_MS,
  DISCONNECT_WRITE_TIMEOUT_MS,
  HANDSHAKE_TIMEOUT_MS,
  INBOUND_THROTTLE_MAX_IPS,
  INBOUND_THROTTLE_MS,
  MAX_HELLO_BYTES,
  MAX_HELLO_FRAME_BYTES,
  MAX_PENDING_PER_IP,
  MAX_SUBSCRIBER_BACKLOG,
  MAX_WAITING_INBOUND,
  MAX_WAITING_PER_IP,
  PING_FLOOD_MAX,
  PING_INTERVAL_MS,
  PING_RATE_MAX,
  PING_RATE_WINDOW_MS,
  RESOLVE_BACKOFF_MAX_MS,
  RESOLVE_BACKOFF_MIN_MS,
} from './constants.js'
export type { NodeDialer } from './dial.js'
export { tcpDialer } from './dial.js'
export type { P2pErrorCode } from './errors.js'
export {
  DisconnectReason,
  disconnectReasonFor,
  disconnectReasonText,
  P2pError,
  toDisconnectReason,
} from './errors.js'
export type { ExpectMsgOptions, MsgPipeEnd, MsgReadWriter, OutMsg } from './msg.js'
export { expectMsg, Msg, msgPipe, send, sendItems } from './msg.js'
export type { NodeInfo } from './node-info.js'
export type { PeerInfo, PeerProtocol } from './peer.js'
export { Peer } from './peer.js'
export type { PeerAddEvent, PeerDropEvent, PeerEvent, PeerMsgEvent } from './peer-event.js'
export type { NodeSource, Protocol } from './protocol.js'
export type { ServerEvents } from './server.js'
export { Server } from './server.js'
export type { NodeLike, ServerOptions } from './server-options.js'
export type { Transport, TransportMsg } from './transport.js'
