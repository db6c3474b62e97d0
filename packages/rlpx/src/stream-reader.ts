import type { Duplex } from 'node:stream'
import { RlpxError } from './errors.js'

/**
 * Reads exact byte counts from a Duplex in paused mode. When it needs more bytes than it
 * holds, it takes everything the stream has buffered (one `stream.read()`) and serves
 * reads from that as views, copying only a read that spans chunks: one stream call per
 * batch of frames instead of two per frame.
 *
 * bounded: it holds what the stream had buffered when it last ran short (at most the
 * stream's high-water mark plus one socket chunk) and less than the read that ran
 * short; the stream stops reading from the socket at its high-water mark, so TCP flow
 * control pushes back on the peer. Reads are at most a frame the header checked against
 * the frame limit, or a handshake packet checked against its limit.
 */
export class StreamReader {
  readonly #stream: Duplex
  #wake: (() => void) | undefined
  #ended = false
  #failure: RlpxError | undefined
  /** Chunks taken from the stream and not read yet, the first one from #headAt on. */
  readonly #chunks: Uint8Array[] = []
  #headAt = 0
  /** Bytes in #chunks not read yet. */
  #buffered = 0

  constructor(stream: Duplex) {
    this.#stream = stream
    stream.on('readable', this.#notify)
    stream.on('end', this.#onEnd)
    stream.on('close', this.#onEnd)
    stream.on('error', this.#onError)
  }

  /** Removes the listeners this reader added. */
  detach(): void {
    this.#stream.off('readable', this.#notify)
    this.#stream.off('end', this.#onEnd)
    this.#stream.off('close', this.#onEnd)
    this.#stream.off('error', this.#onError)
  }

  /**
   * Calls `wake` once when something changes (bytes, end, error, failure), instead of a
   * read that waits; `undefined` forgets a callback set before. For callers that drive
   * their reads themselves with {@link tryRead}.
   */
  wait(wake: (() => void) | undefined): void {
    this.#wake = wake
  }

  /** Fails every current and future read with `error` (used when closing). */
  fail(error: RlpxError): void {
    this.#failure ??= error
    this.#notify()
  }

  #notify = (): void => {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #onEnd = (): void => {
    this.#ended = true
    this.#notify()
  }

  #onError = (err: Error): void => {
    this.#failure ??= new RlpxError('SOCKET_ERROR', `stream error: ${err.message}`, { cause: err })
    this.#notify()
  }

  /**
   * Exactly `n` bytes if they are buffered now, else `null`. `atBoundary` says whether
   * an end of stream here is a clean close (`CONNECTION_CLOSED`) or a cut
   * (`UNEXPECTED_EOF`). The bytes are the caller's (a view of a chunk nobody else reads).
   */
  tryRead(n: number, atBoundary: boolean): Uint8Array | null {
    if (this.#failure) throw this.#failure
    if (n === 0) return new Uint8Array(0)
    if (this.#buffered < n) {
      const chunk = this.#stream.read() as Buffer | null
      if (chunk !== null && chunk.length > 0) {
        // a plain view, made once per chunk: the reads below slice it without node's
        // Buffer methods
        this.#chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))
        this.#buffered += chunk.length
      }
      if (this.#buffered < n) {
        if (!this.#ended && !this.#stream.destroyed) return null
        if (chunk === null && this.#stream.readableLength > 0) return null
        const clean = atBoundary && this.#buffered === 0
        throw clean
          ? new RlpxError('CONNECTION_CLOSED', 'the peer closed the connection')
          : new RlpxError('UNEXPECTED_EOF', `stream ended inside a ${n}-byte read`)
      }
    }
    this.#buffered -= n
    const head = this.#chunks[0]!
    const at = this.#headAt
    if (head.length - at >= n) {
      if (at + n === head.length) {
        this.#chunks.shift()
        this.#headAt = 0
      } else {
        this.#headAt = at + n
      }
      return head.subarray(at, at + n)
    }
    // bounded: n bytes, fewer than were buffered
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.#chunks[0]!
      const from = this.#headAt
      const take = Math.min(chunk.length - from, n - filled)
      out.set(chunk.subarray(from, from + take), filled)
      filled += take
      if (from + take === chunk.length) {
        this.#chunks.shift()
        this.#headAt = 0
      } else {
        this.#headAt = from + take
      }
    }
    return out
  }

  /**
   * Resolves with exactly `n` bytes, owned by the caller. It has no deadline of its own:
   * the caller bounds the wait and ends it with {@link fail} (the connection keeps one
   * deadline for a whole message, however many waits it takes).
   *
   * @throws RlpxError on end of stream, stream error or failure (see {@link fail}).
   */
  async readExactly(n: number, atBoundary: boolean): Promise<Uint8Array> {
    const now = this.tryRead(n, atBoundary)
    if (now !== null) return now
    return new Promise<Uint8Array>((resolve, reject) => {
      const attempt = (): void => {
        try {
          const chunk = this.tryRead(n, atBoundary)
          if (chunk === null) {
            this.#wake = attempt
            return
          }
          this.#wake = undefined
          resolve(chunk)
        } catch (err) {
          this.#wake = undefined
          reject(err)
        }
      }
      this.#wake = attempt
    })
  }
}
