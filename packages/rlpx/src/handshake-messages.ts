import { randomInt } from 'node:crypto'
import {
  CryptoError,
  decodePublicKey,
  ECIES_OVERHEAD_BYTES,
  ecdh,
  eciesDecrypt,
  eciesEncrypt,
  equalBytes,
  keccak256,
  publicKeyFromPrivate,
  recoverPublicKey,
  sign,
} from '@devp2p/crypto'
import { decodeWithRest, encode, type RlpValue } from '@devp2p/rlp'
import {
  HANDSHAKE_PADDING_MAX_BYTES,
  HANDSHAKE_PADDING_MIN_BYTES,
  HANDSHAKE_VERSION,
} from './constants.js'
import { RlpxError } from './errors.js'

/**
 * Pure builders and parsers of the RLPx auth and ack packets (EIP-8 and pre-EIP-8).
 * No I/O: the handshake drivers in handshake.ts and the vector tests both use these.
 */

/** Wire format of an auth or ack packet. */
export type HandshakeFormat = 'eip8' | 'legacy'

/** What an auth packet tells the recipient. All arrays are owned by the caller. */
export interface AuthMessage {
  /** The initiator's static public key, 64 bytes x ‖ y, validated. */
  publicKey: Uint8Array
  /** The initiator's ephemeral public key, recovered from the signature. */
  ephemeralPublicKey: Uint8Array
  /** The initiator's 32-byte nonce. */
  nonce: Uint8Array
  /** The version field (4 for current senders; `undefined` for the legacy format). */
  version: number | undefined
  format: HandshakeFormat
}

/** What an ack packet tells the initiator. */
export interface AckMessage {
  /** The recipient's ephemeral public key, 64 bytes, validated. */
  ephemeralPublicKey: Uint8Array
  /** The recipient's 32-byte nonce. */
  nonce: Uint8Array
  version: number | undefined
  format: HandshakeFormat
}

/** Inputs of {@link makeAuth}; the ephemeral key and nonce are injectable for tests. */
export interface MakeAuthOptions {
  privateKey: Uint8Array
  remotePublicKey: Uint8Array
  ephemeralPrivateKey: Uint8Array
  nonce: Uint8Array
  /** Default `'eip8'`; `'legacy'` exists to test interoperability with old peers. */
  format?: HandshakeFormat
}

