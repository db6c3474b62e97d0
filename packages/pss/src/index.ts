/**
 * pss: messages relayed across devp2p connections to nodes we are not connected to,
 * routed by XOR distance to a destination address (full, partial or empty), as
 * go-ethereum's Swarm pss did. See the package README for the wire format.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_TTL_S,
  MAX_ADDRESS_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_TTL_S,
  PSS_PROTOCOL_NAME,
  PSS_PROTOCOL_VERSION,
  TOPIC_BYTES,
} from './constants.js'
export type { PssErrorCode } from './errors.js'
export { PssError } from './errors.js'
export type { PssKind, PssMessage } from './message.js'
export { decodeMessage, encodeMessage, messageDigest, messageKind } from './message.js'
