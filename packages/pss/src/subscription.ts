/** One message delivered to a subscriber. */
export interface PssReceived {
  /** Who wrote it (their public key), when the envelope was signed; never for raw messages. */
  readonly from?: Uint8Array
  readonly topic: Uint8Array
  readonly payload: Uint8Array
  /** Whether it came unencrypted. */
  readonly raw: boolean
}

/** What `Pss.subscribe` returns: an async iterator of messages that `return()` ends. */
export interface PssSubscription extends AsyncIterableIterator<PssReceived> {
  return(): Promise<IteratorResult<PssReceived>>
}

/**
 * The async iterable `Pss.subscribe` returns: messages of one topic in arrival order, with
 * a bounded buffer for a consumer that is behind (the oldest message is dropped and
 * counted, so a slow consumer loses old messages rather than memory or new ones). It ends
 * when the signal aborts, on `break` / `return()`, or when the Pss stops.
 */
export class Subscription implements PssSubscription {
  readonly #max: number
  readonly #onEnd: (sub: Subscription) => void
  // bounded: at most #max messages, the oldest dropped first (push)
  readonly #queue: PssReceived[] = []
  #wake: ((result: IteratorResult<PssReceived>) => void) | undefined
  #done = false
  #dropped = 0

  constructor(max: number, onEnd: (sub: Subscription) => void) {
    this.#max = max
    this.#onEnd = onEnd
  }

  /** Messages dropped because the consumer was `max` behind. */
  get dropped(): number {
    return this.#dropped
  }

  /** Hands a message to the consumer, or buffers it. */
  push(message: PssReceived): void {
    if (this.#done) return
    const wake = this.#wake
    if (wake !== undefined) {
      this.#wake = undefined
      wake({ value: message, done: false })
      return
    }
    if (this.#queue.length >= this.#max) {
      this.#queue.shift()
      this.#dropped++
    }
    this.#queue.push(message)
  }

  next(): Promise<IteratorResult<PssReceived>> {
    const value = this.#queue.shift()
    if (value !== undefined) return Promise.resolve({ value, done: false })
    if (this.#done) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => {
      this.#wake = resolve
    })
  }

  /** Ends the subscription; buffered messages are dropped. */
  return(): Promise<IteratorResult<PssReceived>> {
    this.end()
    return Promise.resolve({ value: undefined, done: true })
  }

  /** Ends it (idempotent): a waiting `next` resolves done. */
  end(): void {
    if (this.#done) return
    this.#done = true
    this.#queue.length = 0
    this.#onEnd(this)
    const wake = this.#wake
    this.#wake = undefined
    wake?.({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<PssReceived> {
    return this
  }
}
