import type { Logger } from '@devp2p/common'

/**
 * The bounded queue of messages waiting to be written to one peer, with the one writer
 * that drains it: each write is awaited (the connection's backpressure), and a message
 * that does not fit is refused (`push` returns `false`, the router counts it) instead of
 * growing memory.
 */
export class Outbox {
  readonly #write: (payload: Uint8Array) => Promise<void>
  readonly #maxMessages: number
  readonly #maxBytes: number
  readonly #log: Logger
  // bounded: at most maxMessages entries and maxBytes bytes, checked by push()
  readonly #queue: Uint8Array[] = []
  #bytes = 0
  #draining = false
  #closed = false
  #refused = 0

  constructor(
    write: (payload: Uint8Array) => Promise<void>,
    limits: { maxMessages: number; maxBytes: number },
    logger: Logger,
  ) {
    this.#write = write
    this.#maxMessages = limits.maxMessages
    this.#maxBytes = limits.maxBytes
    this.#log = logger
  }

  /** Queues `payload` for writing; `false` when the outbox is full or closed. */
  push(payload: Uint8Array): boolean {
    if (
      this.#closed ||
      this.#queue.length >= this.#maxMessages ||
      this.#bytes + payload.length > this.#maxBytes
    ) {
      this.#refused++
      return false
    }
    this.#queue.push(payload)
    this.#bytes += payload.length
    if (!this.#draining) void this.#drain()
    return true
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length
  }

  /** Messages refused since it was made (full or closed). */
  get refused(): number {
    return this.#refused
  }

  /** Drops what is queued and refuses more; the write in progress finishes or fails. */
  close(): void {
    this.#closed = true
    this.#queue.length = 0
    this.#bytes = 0
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        this.#bytes -= next.length
        await this.#write(next)
      }
    } catch (err) {
      // the peer is gone (or going): its run ends and removes it from the router
      this.#log.debug({ err }, 'pss: write to peer failed, outbox closed')
      this.close()
    } finally {
      this.#draining = false
    }
  }
}
