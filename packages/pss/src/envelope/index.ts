/**
 * pss's envelopes (ENCRYPTION.md): asymmetric (ECIES to a public key, always signed) and
 * symmetric (AES-256-GCM with a 32-byte key, optionally signed), both padded.
 *
 * @packageDocumentation
 */

export {
  MAX_ENVELOPE_PAYLOAD_BYTES,
  MAX_PAD_TO_BYTES,
  PADDING_BLOCK_BYTES,
  SYM_KEY_BYTES,
  SYM_OVERHEAD_BYTES,
} from '../constants.js'
export type { SealAsymOptions } from './asym.js'
export { openAsym, sealAsym } from './asym.js'
export type { SealSymOptions } from './sym.js'
export { openSym, sealSym } from './sym.js'
export type { Opened, OpenedSigned } from './types.js'
