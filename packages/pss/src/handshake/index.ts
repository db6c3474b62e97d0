/**
 * pss's key-exchange handshake: two peers agree a symmetric key per direction over
 * asymmetric pss messages on {@link HANDSHAKE_TOPIC} (ENCRYPTION.md, "Handshake").
 *
 * @packageDocumentation
 */
export {
  HANDSHAKE_KEY_LIFETIME_MS,
  HANDSHAKE_TIMEOUT_MS,
  MAX_PENDING_HANDSHAKES,
  MAX_PENDING_HANDSHAKES_PER_PEER,
} from '../constants.js'
export type {
  AcceptedHandshake,
  HandshakeKeys,
  KeyExchangeOptions,
  SendAsym,
} from './key-exchange.js'
export { KeyExchange } from './key-exchange.js'
export { HANDSHAKE_TOPIC } from './message.js'
