/**
 * Why a pss operation failed.
 *
 * - `MESSAGE_TOO_LARGE`: an encoded message is over `MAX_MESSAGE_BYTES` (checked before it
 *   is decoded).
 * - `INVALID_MESSAGE`: the bytes are not a pss message: not strict RLP, not a list of
 *   exactly five items, or an item of the wrong kind (a list where bytes belong).
 * - `INVALID_ADDRESS`: the destination is longer than 32 bytes.
 * - `INVALID_TOPIC`: the topic is not exactly 4 bytes.
 * - `INVALID_EXPIRY`: the expiry is not a canonical unsigned integer of at most 8 bytes
 *   (leading zero bytes, or too wide).
 * - `INVALID_FLAGS`: the flags are not a canonical integer, or set a reserved bit, or say
 *   both asymmetric and symmetric.
 * - `HANDSHAKE_BUSY`: too many key-exchange handshakes are waiting (with this peer, or in all).
 * - `HANDSHAKE_TIMEOUT`: the peer did not answer a handshake in time.
 * - `NO_SYM_KEY`: no symmetric key has that id (or it expired).
 * - `STOPPED`: `stop()` was called.
 * - `VIRTUAL_PEER_BREACH`: the remote of a protocol run over pss sent a message that is
 *   not `[code, payload]` RLP, or a code outside the protocol's `length`; the virtual
 *   peer ends with it.
 * - `VIRTUAL_PEER_BUSY`: `runProtocol` for a remote and topic that already has a
 *   virtual peer on this node.
 */
export type PssErrorCode =
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_MESSAGE'
  | 'INVALID_ADDRESS'
  | 'INVALID_TOPIC'
  | 'INVALID_EXPIRY'
  | 'INVALID_FLAGS'
  | 'HANDSHAKE_BUSY'
  | 'HANDSHAKE_TIMEOUT'
  | 'NO_SYM_KEY'
  | 'STOPPED'
  | 'VIRTUAL_PEER_BREACH'
  | 'VIRTUAL_PEER_BUSY'

/** The one error this package throws for bad input; `code` says why (see {@link PssErrorCode}). */
export class PssError extends Error {
  override readonly name = 'PssError'
  readonly code: PssErrorCode

  constructor(code: PssErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
