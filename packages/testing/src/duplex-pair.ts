import { Duplex } from 'node:stream'

/**
 * Two connected in-memory Duplex streams: what one writes, the other reads. Writes
 * complete only when the other side's buffer has room (its `push` returned true or it
 * asked for more), so backpressure behaves like a socket.
 */
export function duplexPair(options: { highWaterMark?: number } = {}): [Duplex, Duplex] {
  const hwm = options.highWaterMark ?? 16 * 1024
  class Side extends Duplex {
    other!: Side
    pendingCallback: (() => void) | undefined
    constructor() {
      super({ highWaterMark: hwm })
    }
    override _read(): void {
      const cb = this.other.pendingCallback
      this.other.pendingCallback = undefined
      cb?.()
    }
    override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void) {
      if (this.other.destroyed) return callback(new Error('ECONNRESET: peer destroyed'))
      if (this.other.push(chunk)) callback()
      else this.pendingCallback = () => callback()
    }
    override _final(callback: (err?: Error | null) => void): void {
      this.other.push(null)
      callback()
    }
    override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
      const other = this.other
      // like a TCP reset/close: the other side sees its stream end
      if (!other.destroyed) queueMicrotask(() => other.push(null))
      this.pendingCallback = undefined
      callback(err)
    }
  }
  const aSide = new Side()
  const bSide = new Side()
  aSide.other = bSide
  bSide.other = aSide
  return [aSide, bSide]
}
