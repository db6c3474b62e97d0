/**
 * Decoding of discovery v5 packets: unmask and check the header (cheap, no public-key
 * work), then, with the session's key, open the message. Pure functions, no I/O.
 */
import { aes128Ctr, aes128GcmDecrypt, CryptoError } from '@devp2p/crypto'
import { MAX_RECORD_BYTES } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import {
  EPHEMERAL_KEY_BYTES,
  HANDSHAKE_AUTHDATA_HEAD_BYTES,
  ID_NONCE_BYTES,
  ID_SIGNATURE_BYTES,
  MASKING_IV_BYTES,
  MAX_PACKET_BYTES,
  MIN_MESSAGE_PACKET_DATA_BYTES,
  MIN_PACKET_BYTES,
  NODE_ID_BYTES,
  NONCE_BYTES,
  PACKET_FLAGS,
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  STATIC_HEADER_BYTES,
  WHOAREYOU_AUTHDATA_BYTES,
} from './constants.js'
import { decodeMessage } from './message-codec.js'
import type { Message } from './message-types.js'
import type { HandshakePacket, OrdinaryPacket, Packet } from './packet-types.js'

const PROTOCOL_ID_BYTES = new TextEncoder().encode(PROTOCOL_ID)
const STATIC_END = MASKING_IV_BYTES + STATIC_HEADER_BYTES
const NONCE_AT = MASKING_IV_BYTES + PROTOCOL_ID_BYTES.length + 3

function badHeader(message: string): DiscoveryError {
  return new DiscoveryError('BAD_HEADER', message)
}

/**
 * Unmasks and parses a discovery v5 packet addressed to `localId`, checking in this
 * order: the size (63–1280 bytes), the static header (protocol id `discv5`, version ≥ 1,
 * flag 0–2; geth reads higher versions too), the size left for a message (48 bytes after
 * the static header, except for a WHOAREYOU), then the authdata size and layout of the
 * flag. Nothing here costs more than one AES-CTR pass over the packet: signatures,
 * records, keys and the message are checked by {@link decryptMessage} and
 * `acceptHandshake`, with the session's state.
 *
 * A WHOAREYOU must be exactly 63 bytes (it carries no message); a handshake's authdata
 * must use the "v4" scheme's sizes (a 64-byte signature, a 33-byte key) and its record,
 * if any, must be at most 300 bytes.
 *
 * @param localId our node id (32 bytes): it keys the header mask.
 * @param bytes one datagram; not modified, not retained. The result owns one copy of it
 *   (with the header unmasked) and its fields are views into that copy: decoding
 *   allocates about twice the packet's size, never more.
 * @throws {DiscoveryError} `TOO_SMALL`, `TOO_LARGE`, `BAD_HEADER`, `BAD_HANDSHAKE`,
 *   `BAD_RECORD` (see {@link DiscoveryErrorCode}).
 * @throws {TypeError} when an argument is not a `Uint8Array`.
 * @throws {RangeError} when `localId` is not 32 bytes.
 */
export function decodePacket(localId: Uint8Array, bytes: Uint8Array): Packet {
  if (!(localId instanceof Uint8Array)) throw new TypeError('localId must be a Uint8Array')
  if (localId.length !== NODE_ID_BYTES) throw new RangeError('localId must be 32 bytes')
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  const size = bytes.length
  if (size < MIN_PACKET_BYTES) {
    throw new DiscoveryError('TOO_SMALL', `packet of ${size} bytes, less than ${MIN_PACKET_BYTES}`)
  }
  if (size > MAX_PACKET_BYTES) {
    throw new DiscoveryError('TOO_LARGE', `packet of ${size} bytes, more than ${MAX_PACKET_BYTES}`)
  }
  const iv = bytes.subarray(0, MASKING_IV_BYTES)
  // one CTR pass over everything after the IV: the header's length is only known once
  // its first 23 bytes are unmasked, and a second cipher costs more than the extra bytes
  const unmasked = aes128Ctr(localId.subarray(0, 16), iv, bytes.subarray(MASKING_IV_BYTES))
  for (let i = 0; i < PROTOCOL_ID_BYTES.length; i++) {
    if (unmasked[i] !== PROTOCOL_ID_BYTES[i]) throw badHeader('not a discv5 packet for this node')
  }
  const version = (unmasked[6]! << 8) | unmasked[7]!
  if (version < PROTOCOL_VERSION) throw badHeader(`version ${version}, below ${PROTOCOL_VERSION}`)
  const flag = unmasked[8]!
  const authSize = (unmasked[21]! << 8) | unmasked[22]!
  const remaining = size - STATIC_END
  if (flag > PACKET_FLAGS.handshake) throw badHeader(`unknown flag ${flag}`)
  if (flag !== PACKET_FLAGS.whoareyou && remaining < MIN_MESSAGE_PACKET_DATA_BYTES) {
    throw new DiscoveryError(
      'TOO_SMALL',
      `${remaining} bytes after the static header, less than ${MIN_MESSAGE_PACKET_DATA_BYTES}`,
    )
  }
  if (authSize > remaining) {
    throw badHeader(`authdata of ${authSize} bytes, only ${remaining} left in the packet`)
  }
  const headerEnd = STATIC_END + authSize
  const own = new Uint8Array(size)
  own.set(iv)
  own.set(unmasked.subarray(0, STATIC_HEADER_BYTES + authSize), MASKING_IV_BYTES)
  own.set(bytes.subarray(headerEnd), headerEnd)
  const base = {
    maskingIv: own.subarray(0, MASKING_IV_BYTES),
    nonce: own.subarray(NONCE_AT, NONCE_AT + NONCE_BYTES),
    header: own.subarray(0, headerEnd),
  }
  const authdata = own.subarray(STATIC_END, headerEnd)
  if (flag === PACKET_FLAGS.message) {
    if (authSize !== NODE_ID_BYTES) throw badHeader(`message authdata of ${authSize} bytes, not 32`)
    return { kind: 'message', ...base, srcId: authdata, ciphertext: own.subarray(headerEnd) }
  }
  if (flag === PACKET_FLAGS.whoareyou) {
    if (authSize !== WHOAREYOU_AUTHDATA_BYTES) {
      throw badHeader(`WHOAREYOU authdata of ${authSize} bytes, not ${WHOAREYOU_AUTHDATA_BYTES}`)
    }
    if (headerEnd !== size) throw badHeader('WHOAREYOU followed by a message')
    let enrSeq = 0n
    for (let i = ID_NONCE_BYTES; i < WHOAREYOU_AUTHDATA_BYTES; i++) {
      enrSeq = (enrSeq << 8n) | BigInt(authdata[i]!)
    }
    return {
      kind: 'whoareyou',
      ...base,
      idNonce: authdata.subarray(0, ID_NONCE_BYTES),
      enrSeq,
      challengeData: base.header,
    }
  }
  return readHandshake(base, authdata, own.subarray(headerEnd))
}

