import { type Cipher, createCipheriv } from 'node:crypto'
import {
  KEYSTREAM_DIRECT_BYTES as DIRECT_BYTES,
  KEYSTREAM_FIRST_BYTES as FIRST_REFILL_BYTES,
  KEYSTREAM_MAX_BYTES as MAX_REFILL_BYTES,
} from './constants.js'

const ZEROS = new Uint8Array(MAX_REFILL_BYTES)
const NO_WORDS = new Int32Array(0)

/**
 * One direction of RLPx's AES-256-CTR stream (IV zero, one continuous counter for the
 * whole connection), with its key stream drawn ahead.
 *
 * Each node:crypto call costs about 1 µs whatever its length, and a frame needs one
 * call to encrypt and two to decrypt (the header is decrypted before the body can be
 * found). Here the cipher encrypts zeros a few KiB at a time and frames are XORed with
 * that key stream, 32 bits at a time; only long inputs still go through the cipher,
 * after what is buffered.
 *
 * Everything it works on is whole 16-byte blocks (a frame header, a padded body), so the
 * key stream is always used up to a block boundary and every XOR runs over whole words.
 *
 * bounded: the buffered key stream is at most 16 KiB; it starts at 256 bytes and doubles
 * only as frames use it up, so an idle connection holds little. At 16 KiB a call runs
 * at close to the cipher's bulk rate (0.37 ns/B here, against 0.66 at 4 KiB). The key
 * stream is as secret as the key: {@link wipe} it on close.
 */
export class Keystream {
  readonly #cipher: Cipher
  #stream: Uint8Array = ZEROS.subarray(0, 0)
  #streamWords: Int32Array = NO_WORDS
  /** Bytes of #stream used up, a multiple of 16. */
  #at = 0
  #refillBytes = FIRST_REFILL_BYTES
  #wiped = false
  /** Whether the last input was long: then short ones are not worth drawing ahead for. */
  #long = false

  constructor(key: Uint8Array) {
    this.#cipher = createCipheriv('aes-256-ctr', key, new Uint8Array(16))
  }

  /**
   * Encrypts (or decrypts) `bytes[start…end]` in place; `words` is the 32-bit view of
   * the same buffer from its start (see FrameMemory).
   *
   * @throws Error when `start` or the length is not a multiple of 16 (a bug).
   */
  apply(bytes: Uint8Array, words: Int32Array, start: number, end: number): void {
    if (((start | (end - start)) & 15) !== 0 || bytes.byteOffset !== 0) {
      throw new Error('key stream applied to a run that is not whole aligned blocks')
    }
    const n = end - start
    const long = n >= DIRECT_BYTES
    const direct = long || this.#long
    this.#long = long
    let done = 0
    while (done < n) {
      let available = this.#stream.length - this.#at
      if (available === 0) {
        if (direct && !this.#wiped) {
          bytes.set(this.#cipher.update(bytes.subarray(start + done, end)), start + done)
          return
        }
        this.#refill()
        available = this.#stream.length
      }
      const take = Math.min(available, n - done)
      xorWords(words, (start + done) >> 2, this.#streamWords, this.#at >> 2, take >> 2)
      this.#at += take
      done += take
    }
  }

  /**
   * `input` decrypted (or encrypted) straight through the cipher into a new buffer, when
   * it is long and no key stream is buffered; otherwise `undefined` (use {@link apply}).
   */
  throughCipher(input: Uint8Array): Buffer | undefined {
    if (this.#at < this.#stream.length || input.length < DIRECT_BYTES || this.#wiped) {
      return undefined
    }
    this.#long = true
    return this.#cipher.update(input)
  }

  /** Zeroes the key stream drawn ahead; the stream cannot be used after this. */
  wipe(): void {
    this.#stream.fill(0)
    this.#stream = ZEROS.subarray(0, 0)
    this.#streamWords = NO_WORDS
    this.#at = 0
    this.#wiped = true
  }

  #refill(): void {
    if (this.#wiped) throw new Error('key stream used after wipe()')
    this.#stream.fill(0)
    let stream = this.#cipher.update(ZEROS.subarray(0, this.#refillBytes)) as Uint8Array
    if ((stream.byteOffset & 3) !== 0) {
      // node returns a buffer of its own (offset 0); never rely on it for the word view
      const aligned = new Uint8Array(stream.length)
      aligned.set(stream)
      stream.fill(0)
      stream = aligned
    }
    this.#stream = stream
    this.#streamWords = new Int32Array(stream.buffer, stream.byteOffset, stream.length >> 2)
    this.#at = 0
    this.#refillBytes = Math.min(2 * this.#refillBytes, MAX_REFILL_BYTES)
  }
}

/** `out[o…o+n] ^= key[k…k+n]` over `n` words, a multiple of 4 (whole blocks). */
function xorWords(out: Int32Array, o: number, key: Int32Array, k: number, n: number): void {
  for (let i = 0; i < n; i += 4) {
    out[o + i]! ^= key[k + i]!
    out[o + i + 1]! ^= key[k + i + 1]!
    out[o + i + 2]! ^= key[k + i + 2]!
    out[o + i + 3]! ^= key[k + i + 3]!
  }
}
