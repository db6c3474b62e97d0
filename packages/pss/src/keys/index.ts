/**
 * pss's key store: symmetric keys by id and peers' routing addresses per topic.
 *
 * @packageDocumentation
 */

export {
  MAX_PEER_PUBLIC_KEYS,
  MAX_SYM_KEYS,
  MAX_SYM_TRIES_PER_MESSAGE,
} from '../constants.js'
export type {
  KeyStoreOptions,
  SymKeyId,
  SymKeyInfo,
  SymKeyOptions,
  SymMatch,
} from './key-store.js'
export { KeyStore } from './key-store.js'
