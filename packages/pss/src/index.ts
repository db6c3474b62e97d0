/**
 * pss: messages relayed across devp2p connections to nodes we are not connected to,
 * routed by XOR distance to a destination address (full, partial or empty), as
 * go-ethereum's Swarm pss did. See the package README for the wire format and the rules.
 *
 * @example
 * ```ts
 * import { Pss, stringToTopic } from '@devp2p/pss'
 *
 * const pss = new Pss({ privateKey })
 * const server = new Server({ privateKey, protocols: [pss.protocol], ... })
 * const topic = stringToTopic('chat')
 * for await (const { payload } of pss.subscribe(topic, { signal })) console.log(payload)
 * pss.sendRaw(otherNodeId, topic, new TextEncoder().encode('hello'))
 * ```
 *
 * @packageDocumentation
 */
export type { PssApi, PssRpcMessage } from './api.js'
export {
  DEFAULT_BIN_PEERS,
  DEFAULT_FANOUT,
  DEFAULT_TTL_S,
  DIGEST_TTL_MS,
  MAX_ADDRESS_BYTES,
  MAX_DIGESTS,
  MAX_FORWARDS_PER_MESSAGE,
  MAX_MESSAGE_BYTES,
  MAX_OUTBOX_BYTES,
  MAX_OUTBOX_MESSAGES,
  MAX_SUBSCRIPTION_BUFFER,
  MAX_TTL_S,
  MAX_VIRTUAL_PEER_QUEUE_MSGS,
  MAX_VIRTUAL_PEERS,
  PEER_BURST_BYTES,
  PEER_BURST_MSGS,
  PEER_RATE_BYTES_PER_S,
  PEER_RATE_MSGS_PER_S,
  PSS_PROTOCOL_NAME,
  PSS_PROTOCOL_VERSION,
  TOPIC_BYTES,
  VIRTUAL_PEER_IDLE_MS,
} from './constants.js'
export { kademliaCandidates } from './dial-candidates.js'
export type { Opened } from './envelope/types.js'
export type { PssErrorCode } from './errors.js'
export { PssError } from './errors.js'
export type { AcceptedHandshake, HandshakeKeys } from './handshake/index.js'
export { HANDSHAKE_TOPIC } from './handshake/index.js'
export type { SymKeyId } from './keys/index.js'
export type { PssKind, PssMessage } from './message.js'
export { decodeMessage, encodeMessage, messageDigest, messageKind } from './message.js'
export type { AcceptRemotes, RunProtocolOptions } from './protocol-over-pss.js'
export { protocolTopic } from './protocol-over-pss.js'
export { Pss } from './pss.js'
export type { PssNodeStats, PssOptions, PssService } from './pss-options.js'
export type { PssRouteEvent } from './route-trace.js'
export type { DropReason, PeerSend, PssRouterOptions, PssStats, RouteResult } from './router.js'
export { PssRouter } from './router.js'
export type { PssReceived, PssSubscription } from './subscription.js'
export { stringToTopic } from './topic.js'
export { VirtualPeer } from './virtual-peer.js'
