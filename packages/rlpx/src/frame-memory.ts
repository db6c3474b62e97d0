import { RECEIVE_SLAB_BYTES, SEND_SLAB_BYTES, TRANSIENT_FRAME_BYTES } from './constants.js'

/**
 * Memory the frame codec builds and decrypts frames in: 16-byte-aligned regions cut from
 * slabs, each slab with a byte view and a 64-bit word view made once. The key stream is
 * then XORed in whole words (a frame is whole 16-byte blocks), and no typed-array view
 * is made per frame for it.
 *
 * Like node's Buffer pool, a region keeps its slab alive while anything still refers to
 * it, and regions of half a slab or more get a buffer of their own. Regions are never
 * reused, so nothing of one frame can show up in another.
 */
export class FrameMemory {
  /** The buffer of the last region reserved, and views of all of it as bytes and words. */
  buffer: ArrayBuffer
  bytes: Uint8Array
  words: BigInt64Array
  readonly #slabSize: number
  #slab: ArrayBuffer
  #slabBytes: Uint8Array
  #slabWords: BigInt64Array
  /** Bytes of the current slab handed out, a multiple of 16. */
  #used = 0

  /** @param slabSize bytes per slab, a multiple of 16. */
  constructor(slabSize: number) {
    this.#slabSize = slabSize
    const slab = new ArrayBuffer(slabSize)
    this.#slab = this.buffer = slab
    this.#slabBytes = this.bytes = new Uint8Array(slab)
    this.#slabWords = this.words = new BigInt64Array(slab)
  }

  /**
   * Reserves `n` bytes and returns their offset in {@link buffer} (and 8 × the index in
   * {@link words}): a multiple of 16. The region is this caller's for good; `buffer`,
   * `bytes` and `words` change at the next call.
   */
  reserve(n: number): number {
    if (2 * n >= this.#slabSize) {
      // whole words, so the word view covers every byte of a frame; not zero-filled, as
      // every byte of a region is written before it is read
      const own = Buffer.allocUnsafeSlow((n + 15) & ~15).buffer
      this.buffer = own
      this.bytes = new Uint8Array(own)
      this.words = new BigInt64Array(own)
      return 0
    }
    if (this.#used + n > this.#slabSize) {
      const slab = new ArrayBuffer(this.#slabSize)
      this.#slab = slab
      this.#slabBytes = new Uint8Array(slab)
      this.#slabWords = new BigInt64Array(slab)
      this.#used = 0
    }
    const at = this.#used
    this.#used = (at + n + 15) & ~15
    this.buffer = this.#slab
    this.bytes = this.#slabBytes
    this.words = this.#slabWords
    return at
  }
}

/**
 * Where frames are built. A frame lives only until the stream has written it, so big
 * slabs (fewer allocations) cost nothing. Shared by every codec of this thread, which
 * only ever uses it synchronously.
 */
export const sendMemory = new FrameMemory(SEND_SLAB_BYTES)

/**
 * Where frames are decrypted. Payloads are views of it, which callers may keep, so its
 * slabs are node's Buffer pool size (8 KiB): a kept payload holds on to no more than a
 * kept Buffer would.
 */
export const receiveMemory = new FrameMemory(RECEIVE_SLAB_BYTES)

const transientSlab = new ArrayBuffer(TRANSIENT_FRAME_BYTES)

/**
 * Where frames whose plaintext the caller consumes at once are decrypted (a snappy
 * payload, decompressed right after): one buffer used over and over, from offset 0, so
 * they take nothing from {@link receiveMemory}, whose slabs cost 2–4 µs each to make in
 * a busy process. What it holds is valid only until the next frame decrypted into it.
 */
export const transientMemory = {
  buffer: transientSlab,
  bytes: new Uint8Array(transientSlab),
  words: new BigInt64Array(transientSlab),
} as const
