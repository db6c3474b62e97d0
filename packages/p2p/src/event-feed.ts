import { MAX_SUBSCRIBER_BACKLOG } from './constants.js'
import { P2pError } from './errors.js'
import type { PeerEvent } from './peer-event.js'

interface Subscriber {
  push(event: PeerEvent): void
  end(): void
}

/**
 * The queue behind `Server.subscribeEvents`: every subscriber gets every event published
 * after it subscribed, in order, as an async iterable. A subscriber that does not keep
 * up is ended (its iterator throws `P2pError` `EVENTS_OVERFLOW` after the events it
 * still holds), so a forgotten iterator cannot grow memory without end.
 */
export class EventFeed {
  readonly #maxBacklog: number
  // bounded: local subscribers; each buffers at most maxBacklog events
  readonly #subscribers = new Set<Subscriber>()
  #closed = false

  /** `maxBacklog` is for tests; the server uses {@link MAX_SUBSCRIBER_BACKLOG}. */
  constructor(options: { maxBacklog?: number } = {}) {
    this.#maxBacklog = options.maxBacklog ?? MAX_SUBSCRIBER_BACKLOG
  }

  /** Subscribers currently attached. */
  get size(): number {
    return this.#subscribers.size
  }

  /** Hands `event` to every subscriber. */
  publish(event: PeerEvent): void {
    for (const subscriber of this.#subscribers) subscriber.push(event)
  }

  /** Ends every subscriber (after the events they hold); later subscriptions end at once. */
  close(): void {
    this.#closed = true
    for (const subscriber of [...this.#subscribers]) subscriber.end()
  }

  /**
   * Events from the moment the iteration starts until `signal` aborts, {@link close}, or
   * the subscriber falls more than the backlog behind.
   */
  subscribe(options: { signal?: AbortSignal } = {}): AsyncIterable<PeerEvent> {
    return { [Symbol.asyncIterator]: () => this.#iterate(options.signal) }
  }

  #iterate(signal: AbortSignal | undefined): AsyncIterator<PeerEvent> {
    const subscribers = this.#subscribers
    const maxBacklog = this.#maxBacklog
    // bounded: at most maxBacklog events
    const queue: PeerEvent[] = []
    let wake: (() => void) | undefined
    let done = this.#closed || signal?.aborted === true
    let failure: P2pError | undefined
    const subscriber: Subscriber = {
      push(event) {
        if (queue.length >= maxBacklog) {
          failure = new P2pError(
            'EVENTS_OVERFLOW',
            `event subscriber fell more than ${maxBacklog} events behind`,
          )
          subscriber.end()
          return
        }
        queue.push(event)
        wake?.()
      },
      end() {
        done = true
        subscribers.delete(subscriber)
        signal?.removeEventListener('abort', subscriber.end)
        wake?.()
      },
    }
    if (!done) {
      subscribers.add(subscriber)
      signal?.addEventListener('abort', subscriber.end, { once: true })
    }
    return {
      async next(): Promise<IteratorResult<PeerEvent>> {
        for (;;) {
          const event = queue.shift()
          if (event) return { value: event, done: false }
          if (failure) throw failure
          if (done) return { value: undefined, done: true }
          await new Promise<void>((resolve) => {
            wake = resolve
          })
          wake = undefined
        }
      },
      async return(): Promise<IteratorResult<PeerEvent>> {
        subscriber.end()
        return { value: undefined, done: true }
      },
    }
  }
}