/** Inputs of {@link makeAck}. */
export interface MakeAckOptions {
  remotePublicKey: Uint8Array
  ephemeralPrivateKey: Uint8Array
  nonce: Uint8Array
  /** Default `'eip8'`; answer a legacy auth with `'legacy'`. */
  format?: HandshakeFormat
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/**
 * Our static public key per private key array: a node signs every handshake with the
 * same key, and deriving the public key costs a scalar multiplication (~40 µs). Keyed by
 * the array and its contents, so a caller that mutates the array still gets a fresh key.
 */
const staticPublicKeys = new WeakMap<
  Uint8Array,
  { privateKey: Uint8Array; publicKey: Uint8Array }
>()

function staticPublicKey(privateKey: Uint8Array): Uint8Array {
  const cached = staticPublicKeys.get(privateKey)
  if (cached !== undefined && equalBytes(cached.privateKey, privateKey)) return cached.publicKey
  const publicKey = publicKeyFromPrivate(privateKey)
  // a copy also when the key is a Buffer, whose slice() is a view
  staticPublicKeys.set(privateKey, { privateKey: new Uint8Array(privateKey), publicKey })
  return publicKey
}

function checkNonce(nonce: Uint8Array): void {
  if (!(nonce instanceof Uint8Array) || nonce.length !== 32) {
    throw new RangeError('nonce must be a 32-byte Uint8Array')
  }
}

/**
 * `size(2) ‖ ecies(body ‖ padding)`, the size prefix being the ECIES shared MAC data.
 * The padding has a random length and zero content, as geth's: it is encrypted with the
 * rest, so random content would hide nothing more and costs a `randomFillSync` call.
 */
function sealEip8(remotePublicKey: Uint8Array, body: Uint8Array): Uint8Array {
  const padLength =
    HANDSHAKE_PADDING_MIN_BYTES +
    randomInt(HANDSHAKE_PADDING_MAX_BYTES - HANDSHAKE_PADDING_MIN_BYTES)
  const plain = new Uint8Array(body.length + padLength)
  plain.set(body, 0) // the padding after body stays zero
  const size = plain.length + ECIES_OVERHEAD_BYTES
  const prefix = Uint8Array.of(size >> 8, size & 0xff)
  const sealed = eciesEncrypt(remotePublicKey, plain, prefix)
  const packet = new Uint8Array(2 + sealed.length)
  packet.set(prefix, 0)
  packet.set(sealed, 2)
  return packet
}

/**
 * Builds an auth packet: EIP-8 `size ‖ ecies(rlp([sig, pubk, nonce, 4]) ‖ padding)` or
 * the legacy `ecies(sig ‖ keccak(eph-pubk) ‖ pubk ‖ nonce ‖ 0x00)`.
 *
 * @throws TypeError / RangeError for malformed keys or nonce (misuse).
 * @throws RlpxError `INVALID_PUBLIC_KEY` when `remotePublicKey` is not a valid point.
 */
export function makeAuth(options: MakeAuthOptions): Uint8Array {
  return authPacket({ ...options, remotePublicKey: importPublicKey(options.remotePublicKey) })
}

/**
 * {@link makeAuth} when `options.remotePublicKey` is what {@link importPublicKey}
 * returned already (the handshake imports it once).
 * @internal
 */
export function authPacket(options: MakeAuthOptions): Uint8Array {
  const { privateKey, remotePublicKey, ephemeralPrivateKey, nonce, format = 'eip8' } = options
  checkNonce(nonce)
  const staticShared = ecdh(privateKey, remotePublicKey)
  const signature = sign(xor32(staticShared, nonce), ephemeralPrivateKey)
  staticShared.fill(0)
  const publicKey = staticPublicKey(privateKey)
  if (format === 'legacy') {
    const plain = new Uint8Array(194)
    plain.set(signature, 0)
    plain.set(keccak256(publicKeyFromPrivate(ephemeralPrivateKey)), 65)
    plain.set(publicKey, 97)
    plain.set(nonce, 161)
    return eciesEncrypt(remotePublicKey, plain)
  }
  return sealEip8(remotePublicKey, encode([signature, publicKey, nonce, HANDSHAKE_VERSION]))
}

/**
 * Builds an ack packet: EIP-8 `size ‖ ecies(rlp([eph-pubk, nonce, 4]) ‖ padding)` or the
 * legacy `ecies(eph-pubk ‖ nonce ‖ 0x00)`.
 *
 * @throws TypeError / RangeError for malformed keys or nonce (misuse).
 * @throws RlpxError `INVALID_PUBLIC_KEY` when `remotePublicKey` is not a valid point.
 */
export function makeAck(options: MakeAckOptions): Uint8Array {
  return ackPacket({ ...options, remotePublicKey: importPublicKey(options.remotePublicKey) })
}

/**
 * {@link makeAck} when `options.remotePublicKey` is what {@link importPublicKey}
 * returned already (the handshake's, from {@link parseAuth}).
 * @internal
 */
export function ackPacket(options: MakeAckOptions): Uint8Array {
  const { remotePublicKey, ephemeralPrivateKey, nonce, format = 'eip8' } = options
  checkNonce(nonce)
  const ephemeralPublicKey = publicKeyFromPrivate(ephemeralPrivateKey)
  if (format === 'legacy') {
    const plain = new Uint8Array(97)
    plain.set(ephemeralPublicKey, 0)
    plain.set(nonce, 64)
    return eciesEncrypt(remotePublicKey, plain)
  }
  return sealEip8(remotePublicKey, encode([ephemeralPublicKey, nonce, HANDSHAKE_VERSION]))
}

/**
 * Decrypts and decodes an auth packet (`packet` includes the size prefix for EIP-8),
 * validates the initiator's key and recovers its ephemeral key from the signature.
 * Extra list elements and padding are ignored (EIP-8).
 *
 * @throws RlpxError `HANDSHAKE_DECRYPT_FAILED`, `INVALID_HANDSHAKE`,
 *   `INVALID_PUBLIC_KEY` or `INVALID_SIGNATURE`.
 */
export function parseAuth(
  privateKey: Uint8Array,
  packet: Uint8Array,
  format: HandshakeFormat,
): AuthMessage {
  const plain = open(privateKey, packet, format, 'auth')
  let signature: Uint8Array
  let publicKey: Uint8Array
  let nonce: Uint8Array
  let version: number | undefined
  if (format === 'legacy') {
    if (plain.length !== 194) throw invalid(`legacy auth is ${plain.length} bytes, want 194`)
    signature = plain.subarray(0, 65)
    publicKey = plain.subarray(97, 161)
    nonce = plain.subarray(161, 193)
  } else {
    const items = decodeList(plain, 4, 'auth')
    signature = bytesItem(items[0], 65, 'auth signature')
    publicKey = bytesItem(items[1], 64, 'auth public key')
    nonce = bytesItem(items[2], 32, 'auth nonce')
    version = uintItem(items[3], 'auth version')
  }
  const remotePublicKey = importPublicKey(publicKey)
  const staticShared = ecdh(privateKey, remotePublicKey)
  let ephemeralPublicKey: Uint8Array
  try {
    ephemeralPublicKey = recoverPublicKey(xor32(staticShared, nonce), signature)
  } catch (err) {
    throw wrapCrypto(err, 'auth signature')
  } finally {
    staticShared.fill(0)
  }
  return {
    publicKey: remotePublicKey,
    // recovered by libsecp256k1 or noble: a valid point, in memory of its own
    ephemeralPublicKey,
    nonce: nonce.slice(),
    version,
    format,
  }
}

/**
 * Decrypts and decodes an ack packet (`packet` includes the size prefix for EIP-8).
 *
 * @throws RlpxError `HANDSHAKE_DECRYPT_FAILED`, `INVALID_HANDSHAKE` or `INVALID_PUBLIC_KEY`.
 */
export function parseAck(
  privateKey: Uint8Array,
  packet: Uint8Array,
  format: HandshakeFormat,
): AckMessage {
  const plain = open(privateKey, packet, format, 'ack')
  let ephemeralPublicKey: Uint8Array
  let nonce: Uint8Array
  let version: number | undefined
  if (format === 'legacy') {
    if (plain.length !== 97) throw invalid(`legacy ack is ${plain.length} bytes, want 97`)
    ephemeralPublicKey = plain.subarray(0, 64)
    nonce = plain.subarray(64, 96)
  } else {
    const items = decodeList(plain, 3, 'ack')
    ephemeralPublicKey = bytesItem(items[0], 64, 'ack ephemeral key')
    nonce = bytesItem(items[1], 32, 'ack nonce')
    version = uintItem(items[2], 'ack version')
  }
  return {
    ephemeralPublicKey: importPublicKey(ephemeralPublicKey),
    nonce: nonce.slice(),
    version,
    format,
  }
}

function open(
  privateKey: Uint8Array,
  packet: Uint8Array,
  format: HandshakeFormat,
  what: string,
): Uint8Array {
  try {
    if (format === 'legacy') return eciesDecrypt(privateKey, packet)
    if (packet.length < 2) throw invalid(`${what} shorter than its size prefix`)
    return eciesDecrypt(privateKey, packet.subarray(2), packet.subarray(0, 2))
  } catch (err) {
    if (err instanceof RlpxError) throw err
    if (err instanceof CryptoError) {
      throw new RlpxError('HANDSHAKE_DECRYPT_FAILED', `${what}: ${err.message}`, { cause: err })
    }
    throw err
  }
}

/** Validates a public key from outside and returns it as 64 bytes x ‖ y. */
export function importPublicKey(key: Uint8Array): Uint8Array {
  try {
    return decodePublicKey(key)
  } catch (err) {
    throw wrapCrypto(err, 'public key')
  }
}

function wrapCrypto(err: unknown, what: string): unknown {
  if (!(err instanceof CryptoError)) return err
  const code = err.code === 'INVALID_SIGNATURE' ? 'INVALID_SIGNATURE' : 'INVALID_PUBLIC_KEY'
  return new RlpxError(code, `${what}: ${err.message}`, { cause: err })
}

function invalid(message: string, cause?: unknown): RlpxError {
  return new RlpxError('INVALID_HANDSHAKE', message, { cause })
}

function decodeList(plain: Uint8Array, minItems: number, what: string): RlpValue[] {
  let value: RlpValue
  try {
    value = decodeWithRest(plain).value
  } catch (err) {
    throw invalid(`${what}: bad RLP`, err)
  }
  if (!Array.isArray(value) || value.length < minItems) {
    throw invalid(`${what}: want a list of at least ${minItems} items`)
  }
  return value
}

function bytesItem(item: RlpValue | undefined, length: number, what: string): Uint8Array {
  if (!(item instanceof Uint8Array) || item.length !== length) {
    throw invalid(`${what}: want ${length} bytes`)
  }
  return item
}

function uintItem(item: RlpValue | undefined, what: string): number {
  if (!(item instanceof Uint8Array) || item.length > 6 || item[0] === 0) {
    throw invalid(`${what}: want a canonical unsigned integer`)
  }
  let n = 0
  for (const b of item) n = n * 256 + b
  return n
}
