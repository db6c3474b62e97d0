/**
 * The key-exchange messages (ENCRYPTION.md, "Handshake"), sent as asymmetric envelopes
 * on {@link HANDSHAKE_TOPIC}:
 * RLP `[version, kind, id, topic, key, keyExpiry, validUntil]`.
 */
import { keccak256 } from '@devp2p/crypto'
import { decodeAs, encodeAs, type Infer, RlpError, t } from '@devp2p/rlp'
import {
  HANDSHAKE_ID_BYTES,
  HANDSHAKE_VERSION,
  MAX_HANDSHAKE_MESSAGE_BYTES,
  SYM_KEY_BYTES,
} from '../constants.js'

/** The topic handshake messages travel on: the first 4 bytes of keccak256("pss-handshake"). */
export const HANDSHAKE_TOPIC: Uint8Array = new Uint8Array(
  keccak256(new TextEncoder().encode('pss-handshake')).subarray(0, 4),
)

/** `kind` 1: "here is the key to send me with; give me yours". */
export const KIND_REQUEST = 1
/** `kind` 2: the answer, echoing the request's id. */
export const KIND_ANSWER = 2

const schema = t.struct(
  'pss-handshake',
  {
    version: t.uint,
    kind: t.uint,
    id: t.bytesN(HANDSHAKE_ID_BYTES),
    topic: t.bytesN(4),
    key: t.bytesN(SYM_KEY_BYTES),
    keyExpiry: t.uint,
    validUntil: t.uint,
  },
  // later versions may append fields; a version-1 reader ignores them (as EIP-8 does)
  { extra: 'ignore' },
)

/** A decoded handshake message. Times are Unix seconds. */
export interface HandshakeMessage {
  readonly kind: typeof KIND_REQUEST | typeof KIND_ANSWER
  /** Random request id; an answer carries its request's. */
  readonly id: Uint8Array
  /** The topic the keys are for. */
  readonly topic: Uint8Array
  /** The sender's receiving key: the recipient sends to the sender with it. */
  readonly key: Uint8Array
  /** When the sender stops accepting messages under `key`. */
  readonly keyExpiry: number
  /** A request is not answered after this time (replays of old requests are void). */
  readonly validUntil: number
}

/** The RLP encoding of a handshake message. */
export function encodeHandshake(message: HandshakeMessage): Uint8Array {
  return encodeAs(schema, { version: HANDSHAKE_VERSION, ...message })
}

/**
 * Decodes a handshake message; `undefined` for anything larger than
 * {@link MAX_HANDSHAKE_MESSAGE_BYTES}, not this schema, of another version or kind.
 */
export function decodeHandshake(bytes: Uint8Array): HandshakeMessage | undefined {
  if (bytes.length > MAX_HANDSHAKE_MESSAGE_BYTES) return undefined
  let decoded: Infer<typeof schema>
  try {
    decoded = decodeAs(schema, bytes)
  } catch (err) {
    if (err instanceof RlpError) return undefined
    throw err
  }
  const { version, kind, id, topic, key, keyExpiry, validUntil } = decoded
  if (version !== HANDSHAKE_VERSION) return undefined
  if (kind !== KIND_REQUEST && kind !== KIND_ANSWER) return undefined
  return { kind, id, topic, key, keyExpiry, validUntil }
}
