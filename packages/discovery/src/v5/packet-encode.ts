/**
 * Encoding of the three packet kinds: `masking-iv ‖ masked(static-header ‖ authdata) ‖
 * message`, the header masked with AES-128-CTR keyed by the recipient's id, the message
 * sealed with AES-128-GCM over the unmasked header. Pure functions, no I/O.
 */
import { aes128Ctr, aes128GcmEncrypt, randomBytes } from '@devp2p/crypto'
import type { Enr } from '@devp2p/enode'
import {
  EPHEMERAL_KEY_BYTES,
  HANDSHAKE_AUTHDATA_HEAD_BYTES,
  ID_NONCE_BYTES,
  ID_SIGNATURE_BYTES,
  MASKING_IV_BYTES,
  MAX_PACKET_BYTES,
  NODE_ID_BYTES,
  NONCE_BYTES,
  PACKET_FLAGS,
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  RANDOM_MESSAGE_BYTES,
  STATIC_HEADER_BYTES,
  WHOAREYOU_AUTHDATA_BYTES,
} from './constants.js'
import { encodeMessage } from './message-codec.js'
import type { Message } from './message-types.js'

/** Who a packet goes to and its nonce; every packet kind takes these. */
export interface PacketAddress {
  /** The recipient's node id (32 bytes): it keys the header mask. */
  readonly destId: Uint8Array
  /**
   * 12 bytes. A message packet's must be unique per session key (the caller's session
   * counts them); a WHOAREYOU's is the nonce of the packet it answers.
   */
  readonly nonce: Uint8Array
  /** 16 bytes; random when absent (tests pass a fixed one to reproduce vectors). */
  readonly maskingIv?: Uint8Array
}

/** An ordinary message packet: `message` sealed with the session's `writeKey`. */
export interface MessagePacketInput extends PacketAddress {
  readonly srcId: Uint8Array
  /** Our session key for this direction (16 bytes). */
  readonly writeKey: Uint8Array
  readonly message: Message
}

/** A WHOAREYOU: the challenge for the sender of a packet we could not decrypt. */
export interface WhoareyouPacketInput extends PacketAddress {
  /** 16 bytes; random when absent. */
  readonly idNonce?: Uint8Array
  /** The seq of the sender's record we know, 0n when we know none (it then sends its record). */
  readonly enrSeq: bigint
}

/** A handshake packet: the answer to a WHOAREYOU (see `createHandshake`) and a message. */
export interface HandshakePacketInput extends MessagePacketInput {
  readonly idSignature: Uint8Array
  readonly ephemeralPubkey: Uint8Array
  /** Our record, when the challenge's `enrSeq` is below its seq. */
  readonly record?: Enr | undefined
}

const PROTOCOL_ID_BYTES = new TextEncoder().encode(PROTOCOL_ID)
const EMPTY = new Uint8Array(0)

