import type { Duplex } from 'node:stream'
import {
  type Clock,
  type Deadline,
  type Logger,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@devp2p/common'
import type { ConnectionOptions, RlpxMessage } from './connection-types.js'
import {
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
  MAX_SNAPPY_DECODED_BYTES,
  READ_TIMEOUT_LINGER_MS,
  READ_TIMEOUT_MS,
  WRITE_TIMEOUT_MS,
} from './constants.js'
import { closedLocallyError, RlpxError, withRawMsg } from './errors.js'
import type { FrameCodec } from './frame-codec.js'
import { FrameWriter, type FrameWriterHost } from './frame-writer.js'
import { ReadYield } from './read-yield.js'
import { snappyDecompress } from './snappy-codec.js'
import { closeStream } from './stream-close.js'
import type { StreamReader } from './stream-reader.js'

/** stream, its reader, the codec, the remote public key, the options */
type ConnectionParts = [Duplex, StreamReader, FrameCodec, Uint8Array, ConnectionOptions?]
// set in RlpxConnection's static block: its constructor stays out of the public type,
// so the internal StreamReader does not appear in the package's declarations
let create: (...parts: ConnectionParts) => RlpxConnection
/** How the writer reaches into a connection; set in the class's static block. */
let writerHost: FrameWriterHost<RlpxConnection>

/** @internal The connection once its handshake is done (not exported from the package). */
export function createConnection(...parts: ConnectionParts): RlpxConnection {
  return create(...parts)
}

/**
 * An established, encrypted RLPx connection: frames in, frames out. Created by
 * `initiatorHandshake` / `recipientHandshake`; it owns the stream from then on.
 *
 * Any protocol failure (bad MAC, oversized frame, write timeout, stream error) destroys
 * the stream at once; the first error is kept and every later call rejects with it. A
 * read timeout ends the reads the same way but leaves writes open (see
 * {@link RlpxConnection.writable}) until `close()`, or for `READ_TIMEOUT_LINGER_MS`, so
 * the caller can tell the peer why.
 *
 * bounded: reads hold less than one frame plus one stream buffer (see StreamReader; TCP
 * flow control does the rest); writes hand one frame at a time to the stream and wait
 * for `'drain'` once it is over its high-water mark, so at most one frame (≤ 16 MiB + 48
 * bytes) sits above `writableHighWaterMark`. Callers that do not await `writeMsg` keep
 * their own payloads in a promise queue.
 */
export class RlpxConnection {
  /** The peer's static public key (64 bytes x ‖ y), authenticated by the handshake. */
  readonly remotePublicKey: Uint8Array
  readonly #stream: Duplex
  readonly #codec: FrameCodec
  readonly #reader: StreamReader
  readonly #readTimeoutMs: number
  #maxFrameBytes: number
  readonly #log: Logger
  readonly #clock: Clock
  #snappy = false
  /** The first fatal error; see #ended(). */
  #error: RlpxError | undefined
  /**
   * A read timed out (`#error` is `READ_TIMEOUT`) and the stream is still whole: reads
   * are over, but writes stay open so the caller can say why (p2p: Disconnect
   * "read timeout"), until close() or READ_TIMEOUT_LINGER_MS.
   */
  #readTimedOut = false
  #lingerTimer: TimerHandle | undefined
  /** close() was called: the error is `CONNECTION_CLOSED`, made when first needed. */
  #closedLocally = false
  #closed: Promise<void> | undefined
  #readTail: Promise<unknown> = Promise.resolve()
  /** The deadline of the read in progress once it has waited (see #waitFor). */
  #readDeadline: Deadline | undefined
  /** readMsg calls not settled yet. */
  #readsPending = 0
  /** When reads give the event loop a turn (fairness between connections). */
  readonly #readYield = new ReadYield()
  readonly #writer: FrameWriter<RlpxConnection>

  static {
    create = (...parts) => new RlpxConnection(...parts)
    writerHost = {
      stopped: (conn) => (conn.writable ? undefined : conn.#ended()),
      ended: (conn) => conn.#ended(),
      fail: (conn, err) => conn.#fail(err),
    }
  }

  /** Made by the handshake functions (see {@link createConnection}); does no I/O. */
  private constructor(
    stream: Duplex,
    reader: StreamReader,
    codec: FrameCodec,
    remotePublicKey: Uint8Array,
    options: ConnectionOptions = {},
  ) {
    this.#stream = stream
    this.#reader = reader
    this.#codec = codec
    this.remotePublicKey = remotePublicKey
    this.#readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS
    this.#maxFrameBytes = Math.min(options.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES)
    this.#log = options.logger ?? silentLogger
    this.#clock = options.clock ?? systemClock
    this.#writer = new FrameWriter(
      stream,
      codec,
      this.#clock,
      options.writeTimeoutMs ?? WRITE_TIMEOUT_MS,
      this,
      writerHost,
    )
  }

  /** Whether snappy is on (see {@link setSnappy}). */
  get snappy(): boolean {
    return this.#snappy
  }

  /** The error that ended the connection, if it has ended. */
  get error(): RlpxError | undefined {
    return this.#ended()
  }

  /**
   * Whether {@link writeMsg} can still send: the connection has not ended, or only its
   * reads timed out (`error` is `READ_TIMEOUT`; writes stay open until {@link close},
   * or for `READ_TIMEOUT_LINGER_MS`, so the caller can tell the peer why).
   */
  get writable(): boolean {
    return !this.#closedLocally && (this.#error === undefined || this.#readTimedOut)
  }

  /** The largest inbound frame accepted now (see {@link setMaxFrameBytes}). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes
  }

  /**
   * Sets the largest inbound frame accepted, from the next frame header on (a read
   * already past its header keeps the limit it was checked against). A header that
   * declares more fails the connection with `FRAME_TOO_LARGE` before its body is read:
   * p2p lowers it to the Hello limit until Hello is done.
   *
   * @throws RangeError unless `bytes` is an integer from 1 to `MAX_FRAME_BYTES`.
   */
  setMaxFrameBytes(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in 1–${MAX_FRAME_BYTES}, got ${bytes}`)
    }
    this.#maxFrameBytes = bytes
  }

  /**
   * The error that ended the connection, if it has ended. A local close makes its
   * `CONNECTION_CLOSED` error only when something asks: most connections close without
   * anyone reading it.
   */
  #ended(): RlpxError | undefined {
    if (this.#error === undefined && this.#closedLocally) {
      this.#error = closedLocallyError()
    }
    return this.#error
  }

  /**
   * Turns snappy compression of every later message on or off, both directions
   * (devp2p v5: after both Hellos say version ≥ 5). The frame size counts compressed
   * bytes; the decoded size is checked from the snappy header before decompressing.
   */
  setSnappy(enabled: boolean): void {
    this.#snappy = enabled
  }

  /**
   * Reads the next message. Calls are served in order. Every
   * `READ_YIELD_EVERY_MSGS` messages, or `READ_YIELD_AFTER_MS` after its last yield, a
   * read first gives the event loop a turn (`setImmediate`), so a peer flooding small
   * messages cannot hold the process while its buffered bytes last.
   *
   * @throws RlpxError `CONNECTION_CLOSED` after a clean close, otherwise the reason the
   *   connection failed (`MAC_MISMATCH`, `READ_TIMEOUT`, `FRAME_TOO_LARGE`, …); the
   *   connection is then destroyed.
   */
  readMsg(): Promise<RlpxMessage> {
    // nothing in flight: start at once, without a link in the promise chain; otherwise
    // after the read before, however that one ends (a failed connection fails it too)
    const next =
      this.#readsPending++ === 0
        ? this.#readOne()
        : this.#readTail.then(this.#readNext, this.#readNext)
    this.#readTail = next
    return next
  }

  #readNext = (): Promise<RlpxMessage> => this.#readOne()

  /**
   * Waits for `n` bytes under the deadline of the read in progress. The deadline is set
   * at the read's first wait (most frames are buffered already, and need no timer) and
   * is one Deadline object for the whole message, however many waits it takes: bytes
   * trickling in do not renew it. When it fires, the connection fails with
   * `READ_TIMEOUT`, which ends the wait (see #fail).
   */
  #waitFor(n: number, atBoundary: boolean): Promise<Uint8Array> {
    this.#readDeadline ??= this.#clock.deadline(this.#readTimeoutMs, this.#onReadTimeout)
    return this.#reader.readExactly(n, atBoundary)
  }

  #onReadTimeout = (): void => {
    this.#readDeadline = undefined
    this.#fail(new RlpxError('READ_TIMEOUT', 'no whole message within the deadline'))
  }

  #endReadDeadline(): void {
    this.#readDeadline?.cancel()
    this.#readDeadline = undefined
  }

  /** One whole read; it counts itself out of `#readsPending` as it ends. */
  async #readOne(): Promise<RlpxMessage> {
    try {
      const ended = this.#ended()
      if (ended) throw ended
      if (this.#readYield.due()) {
        // a burst of buffered frames would otherwise be served in one microtask run
        await this.#readYield.yield()
        const endedMeanwhile = this.#ended()
        if (endedMeanwhile) throw endedMeanwhile
      }
      const head =
        this.#reader.tryRead(FRAME_HEADER_BYTES, true) ??
        (await this.#waitFor(FRAME_HEADER_BYTES, true))
      const restBytes = this.#codec.decodeHeader(head, this.#maxFrameBytes)
      // bounded: restBytes ≤ maxFrameBytes (< 2^24) + padding + MAC, checked by decodeHeader
      const rest = this.#reader.tryRead(restBytes, false) ?? (await this.#waitFor(restBytes, false))
      // with snappy on, the decrypted payload is only read by the decompressor
      const frame = this.#codec.decodeBody(rest, this.#snappy)
      let payload = frame.payload
      // bounded: the decoded size is read from the snappy header and checked first
      if (this.#snappy) {
        try {
          payload = snappyDecompress(payload, MAX_SNAPPY_DECODED_BYTES)
        } catch (err) {
          throw withRawMsg(err, frame.code, payload)
        }
      }
      return {
        code: frame.code,
        payload,
        size: payload.length,
        wireSize: FRAME_HEADER_BYTES + restBytes,
      }
    } catch (err) {
      throw err === this.#error ? err : this.#fail(err)
    } finally {
      this.#endReadDeadline()
      this.#readsPending--
    }
  }

  /**
   * Encrypts and sends one message. Resolves once the stream accepted the frame below
   * its high-water mark, or after `'drain'` when it did not; calls are sent in order.
   *
   * @throws TypeError / RangeError (synchronously) for a bad code or payload, or a
   *   message over the frame limit.
   * @throws RlpxError (rejection) `WRITE_TIMEOUT`, `CONNECTION_CLOSED`, `SOCKET_ERROR`.
   */
  writeMsg(code: number, payload: Uint8Array): Promise<void> {
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
    if (!Number.isSafeInteger(code) || code < 0) {
      throw new RangeError(`message code must be a non-negative safe integer, got ${code}`)
    }
    if (payload.length > MAX_FRAME_BYTES) {
      throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_FRAME_BYTES}`)
    }
    if (!this.writable) return Promise.reject(this.#ended())
    return this.#writer.write(code, payload, this.#snappy)
  }

  /** Records the first fatal error, destroys the stream and returns the kept error. */
  #fail(err: unknown): unknown {
    this.#ended()
    const first = this.#error === undefined
    if (!(err instanceof RlpxError)) {
      // a bug or an unexpected exception: still never leave a half-working connection
      this.#error ??= new RlpxError('SOCKET_ERROR', 'unexpected failure', { cause: err })
    } else {
      this.#error ??= err
    }
    if (first && this.#error.code === 'READ_TIMEOUT' && this.#halfClose()) return this.#error
    this.#endLinger()
    if (!this.#stream.destroyed && this.#closed === undefined) {
      this.#log.debug(
        { code: this.#error.code, err: this.#error.message },
        'rlpx connection failed',
      )
      this.#stream.destroy()
    }
    this.#reader.fail(this.#error)
    this.#codec.wipe()
    return this.#error
  }

  /**
   * After a read timeout: reads fail from now on, but the stream stays whole, so the
   * caller can still write why (geth sends Disconnect "read timeout") before closing.
   * False when the stream is gone already.
   */
  #halfClose(): boolean {
    const stream = this.#stream
    if (stream.destroyed || this.#closed !== undefined) return false
    this.#readTimedOut = true
    this.#log.debug({ code: 'READ_TIMEOUT' }, 'rlpx read timed out; writes open until close')
    this.#reader.fail(this.#error!)
    // bounded: a caller that never closes loses the stream after READ_TIMEOUT_LINGER_MS
    // background work (nobody awaits it), so a timer, not a deadline
    this.#lingerTimer = this.#clock.setTimeout(() => {
      this.#lingerTimer = undefined
      this.#readTimedOut = false
      stream.destroy()
      this.#codec.wipe()
    }, READ_TIMEOUT_LINGER_MS)
    return true
  }

  #endLinger(): void {
    this.#readTimedOut = false
    if (this.#lingerTimer === undefined) return
    this.#clock.clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
  }

  /**
   * Closes the connection: pending and later reads and writes fail with
   * `CONNECTION_CLOSED`, bytes already handed to the stream get up to 1 s to flush, then
   * the stream is destroyed. Idempotent; resolves when the stream has closed.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed
    this.#closedLocally = true
    this.#endLinger()
    this.#endReadDeadline()
    // a read waiting for bytes learns of the close now; later ones from #ended()
    if (this.#readsPending > 0) this.#reader.fail(this.#ended()!)
    this.#codec.wipe()
    this.#closed = closeStream(this.#stream, this.#clock)
    return this.#closed
  }

  /**
   * Messages until the connection closes cleanly; a failure is thrown. Leaving the loop
   * early does not close the connection.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<RlpxMessage, void, undefined> {
    for (;;) {
      try {
        yield await this.readMsg()
      } catch (err) {
        if (err instanceof RlpxError && err.code === 'CONNECTION_CLOSED') return
        throw err
      }
    }
  }
}
