/**
 * The RLPx transport of devp2p: the EIP-8 auth/ack handshake (both roles, accepting the
 * legacy pre-EIP-8 packets too) and the encrypted, MAC-authenticated, framed connection
 * with optional snappy compression. Wire-compatible with go-ethereum. Hello, ping and
 * capabilities live in `@devp2p/p2p`.
 *
 * @example
 * ```ts
 * import { connect } from 'node:net'
 * import { initiatorHandshake } from '@devp2p/rlpx'
 *
 * const socket = connect(30303, '127.0.0.1')
 * await new Promise((resolve) => socket.once('connect', resolve))
 * const conn = await initiatorHandshake(socket, { privateKey, remotePublicKey })
 * await conn.writeMsg(0x00, helloPayload)
 * const { code, payload } = await conn.readMsg()
 * await conn.close()
 * ```
 *
 * Exported: the handshake functions, the connection and its error; the defaults of
 * the options and the limits a peer meets (the README's "Limits"), while tunables users
 * cannot set (read fairness, legacy packet sizes, memory slabs) stay inside; and the
 * pure pieces without I/O (auth/ack packets, secrets, the frame codec), for tooling
 * that speaks raw RLPx, such as a hand-driven peer writing tampered packets and frames
 * (as go-ethereum's devp2p tool does with its rlpx package) and the vector tests.
 *
 * @packageDocumentation
 */

export { RlpxConnection } from './connection.js'
export type { ConnectionOptions, RlpxMessage } from './connection-types.js'
export {
  CLOSE_FLUSH_TIMEOUT_MS,
  HANDSHAKE_TIMEOUT_MS,
  MAX_FRAME_BYTES,
  MAX_HANDSHAKE_PACKET_BYTES,
  MAX_SNAPPY_DECODED_BYTES,
  RAW_MSG_MAX_BYTES,
  READ_TIMEOUT_LINGER_MS,
  READ_TIMEOUT_MS,
  WRITE_TIMEOUT_MS,
} from './constants.js'
export type { RlpxErrorCode } from './errors.js'
export { RlpxError } from './errors.js'
export type { DecodedFrame } from './frame-codec.js'
export { FrameCodec } from './frame-codec.js'
export type { HandshakeOptions, InitiatorHandshakeOptions } from './handshake.js'
export { initiatorHandshake, recipientHandshake } from './handshake.js'
export type {
  AckMessage,
  AuthMessage,
  HandshakeFormat,
  MakeAckOptions,
  MakeAuthOptions,
} from './handshake-messages.js'
export { makeAck, makeAuth, parseAck, parseAuth } from './handshake-messages.js'
export type { Secrets, SecretsInput } from './secrets.js'
export { deriveSecrets } from './secrets.js'
