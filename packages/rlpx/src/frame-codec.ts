import { type Cipher, createCipheriv } from 'node:crypto'
import type { KeccakState } from '@devp2p/crypto'
import { MAC_BYTES, MAX_FRAME_BYTES, TRANSIENT_FRAME_BYTES } from './constants.js'
import { RlpxError } from './errors.js'
import { receiveMemory, sendMemory, transientMemory } from './frame-memory.js'
import { Keystream } from './keystream.js'
import type { Secrets } from './secrets.js'

/** Offsets in FrameCodec's MAC bytes (see there). */
const EGRESS = 0
const INGRESS = 32
const BODY = 64
const TAG = 96
const HEADER_PLAIN = 128

/** rlp([0, 0]): the header-data every current client sends (capability-id, context-id). */
const HEADER_DATA = [0xc2, 0x80, 0x80] as const

/** A decoded frame: the message code and a view of the payload (owned by the caller). */
export interface DecodedFrame {
  code: number
  payload: Uint8Array
}

/**
 * The RLPx frame layer without I/O: AES-256-CTR with one continuous key stream per
 * direction (IV zero) and the keccak-based header-mac and frame-mac (rlpx.md "Framing").
 * The ciphers and MAC states persist for the whole connection, so frames must be
 * encoded and decoded in wire order. Call {@link wipe} when the connection ends.
 */
export class FrameCodec {
  readonly #egressAes: Keystream
  readonly #ingressAes: Keystream
  readonly #macCipher: Cipher
  readonly #egressMac: KeccakState
  readonly #ingressMac: KeccakState
  /**
   * The MACs' working bytes, in one array of more than 64 bytes so that V8 keeps it off
   * its heap: a fresh small array handed to node:crypto would first be moved off the
   * heap, which costs more than the AES block itself. At EGRESS and INGRESS: each MAC
   * state's digest after the last frame (that frame's frame-mac; its first 16 bytes seed
   * the next header-mac). At BODY: the digest after the body; at TAG: the last header-mac.
   * At HEADER_PLAIN: the decrypted header (a 16-byte array of its own would live on V8's
   * heap, and its word view would first move it off).
   */
  readonly #macBytes = new Uint8Array(HEADER_PLAIN + 16)
  readonly #macWords = new BigInt64Array(this.#macBytes.buffer)
  readonly #egressSeedInput = this.#macBytes.subarray(EGRESS, EGRESS + 16)
  readonly #ingressSeedInput = this.#macBytes.subarray(INGRESS, INGRESS + 16)
  readonly #bodySeedInput = this.#macBytes.subarray(BODY, BODY + 16)
  /** Size of the frame whose header was decoded last; -1 when a header is due. */
  #pendingSize = -1

  constructor(secrets: Secrets) {
    this.#egressAes = new Keystream(secrets.aes)
    // the same key and IV zero: the same key stream, whose first draw the two share
    this.#ingressAes = this.#egressAes.twin()
    this.#macCipher = createCipheriv('aes-256-ecb', secrets.mac, null).setAutoPadding(false)
    this.#egressMac = secrets.egressMac
    this.#ingressMac = secrets.ingressMac
    this.#egressMac.digestInto(this.#macBytes, EGRESS)
    this.#ingressMac.digestInto(this.#macBytes, INGRESS)
  }

