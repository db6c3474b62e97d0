import { keccak256 } from '@devp2p/crypto'
import { decode, encode, RlpError, type RlpValue } from '@devp2p/rlp'
import {
  FLAG_ASYMMETRIC,
  FLAG_SYMMETRIC,
  MAX_ADDRESS_BYTES,
  MAX_EXPIRY_BYTES,
  MAX_MESSAGE_BYTES,
  TOPIC_BYTES,
} from './constants.js'
import { PssError, type PssErrorCode } from './errors.js'

/** How the payload is to be read: `raw` as it is, or an envelope to open. */
export type PssKind = 'raw' | 'asymmetric' | 'symmetric'

/**
 * One pss message, as on the wire: RLP `[to, expiry, topic, flags, payload]` (see the
 * package README for the schema). Decoded byte fields are views into the decoded bytes.
 */
export interface PssMessage {
  /** Destination: 0–32 bytes of an overlay address (a node id); empty = everyone. */
  readonly to: Uint8Array
  /** Unix seconds after which the message is dropped. */
  readonly expiry: number
  /** 4 bytes. */
  readonly topic: Uint8Array
  /** 0 raw, 1 asymmetric, 2 symmetric; other bits are reserved. */
  readonly flags: number
  readonly payload: Uint8Array
}

/** The kind a message's flags say. */
export function messageKind(flags: number): PssKind {
  if (flags === FLAG_ASYMMETRIC) return 'asymmetric'
  if (flags === FLAG_SYMMETRIC) return 'symmetric'
  return 'raw'
}

function checkFlags(flags: number): boolean {
  return flags === 0 || flags === FLAG_ASYMMETRIC || flags === FLAG_SYMMETRIC
}

/**
 * Encodes a message for the wire.
 *
 * @throws TypeError for a field of the wrong type; RangeError for an address over 32
 *   bytes, a topic that is not 4 bytes, an expiry that is not a safe non-negative integer,
 *   unknown flags, or an encoding over `MAX_MESSAGE_BYTES`.
 */
export function encodeMessage(message: PssMessage): Uint8Array {
  const { to, expiry, topic, flags, payload } = message
  for (const [name, value] of [
    ['to', to],
    ['topic', topic],
    ['payload', payload],
  ] as const) {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  }
  if (to.length > MAX_ADDRESS_BYTES)
    throw new RangeError(`to is ${to.length} bytes, at most ${MAX_ADDRESS_BYTES}`)
  if (topic.length !== TOPIC_BYTES)
    throw new RangeError(`topic is ${topic.length} bytes, must be ${TOPIC_BYTES}`)
  if (!Number.isSafeInteger(expiry) || expiry < 0)
    throw new RangeError(`expiry must be a non-negative safe integer, got ${expiry}`)
  if (!Number.isInteger(flags) || !checkFlags(flags))
    throw new RangeError(`flags must be 0, 1 or 2, got ${flags}`)
  const encoded = encode([to, expiry, topic, flags, payload])
  if (encoded.length > MAX_MESSAGE_BYTES)
    throw new RangeError(`message is ${encoded.length} bytes, at most ${MAX_MESSAGE_BYTES}`)
  return encoded
}

function fail(code: PssErrorCode, message: string, cause?: unknown): never {
  throw new PssError(code, message, cause === undefined ? undefined : { cause })
}

function bytesItem(value: RlpValue | undefined, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail('INVALID_MESSAGE', `${name}: expected bytes, got a list`)
  return value
}

/** A canonical RLP unsigned integer (no leading zero byte) of at most `maxBytes` bytes. */
function uintItem(bytes: Uint8Array, maxBytes: number): number | undefined {
  if (bytes.length > maxBytes || (bytes.length > 0 && bytes[0] === 0)) return undefined
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value)
}

/**
 * Decodes a message strictly: exactly five items, canonical integers, no trailing bytes.
 *
 * @throws PssError `MESSAGE_TOO_LARGE` (checked first), `INVALID_MESSAGE`,
 *   `INVALID_ADDRESS`, `INVALID_TOPIC`, `INVALID_EXPIRY` or `INVALID_FLAGS`; never
 *   another error, whatever the bytes.
 */
export function decodeMessage(bytes: Uint8Array): PssMessage {
  if (bytes.length > MAX_MESSAGE_BYTES)
    fail('MESSAGE_TOO_LARGE', `message is ${bytes.length} bytes, at most ${MAX_MESSAGE_BYTES}`)
  let value: RlpValue
  try {
    value = decode(bytes, { maxDepth: 2 })
  } catch (err) {
    if (err instanceof RlpError) fail('INVALID_MESSAGE', `not strict RLP: ${err.message}`, err)
    throw err
  }
  if (!Array.isArray(value) || value.length !== 5)
    fail('INVALID_MESSAGE', 'expected a list of 5 items [to, expiry, topic, flags, payload]')
  const to = bytesItem(value[0], 'to')
  const expiryBytes = bytesItem(value[1], 'expiry')
  const topic = bytesItem(value[2], 'topic')
  const flagsBytes = bytesItem(value[3], 'flags')
  const payload = bytesItem(value[4], 'payload')
  if (to.length > MAX_ADDRESS_BYTES)
    fail('INVALID_ADDRESS', `to is ${to.length} bytes, at most ${MAX_ADDRESS_BYTES}`)
  const expiry = uintItem(expiryBytes, MAX_EXPIRY_BYTES)
  if (expiry === undefined)
    fail('INVALID_EXPIRY', 'expiry is not a canonical uint of 8 bytes at most')
  if (topic.length !== TOPIC_BYTES)
    fail('INVALID_TOPIC', `topic is ${topic.length} bytes, must be ${TOPIC_BYTES}`)
  const flags = uintItem(flagsBytes, 1)
  if (flags === undefined || !checkFlags(flags))
    fail('INVALID_FLAGS', 'flags must be 0 (raw), 1 (asymmetric) or 2 (symmetric)')
  return { to, expiry, topic, flags, payload }
}

/** The digest the repeat cache keys on: keccak256 of the encoded message. */
export function messageDigest(encoded: Uint8Array): Uint8Array {
  return keccak256(encoded)
}