function checkBytes(name: string, value: unknown, length: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`)
  }
  return value
}

/**
 * Builds a packet: `seal` gets the unmasked header (the message's additional data) and
 * returns the sealed message.
 */
function buildPacket(
  address: PacketAddress,
  flag: number,
  authdata: Uint8Array,
  seal: (header: Uint8Array) => Uint8Array,
): { bytes: Uint8Array; header: Uint8Array } {
  const destId = checkBytes('destId', address.destId, NODE_ID_BYTES)
  const nonce = checkBytes('nonce', address.nonce, NONCE_BYTES)
  const iv =
    address.maskingIv === undefined
      ? randomBytes(MASKING_IV_BYTES)
      : checkBytes('maskingIv', address.maskingIv, MASKING_IV_BYTES)
  const headerEnd = MASKING_IV_BYTES + STATIC_HEADER_BYTES + authdata.length
  const header = new Uint8Array(headerEnd)
  header.set(iv)
  let at = MASKING_IV_BYTES
  header.set(PROTOCOL_ID_BYTES, at)
  at += PROTOCOL_ID_BYTES.length
  header[at++] = PROTOCOL_VERSION >> 8
  header[at++] = PROTOCOL_VERSION & 0xff
  header[at++] = flag
  header.set(nonce, at)
  at += NONCE_BYTES
  header[at++] = authdata.length >> 8
  header[at++] = authdata.length & 0xff
  header.set(authdata, at)
  const message = seal(header)
  const size = headerEnd + message.length
  if (size > MAX_PACKET_BYTES) {
    throw new RangeError(`packet of ${size} bytes, more than ${MAX_PACKET_BYTES}`)
  }
  const bytes = new Uint8Array(size)
  bytes.set(iv)
  bytes.set(
    aes128Ctr(destId.subarray(0, 16), iv, header.subarray(MASKING_IV_BYTES)),
    MASKING_IV_BYTES,
  )
  bytes.set(message, headerEnd)
  return { bytes, header }
}

function sealWith(writeKey: Uint8Array, nonce: Uint8Array, message: Message) {
  const plaintext = encodeMessage(message)
  return (header: Uint8Array) => aes128GcmEncrypt(writeKey, nonce, plaintext, header)
}

/**
 * Encodes an ordinary message packet (flag 0): authdata is our node id, the message is
 * sealed with the session's key.
 *
 * @returns the datagram, a new array.
 * @throws {RangeError} when an id is not 32 bytes, the nonce not 12, the IV not 16, the
 *   key not 16, the packet would exceed 1280 bytes, or the message is out of range
 *   (see `encodeMessage`).
 * @throws {TypeError} when an argument has the wrong type.
 */
export function encodeMessagePacket(input: MessagePacketInput): Uint8Array {
  const srcId = checkBytes('srcId', input.srcId, NODE_ID_BYTES)
  return buildPacket(
    input,
    PACKET_FLAGS.message,
    srcId,
    sealWith(input.writeKey, input.nonce, input.message),
  ).bytes
}

/**
 * Encodes the packet that starts a handshake: an ordinary message packet with 20 random
 * bytes for a message, which the recipient cannot decrypt and so answers with a
 * WHOAREYOU carrying this `nonce`.
 *
 * @throws {RangeError} / {TypeError} as {@link encodeMessagePacket}.
 */
export function encodeRandomPacket(
  input: PacketAddress & { readonly srcId: Uint8Array },
): Uint8Array {
  const srcId = checkBytes('srcId', input.srcId, NODE_ID_BYTES)
  const filler = randomBytes(RANDOM_MESSAGE_BYTES)
  return buildPacket(input, PACKET_FLAGS.message, srcId, () => filler).bytes
}

/**
 * Encodes a WHOAREYOU (flag 1, 63 bytes: never larger than any packet that can cause
 * one). Keep `challengeData` (with the challenged node's id, address and record) until
 * the handshake arrives or the challenge expires: `acceptHandshake` needs it.
 *
 * @returns the datagram and its challenge data (masking-iv ‖ unmasked header), new arrays.
 * @throws {RangeError} when the id is not 32 bytes, the nonce not 12, the IV or id-nonce
 *   not 16, or `enrSeq` is not a uint64.
 * @throws {TypeError} when an argument has the wrong type.
 */
export function encodeWhoareyouPacket(input: WhoareyouPacketInput): {
  bytes: Uint8Array
  challengeData: Uint8Array
} {
  const idNonce =
    input.idNonce === undefined
      ? randomBytes(ID_NONCE_BYTES)
      : checkBytes('idNonce', input.idNonce, ID_NONCE_BYTES)
  const seq = input.enrSeq
  if (typeof seq !== 'bigint' || seq < 0n || seq > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError(`enrSeq must be a uint64 bigint, got ${String(seq)}`)
  }
  const authdata = new Uint8Array(WHOAREYOU_AUTHDATA_BYTES)
  authdata.set(idNonce)
  for (let i = 0, v = seq; i < 8; i++, v >>= 8n) authdata[23 - i] = Number(v & 0xffn)
  const { bytes, header } = buildPacket(input, PACKET_FLAGS.whoareyou, authdata, () => EMPTY)
  return { bytes, challengeData: header }
}

/**
 * Encodes a handshake packet (flag 2): authdata = src-id ‖ sig-size ‖ eph-key-size ‖
 * id-signature ‖ eph-pubkey ‖ record?, and the message sealed with the new session's
 * initiator key (`writeKey` from `createHandshake`).
 *
 * @throws {RangeError} when the signature is not 64 bytes or the key not 33, and as
 *   {@link encodeMessagePacket} (a record makes the packet up to 300 bytes longer).
 * @throws {TypeError} when an argument has the wrong type.
 */
export function encodeHandshakePacket(input: HandshakePacketInput): Uint8Array {
  const srcId = checkBytes('srcId', input.srcId, NODE_ID_BYTES)
  const signature = checkBytes('idSignature', input.idSignature, ID_SIGNATURE_BYTES)
  const ephemeral = checkBytes('ephemeralPubkey', input.ephemeralPubkey, EPHEMERAL_KEY_BYTES)
  const record = input.record === undefined ? EMPTY : input.record.encode()
  const authdata = new Uint8Array(
    HANDSHAKE_AUTHDATA_HEAD_BYTES + ID_SIGNATURE_BYTES + EPHEMERAL_KEY_BYTES + record.length,
  )
  authdata.set(srcId)
  authdata[NODE_ID_BYTES] = ID_SIGNATURE_BYTES
  authdata[NODE_ID_BYTES + 1] = EPHEMERAL_KEY_BYTES
  authdata.set(signature, HANDSHAKE_AUTHDATA_HEAD_BYTES)
  authdata.set(ephemeral, HANDSHAKE_AUTHDATA_HEAD_BYTES + ID_SIGNATURE_BYTES)
  authdata.set(record, HANDSHAKE_AUTHDATA_HEAD_BYTES + ID_SIGNATURE_BYTES + EPHEMERAL_KEY_BYTES)
  return buildPacket(
    input,
    PACKET_FLAGS.handshake,
    authdata,
    sealWith(input.writeKey, input.nonce, input.message),
  ).bytes
}
