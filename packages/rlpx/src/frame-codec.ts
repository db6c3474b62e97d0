import { type Cipher, createCipheriv, type Decipher } from 'node:crypto'
import type { KeccakState } from '@devp2p/crypto'
import { MAC_BYTES, MAX_FRAME_BYTES } from './constants.js'
import { RlpxError } from './errors.js'
import type { Secrets } from './secrets.js'

const ZERO_IV = new Uint8Array(16)
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
 * encoded and decoded in wire order.
 */
export class FrameCodec {
  readonly #egressAes: Cipher
  readonly #ingressAes: Decipher
  readonly #macCipher: Cipher
  readonly #egressMac: KeccakState
  readonly #ingressMac: KeccakState
  /**
   * The digest of each MAC state as it stands (32 bytes; the header-mac seed takes the
   * first 16): after a frame it is that frame's frame-mac, so it is kept rather than
   * asked of the state again.
   */
  #egressDigest: Uint8Array
  #ingressDigest: Uint8Array
  /** Size of the frame whose header was decoded last; -1 when a header is due. */
  #pendingSize = -1

  constructor(secrets: Secrets) {
    this.#egressAes = createCipheriv('aes-256-ctr', secrets.aes, ZERO_IV)
    this.#ingressAes = createCipheriv('aes-256-ctr', secrets.aes, ZERO_IV)
    this.#macCipher = createCipheriv('aes-256-ecb', secrets.mac, null).setAutoPadding(false)
    this.#egressMac = secrets.egressMac
    this.#ingressMac = secrets.ingressMac
    this.#egressDigest = this.#egressMac.digest()
    this.#ingressDigest = this.#ingressMac.digest()
  }

  /**
   * Encodes one message as a whole frame: header ‖ header-mac ‖ body ‖ frame-mac.
   *
   * @returns a new buffer owned by the caller.
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
    // Plaintext header ‖ body side by side, so that one cipher call encrypts both (the
    // CTR stream is continuous); the ciphertext is then laid out around the header-mac.
    const plain = Buffer.allocUnsafe(16 + padded)
    // header: size(3) ‖ rlp([0,0]) ‖ zero padding
    plain[0] = size >>> 16
    plain[1] = (size >>> 8) & 0xff
    plain[2] = size & 0xff
    plain[3] = HEADER_DATA[0]
    plain[4] = HEADER_DATA[1]
    plain[5] = HEADER_DATA[2]
    plain.fill(0, 6, 16)
    // body: rlp(code) ‖ payload ‖ zero padding
    writeCode(plain, 16, code, codeBytes)
    plain.set(payload, 16 + codeBytes)
    plain.fill(0, 16 + size, 16 + padded)
    const cipher = this.#egressAes.update(plain)
    const frame = Buffer.allocUnsafe(32 + padded + MAC_BYTES)
    cipher.copy(frame, 0, 0, 16)
    copyTag(this.#headerMac(this.#egressMac, this.#egressDigest, cipher), frame, 16)
    cipher.copy(frame, 32, 16)
    const tag = this.#frameMac(this.#egressMac, cipher.subarray(16))
    this.#egressDigest = tag
    copyTag(tag, frame, 32 + padded)
    return frame
  }

  /**
   * Verifies and decrypts a 32-byte frame header (ciphertext ‖ header-mac).
   *
   * @returns how many more bytes the frame has on the wire (padded body + frame-mac).
   * @throws RlpxError `MAC_MISMATCH` (nothing decrypted) or `FRAME_TOO_LARGE` when the
   *   size exceeds `maxFrameBytes`.
   */
  decodeHeader(header: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): number {
    const expected = this.#headerMac(this.#ingressMac, this.#ingressDigest, header)
    if (!tagMatches(expected, header, 16)) {
      throw new RlpxError('MAC_MISMATCH', 'frame header-mac does not verify')
    }
    const plain = this.#ingressAes.update(header.subarray(0, 16))
    const size = (plain[0]! << 16) | (plain[1]! << 8) | plain[2]!
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
   * @throws RlpxError `MAC_MISMATCH` (nothing decrypted) or `INVALID_MESSAGE_CODE`.
   */
  decodeBody(rest: Uint8Array): DecodedFrame {
    const size = this.#pendingSize
    if (size < 0) throw new Error('decodeBody called before decodeHeader')
    const padded = rest.length - MAC_BYTES
    const ciphertext = rest.subarray(0, padded)
    const expected = this.#frameMac(this.#ingressMac, ciphertext)
    if (!tagMatches(expected, rest, padded)) {
      throw new RlpxError('MAC_MISMATCH', 'frame-mac does not verify')
    }
    this.#ingressDigest = expected
    this.#pendingSize = -1
    const plain = this.#ingressAes.update(ciphertext)
    return readCode(plain.subarray(0, size))
  }

  /**
   * header-mac: `seed = aes(mac-secret, digest[:16]) ⊕ header-ciphertext`, then the digest
   * of the state updated with it. `digest` is the state's digest before the update;
   * `header` holds the 16 bytes of header ciphertext at its start.
   *
   * @returns the new 32-byte digest; the tag is its first 16 bytes.
   */
  #headerMac(mac: KeccakState, digest: Uint8Array, header: Uint8Array): Uint8Array {
    const seed = this.#macCipher.update(digest.subarray(0, 16))
    for (let i = 0; i < 16; i++) seed[i]! ^= header[i]!
    return mac.update(seed).digest()
  }

  /**
   * frame-mac: the state updated with the body ciphertext gives `prev`; then
   * `seed = aes(mac-secret, prev[:16]) ⊕ prev[:16]` and the digest after that update.
   *
   * @returns the new 32-byte digest; the tag is its first 16 bytes.
   */
  #frameMac(mac: KeccakState, bodyCiphertext: Uint8Array): Uint8Array {
    const prev = mac.update(bodyCiphertext).digest()
    const seed = this.#macCipher.update(prev.subarray(0, 16))
    for (let i = 0; i < 16; i++) seed[i]! ^= prev[i]!
    return mac.update(seed).digest()
  }
}

/** Copies the 16-byte tag (a digest's first half) into `out` at `at`. */
function copyTag(digest: Uint8Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < MAC_BYTES; i++) out[at + i] = digest[i]!
}

/** Whether `received[at…at+16]` is the tag of `digest`, compared in constant time. */
function tagMatches(digest: Uint8Array, received: Uint8Array, at: number): boolean {
  let diff = 0
  for (let i = 0; i < MAC_BYTES; i++) diff |= digest[i]! ^ received[at + i]!
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

/** Splits a canonical RLP unsigned integer (the message code) off the frame data. */
function readCode(data: Uint8Array): DecodedFrame {
  const b = data[0]
  if (b === undefined) throw new RlpxError('INVALID_MESSAGE_CODE', 'empty frame')
  if (b < 0x80) return { code: b, payload: data.subarray(1) }
  if (b === 0x80) return { code: 0, payload: data.subarray(1) }
  const n = b - 0x80
  if (n > 6 || data.length < 1 + n || data[1] === 0 || (n === 1 && data[1]! < 0x80)) {
    throw new RlpxError('INVALID_MESSAGE_CODE', 'message code is not a canonical RLP integer')
  }
  let code = 0
  for (let i = 1; i <= n; i++) code = code * 256 + data[i]!
  if (!Number.isSafeInteger(code)) {
    throw new RlpxError('INVALID_MESSAGE_CODE', 'message code is too large')
  }
  return { code, payload: data.subarray(1 + n) }
}
