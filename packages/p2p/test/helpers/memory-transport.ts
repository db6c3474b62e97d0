import { RlpxError } from '@devp2p/rlpx'
import type { Transport, TransportMsg } from '../../src/transport.ts'

interface Reader {
  resolve(msg: TransportMsg): void
  reject(err: unknown): void
}

interface Write {
  msg: TransportMsg
  resolve(): void
  reject(err: unknown): void
}

/**
 * One end of an in-memory {@link Transport} pair: what one end writes the other reads,
 * in order, as copies. Like a socket, the reading end buffers `highWaterMark` messages
 * (plus the one that fills it); a write resolves while the buffer is below the mark and
 * waits for the reader otherwise, further writes waiting on the writer's side. Errors
 * are RLPx's, so a `Peer` behaves as over RLPx.
 */
export class MemoryTransport implements Transport {
  other!: MemoryTransport
  readonly #hwm: number
  /** bounded: at most highWaterMark + 1 unread messages from the other end. */
  readonly #inbox: TransportMsg[] = []
  readonly #readers: Reader[] = []
  /** The other end's writes in the inbox that have not resolved yet. */
  readonly #accepted: Write[] = []
  /** The other end's writes waiting for room (held on its side, as in a socket's writer). */
  readonly #waiting: Write[] = []
  /** Why reads fail: at once (`#readErrorNow`), or after what is queued (the other end closed). */
  #readError: Error | undefined
  #readErrorNow = false
  #writeError: Error | undefined
  /** The most messages that were ever unread in the inbox. */
  maxQueued = 0
  /** Every message this end wrote, in order. */
  readonly written: TransportMsg[] = []
  closeCalls = 0

  constructor(highWaterMark: number) {
    this.#hwm = highWaterMark
  }

  /** Unread messages from the other end. */
  get queued(): number {
    return this.#inbox.length
  }

  get writable(): boolean {
    return this.#writeError === undefined
  }

  readMsg(): Promise<TransportMsg> {
    if (this.#readError && this.#readErrorNow) return Promise.reject(this.#readError)
    const msg = this.#inbox.shift()
    if (msg) {
      this.#pump()
      return Promise.resolve(msg)
    }
    if (this.#readError) return Promise.reject(this.#readError)
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }))
  }

  writeMsg(code: number, payload: Uint8Array): Promise<void> {
    if (this.#writeError) return Promise.reject(this.#writeError)
    const msg = { code, payload: payload.slice() }
    this.written.push(msg)
    return this.other.#deliver(msg)
  }

  /**
   * Fails this end's reads with `err`, pending ones too. Writes end as well unless
   * `writable` (as RLPx keeps them open after `READ_TIMEOUT`).
   */
  failReads(err: Error, options: { writable?: boolean } = {}): void {
    this.#readError ??= err
    this.#readErrorNow = true
    for (const reader of this.#readers.splice(0)) reader.reject(err)
    if (!options.writable) this.#endWrites(err)
  }

  close(): Promise<void> {
    this.closeCalls++
    const closed = new RlpxError('CONNECTION_CLOSED', 'connection closed locally')
    this.failReads(closed)
    this.#endWrites(closed)
    this.other.#remoteClosed()
    return Promise.resolve()
  }

  /** The other end closed: what is queued can still be read, then reads fail. */
  #remoteClosed(): void {
    const err = new RlpxError('CONNECTION_CLOSED', 'closed by the peer')
    this.#readError ??= err
    for (const reader of this.#readers.splice(0)) reader.reject(err)
    this.#endWrites(err)
  }

  #endWrites(err: Error): void {
    this.#writeError ??= err
    const other = this.other
    for (const write of [...other.#accepted.splice(0), ...other.#waiting.splice(0)]) {
      write.reject(this.#writeError)
    }
  }

  #deliver(msg: TransportMsg): Promise<void> {
    const reader = this.#readers.shift()
    if (reader) {
      reader.resolve(msg)
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ msg, resolve, reject })
      this.#pump()
    })
  }

  /** Moves waiting writes into the inbox while it has room; resolves those below the mark. */
  #pump(): void {
    while (this.#waiting.length > 0 && this.#inbox.length <= this.#hwm) {
      const write = this.#waiting.shift()!
      this.#inbox.push(write.msg)
      this.#accepted.push(write)
      this.maxQueued = Math.max(this.maxQueued, this.#inbox.length)
    }
    while (this.#accepted.length > 0 && this.#inbox.length <= this.#hwm) {
      this.#accepted.shift()!.resolve()
    }
  }
}

/** Two connected in-memory transports; `highWaterMark` unread messages per direction (default unbounded). */
export function transportPair(
  options: { highWaterMark?: number | undefined } = {},
): [MemoryTransport, MemoryTransport] {
  const hwm = options.highWaterMark ?? Number.POSITIVE_INFINITY
  const a = new MemoryTransport(hwm)
  const b = new MemoryTransport(hwm)
  a.other = b
  b.other = a
  return [a, b]
}