  /**
   * Encodes one message as a whole frame: header ‖ header-mac ‖ body ‖ frame-mac.
   *
   * @returns a new buffer owned by the caller: a `Buffer`, which a stream's `write()`
   *   takes as it is (a plain `Uint8Array` would first be wrapped in one).
   * @throws RangeError when rlp(code) ‖ payload is larger than `MAX_FRAME_BYTES`.
   */
  encode(code: number, payload: Uint8Array): Uint8Array {
    const codeBytes = codeLength(code)
    const size = codeBytes + payload.length
    if (size > MAX_FRAME_BYTES) {
      throw new RangeError(
        `message of ${size} bytes exceeds the ${MAX_FRAME_BYTES}-byte frame limit`,
      )
    }
    const padded = (size + 15) & ~15
    const length = 32 + padded + MAC_BYTES
    // The plaintext is laid out with the header at 16 and the body right after it, so
    // that one pass of the key stream covers both; the header ciphertext then moves to
    // 0 and its MAC takes its place.
    const memory = sendMemory
    const at = memory.reserve(length)
    const { buffer, bytes } = memory
    // header: size(3) ‖ rlp([0,0]) ‖ zero padding
    bytes[at + 16] = size >>> 16
    bytes[at + 17] = (size >>> 8) & 0xff
    bytes[at + 18] = size & 0xff
    bytes[at + 19] = HEADER_DATA[0]
    bytes[at + 20] = HEADER_DATA[1]
    bytes[at + 21] = HEADER_DATA[2]
    bytes.fill(0, at + 22, at + 32)
    // body: rlp(code) ‖ payload ‖ zero padding
    writeCode(bytes, at + 32, code, codeBytes)
    bytes.set(payload, at + 32 + codeBytes)
    bytes.fill(0, at + 32 + size, at + 32 + padded)
    const words = memory.words
    this.#egressAes.apply(bytes, words, at + 16, at + 32 + padded)
    // the header ciphertext to 0, as two words: copyWithin is a call into C++
    const w = at >> 3
    words[w] = words[w + 2]!
    words[w + 1] = words[w + 3]!
    const macWords = this.#macWords
    this.#headerMac(this.#egressMac, this.#egressSeedInput, bytes, at)
    // each tag as two words (16-aligned on both sides)
    words[w + 2] = macWords[TAG >> 3]!
    words[w + 3] = macWords[(TAG >> 3) + 1]!
    this.#frameMac(this.#egressMac, new Uint8Array(buffer, at + 32, padded), EGRESS)
    const t = (at + 32 + padded) >> 3
    words[t] = macWords[EGRESS >> 3]!
    words[t + 1] = macWords[(EGRESS >> 3) + 1]!
    return Buffer.from(buffer, at, length)
  }

