import type { Duplex } from 'node:stream'
import { RlpxError } from './errors.js'

/** When and why a read gives up: an absolute deadline and/or an abort signal. */
export interface ReadLimits {
  /** `performance.now()` value after which the read fails with `timeoutCode`. */
  deadline?: number
  timeoutCode?: 'READ_TIMEOUT' | 'HANDSHAKE_TIMEOUT'
  signal?: AbortSignal
  /** Maps an abort of `signal` to an error (default: `ABORTED`). */
  onAbort?: () => RlpxError
}

/**
 * Reads exact byte counts from a Duplex in paused mode (`stream.read(n)`), so unread
 * bytes stay in the stream's own buffer and TCP flow control pushes back on the peer.
 *
 * bounded: the stream's buffer grows to at most the largest `n` asked for (a frame the
 * header already checked against the frame limit) plus one socket chunk.
 */
export class StreamReader {
  readonly #stream: Duplex
  #wake: (() => void) | undefined
  #ended = false
  #failure: RlpxError | undefined

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
   * an end of stream here is a clean close (`CONNECTION_CLOSED`) or a cut (`UNEXPECTED_EOF`).
   */
  tryRead(n: number, atBoundary: boolean): Buffer | null {
    if (this.#failure) throw this.#failure
    const chunk = this.#stream.read(n) as Buffer | null
    if (chunk !== null && chunk.length === n) return chunk
    if (chunk !== null || this.#ended || this.#stream.destroyed) {
      if (chunk === null && this.#stream.readableLength >= n) return null
      const clean = atBoundary && (chunk === null || chunk.length === 0)
      throw clean
        ? new RlpxError('CONNECTION_CLOSED', 'the peer closed the connection')
        : new RlpxError('UNEXPECTED_EOF', `stream ended inside a ${n}-byte read`)
    }
    return null
  }

  /**
   * Resolves with exactly `n` bytes (a Buffer owned by the caller).
   *
   * @throws RlpxError on end of stream, stream error, deadline or abort.
   */
  async readExactly(n: number, atBoundary: boolean, limits: ReadLimits = {}): Promise<Buffer> {
    const now = this.tryRead(n, atBoundary)
    if (now !== null) return now
    return new Promise<Buffer>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const { signal } = limits
      const finish = (err: unknown, value?: Buffer): void => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#wake = undefined
        if (err !== undefined) reject(err)
        else resolve(value!)
      }
      const onAbort = (): void =>
        finish(limits.onAbort?.() ?? new RlpxError('ABORTED', 'aborted', { cause: signal?.reason }))
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      if (limits.deadline !== undefined) {
        const code = limits.timeoutCode ?? 'READ_TIMEOUT'
        const ms = Math.max(0, limits.deadline - performance.now())
        timer = setTimeout(() => finish(new RlpxError(code, `no data within the deadline`)), ms)
      }
      const attempt = (): void => {
        try {
          const chunk = this.tryRead(n, atBoundary)
          if (chunk !== null) finish(undefined, chunk)
          else this.#wake = attempt
        } catch (err) {
          finish(err)
        }
      }
      this.#wake = attempt
    })
  }
}