function readHandshake(
  base: Pick<HandshakePacket, 'maskingIv' | 'nonce' | 'header'>,
  authdata: Uint8Array,
  ciphertext: Uint8Array,
): HandshakePacket {
  if (authdata.length < HANDSHAKE_AUTHDATA_HEAD_BYTES) {
    throw badHeader(`handshake authdata of ${authdata.length} bytes, less than its head`)
  }
  const sigSize = authdata[NODE_ID_BYTES]!
  const keySize = authdata[NODE_ID_BYTES + 1]!
  if (sigSize !== ID_SIGNATURE_BYTES || keySize !== EPHEMERAL_KEY_BYTES) {
    throw new DiscoveryError(
      'BAD_HANDSHAKE',
      `signature and key of ${sigSize} and ${keySize} bytes: not the "v4" scheme's 64 and 33`,
    )
  }
  const keyAt = HANDSHAKE_AUTHDATA_HEAD_BYTES + ID_SIGNATURE_BYTES
  const recordAt = keyAt + EPHEMERAL_KEY_BYTES
  if (authdata.length < recordAt) {
    throw badHeader(`handshake authdata of ${authdata.length} bytes, less than ${recordAt}`)
  }
  const recordBytes = authdata.length - recordAt
  if (recordBytes > MAX_RECORD_BYTES) {
    throw new DiscoveryError(
      'BAD_RECORD',
      `handshake record of ${recordBytes} bytes, more than ${MAX_RECORD_BYTES}`,
    )
  }
  const packet: HandshakePacket = {
    kind: 'handshake',
    ...base,
    srcId: authdata.subarray(0, NODE_ID_BYTES),
    idSignature: authdata.subarray(HANDSHAKE_AUTHDATA_HEAD_BYTES, keyAt),
    ephemeralPubkey: authdata.subarray(keyAt, recordAt),
    ciphertext,
  }
  return recordBytes === 0 ? packet : { ...packet, record: authdata.subarray(recordAt) }
}

/**
 * Opens the message of an ordinary or handshake packet with the session key for this
 * direction (our read key; for a handshake, `acceptHandshake` derives it) and decodes it.
 *
 * @returns the message; it owns its bytes.
 * @throws {DiscoveryError} `DECRYPT_FAILED` when the message does not authenticate with
 *   `readKey` (for an ordinary packet: no session, or a stale one: answer with a
 *   WHOAREYOU) or is empty; then the codes of `decodeMessage` (`UNKNOWN_TYPE`, `MALFORMED`).
 * @throws {RangeError} when `readKey` is not 16 bytes.
 */
export function decryptMessage(
  packet: OrdinaryPacket | HandshakePacket,
  readKey: Uint8Array,
): Message {
  let plaintext: Uint8Array
  try {
    plaintext = aes128GcmDecrypt(readKey, packet.nonce, packet.ciphertext, packet.header)
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new DiscoveryError('DECRYPT_FAILED', 'message does not authenticate with the key', {
        cause: err,
      })
    }
    throw err
  }
  return decodeMessage(plaintext)
}