  /**
   * Verifies and decrypts a 32-byte frame header (ciphertext ‖ header-mac).
   *
   * @returns how many more bytes the frame has on the wire (padded body + frame-mac).
   * @throws RlpxError `MAC_MISMATCH` (nothing decrypted) or `FRAME_TOO_LARGE` when the
   *   size exceeds `maxFrameBytes`.
   */
  decodeHeader(header: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): number {
    this.#headerMac(this.#ingressMac, this.#ingressSeedInput, header, 0)
    if (!tagMatches(this.#macBytes, TAG, header, 16)) {
      throw new RlpxError('MAC_MISMATCH', 'frame header-mac does not verify')
    }
    const macBytes = this.#macBytes
    for (let i = 0; i < 16; i++) macBytes[HEADER_PLAIN + i] = header[i]!
    this.#ingressAes.apply(macBytes, this.#macWords, HEADER_PLAIN, HEADER_PLAIN + 16)
    const h = HEADER_PLAIN
    const size = (macBytes[h]! << 16) | (macBytes[h + 1]! << 8) | macBytes[h + 2]!
    // geth ignores header-data (capability-id, context-id) and so do we.
    if (size > maxFrameBytes) {
      throw new RlpxError('FRAME_TOO_LARGE', `frame of ${size} bytes exceeds ${maxFrameBytes}`)
    }
    this.#pendingSize = size
    return ((size + 15) & ~15) + MAC_BYTES
  }

  /**
   * Verifies and decrypts the rest of the frame announced by the last header.
   *
   * @param transient the caller consumes the payload before the next decode (it
   *   decompresses it): then a short one is decrypted into memory that is reused, and
   *   its view is valid only until the next `decodeBody`.
   * @throws RlpxError `MAC_MISMATCH` (nothing decrypted) or `INVALID_MESSAGE_CODE`.
   */
  decodeBody(rest: Uint8Array, transient = false): DecodedFrame {
    const size = this.#pendingSize
    if (size < 0) throw new Error('decodeBody called before decodeHeader')
    const padded = rest.length - MAC_BYTES
    const ciphertext = rest.subarray(0, padded)
    this.#frameMac(this.#ingressMac, ciphertext, INGRESS)
    if (!tagMatches(this.#macBytes, INGRESS, rest, padded)) {
      throw new RlpxError('MAC_MISMATCH', 'frame-mac does not verify')
    }
    this.#pendingSize = -1
    const direct = this.#ingressAes.throughCipher(ciphertext)
    if (direct !== undefined) return readCode(direct.buffer, direct, 0, size)
    if (transient && padded <= TRANSIENT_FRAME_BYTES) {
      const { buffer, bytes, words } = transientMemory
      bytes.set(ciphertext, 0)
      this.#ingressAes.apply(bytes, words, 0, padded)
      return readCode(buffer, bytes, 0, size)
    }
    const memory = receiveMemory
    const at = memory.reserve(padded)
    const { buffer, bytes } = memory
    bytes.set(ciphertext, at)
    this.#ingressAes.apply(bytes, memory.words, at, at + padded)
    return readCode(buffer, bytes, at, size)
  }

  /** Zeroes the key stream drawn ahead (the connection has ended). */
  wipe(): void {
    this.#egressAes.wipe()
    this.#ingressAes.wipe()
  }

  /**
   * header-mac: `seed = aes(mac-secret, digest[:16]) ⊕ header-ciphertext`, then the digest
   * of the state updated with it, written at TAG (the tag is its first 16 bytes).
   * `seedInput` is the state's digest before the update; `header` holds the 16 bytes of
   * header ciphertext at `at`.
   */
  #headerMac(mac: KeccakState, seedInput: Uint8Array, header: Uint8Array, at: number): void {
    const seed = this.#macCipher.update(seedInput)
    for (let i = 0; i < 16; i++) seed[i]! ^= header[at + i]!
    mac.update(seed).digestInto(this.#macBytes, TAG)
  }

  /**
   * frame-mac: the state updated with the body ciphertext gives `prev` (written at BODY);
   * then `seed = aes(mac-secret, prev[:16]) ⊕ prev[:16]` and the digest after that update,
   * written at `out` (the tag is its first 16 bytes).
   */
  #frameMac(mac: KeccakState, bodyCiphertext: Uint8Array, out: number): void {
    const macBytes = this.#macBytes
    mac.update(bodyCiphertext).digestInto(macBytes, BODY)
    const seed = this.#macCipher.update(this.#bodySeedInput)
    for (let i = 0; i < 16; i++) seed[i]! ^= macBytes[BODY + i]!
    mac.update(seed).digestInto(macBytes, out)
  }
}

/**
 * Whether `received[at…at+16]` equals `expected[from…from+16]`, compared in constant
 * time.
 */
function tagMatches(expected: Uint8Array, from: number, received: Uint8Array, at: number): boolean {
  let diff = 0
  for (let i = 0; i < MAC_BYTES; i++) diff |= expected[from + i]! ^ received[at + i]!
  return diff === 0
}

function codeLength(code: number): number {
  if (!Number.isSafeInteger(code) || code < 0) {
    throw new RangeError(`message code must be a non-negative safe integer, got ${code}`)
  }
  if (code < 0x80) return 1
  let n = 0
  for (let c = code; c > 0; c = Math.floor(c / 256)) n++
  return 1 + n
}

function writeCode(out: Uint8Array, at: number, code: number, length: number): void {
  if (code === 0) out[at] = 0x80
  else if (code < 0x80) out[at] = code
  else {
    out[at] = 0x80 + length - 1
    let c = code
    for (let i = length - 1; i >= 1; i--) {
      out[at + i] = c % 256
      c = Math.floor(c / 256)
    }
  }
}

/**
 * Splits a canonical RLP unsigned integer (the message code) off the `size` bytes of
 * `bytes` at `at` (a view of all of `buffer`, or a Buffer on it); the payload is a plain
 * `Uint8Array` view of the rest.
 */
function readCode(
  buffer: ArrayBufferLike,
  bytes: Uint8Array,
  at: number,
  size: number,
): DecodedFrame {
  const b = size > 0 ? bytes[at]! : -1
  if (b < 0) throw new RlpxError('INVALID_MESSAGE_CODE', 'empty frame')
  const start = bytes.byteOffset + at
  if (b <= 0x80) {
    return { code: b === 0x80 ? 0 : b, payload: new Uint8Array(buffer, start + 1, size - 1) }
  }
  const n = b - 0x80
  if (n > 6 || size < 1 + n || bytes[at + 1] === 0 || (n === 1 && bytes[at + 1]! < 0x80)) {
    throw new RlpxError('INVALID_MESSAGE_CODE', 'message code is not a canonical RLP integer')
  }
  let code = 0
  for (let i = 1; i <= n; i++) code = code * 256 + bytes[at + i]!
  if (!Number.isSafeInteger(code)) {
    throw new RlpxError('INVALID_MESSAGE_CODE', 'message code is too large')
  }
  return { code, payload: new Uint8Array(buffer, start + 1 + n, size - 1 - n) }
}
