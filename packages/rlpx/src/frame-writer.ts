import type { Duplex } from 'node:stream'
import type { Clock } from '@devp2p/common'
import { COALESCE_BELOW_BYTES } from './constants.js'
import { RlpxError } from './errors.js'
import type { FrameCodec } from './frame-codec.js'
import { snappyCompress } from './snappy-codec.js'

const noop = (): void => {}

const uncork = (stream: Duplex): void => {
  stream.uncork()
}

/**
 * `stream.write(chunk)`, coalesced with the other writes of this tick: a small write
 * (below {@link COALESCE_BELOW_BYTES}) corks the stream and a `process.nextTick` uncorks
 * it, so frames written in one go (a burst of small messages, an ack and the Hello after
 * it) leave in one `writev` syscall instead of one each. Back-pressure is unchanged: the
 * result is `write()`'s.
 */
export function writeCoalesced(stream: Duplex, chunk: Uint8Array): boolean {
  if (stream.writableCorked === 0 && chunk.length < COALESCE_BELOW_BYTES) {
    stream.cork()
    process.nextTick(uncork, stream)
  }
  return stream.write(chunk)
}

/**
 * What a {@link FrameWriter} asks of the connection `C` it writes for: one shared object
 * of functions taking the connection, so no closure is kept per connection (a closure
 * made in a constructor keeps its whole context alive).
 */
export interface FrameWriterHost<C> {
  /** Why writes are over (the error to reject with), or `undefined` while they may go on. */
  stopped(conn: C): RlpxError | undefined
  /** The connection's error if it has ended, else `undefined`. */
  ended(conn: C): RlpxError | undefined
  /** Fails the connection with `err` (the first error sticks); returns the error to reject with. */
  fail(conn: C, err: RlpxError): unknown
}

/**
 * The write path of a connection: encrypts frames and hands them to the stream in order,
 * one at a time. A frame the stream takes below its high-water mark is done at once;
 * otherwise the writer waits for `'drain'` under a deadline on the clock, and later
 * frames queue behind it.
 *
 * bounded: at most one frame (≤ 16 MiB + 48 bytes) sits above `writableHighWaterMark`;
 * callers that do not await their writes keep their own payloads in the promise queue.
 */
export class FrameWriter<C> {
  readonly #stream: Duplex
  readonly #codec: FrameCodec
  readonly #clock: Clock
  readonly #timeoutMs: number
  readonly #conn: C
  readonly #host: FrameWriterHost<C>
  #tail: Promise<void> = Promise.resolve()
  #queued = 0
  #draining = false

  constructor(
    stream: Duplex,
    codec: FrameCodec,
    clock: Clock,
    timeoutMs: number,
    conn: C,
    host: FrameWriterHost<C>,
  ) {
    this.#stream = stream
    this.#codec = codec
    this.#clock = clock
    this.#timeoutMs = timeoutMs
    this.#conn = conn
    this.#host = host
  }

  /**
   * Sends one frame after the frames before it, its payload snappy-compressed when
   * `compress` is set (right before it is encoded: the compressed bytes are never kept).
   * Resolves once the stream took it (after `'drain'` when it was full); rejects with the
   * connection's error when it failed (`WRITE_TIMEOUT` when the peer took nothing for the
   * write timeout).
   */
  write(code: number, data: Uint8Array, compress: boolean): Promise<void> {
    if (this.#queued === 0 && !this.#draining) return this.#writeNow(code, data, compress)
    this.#queued++
    const next = this.#tail.then(() => this.#writeNow(code, data, compress))
    const settled = next.finally(() => {
      this.#queued--
    })
    this.#tail = settled.then(noop, noop)
    return settled
  }

  #writeNow(code: number, data: Uint8Array, compress: boolean): Promise<void> {
    const host = this.#host
    const stopped = host.stopped(this.#conn)
    if (stopped !== undefined) return Promise.reject(stopped)
    const stream = this.#stream
    if (stream.destroyed || stream.writableEnded) {
      return Promise.reject(
        host.fail(this.#conn, new RlpxError('CONNECTION_CLOSED', 'stream is closed')),
      )
    }
    const frame = this.#codec.encode(code, compress ? snappyCompress(data) : data)
    if (writeCoalesced(stream, frame)) return Promise.resolve()
    this.#draining = true
    const drained = new Promise<void>((resolve, reject) => {
      const done = (err?: RlpxError): void => {
        deadline.cancel()
        stream.off('drain', onDrain)
        stream.off('close', onClose)
        this.#draining = false
        if (err) reject(host.fail(this.#conn, err))
        else resolve()
      }
      const onDrain = (): void => done()
      const onClose = (): void =>
        done(
          host.ended(this.#conn) ??
            new RlpxError('CONNECTION_CLOSED', 'stream closed during a write'),
        )
      const deadline = this.#clock.deadline(this.#timeoutMs, () =>
        done(new RlpxError('WRITE_TIMEOUT', `peer took no data for ${this.#timeoutMs} ms`)),
      )
      stream.on('drain', onDrain)
      stream.on('close', onClose)
    })
    this.#tail = drained.then(noop, noop)
    return drained
  }
}
