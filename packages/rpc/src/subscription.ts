/** Options of {@link subscription}. */
export interface SubscriptionOptions {
  /** Values buffered while the server has not yet taken them; one more fails the subscription. Default 10,000. */
  maxBuffered?: number
}

/** Default of {@link SubscriptionOptions.maxBuffered}. */
export const DEFAULT_SUBSCRIPTION_BUFFER = 10_000

/**
 * A subscription fed by a push source (an event emitter, a callback API), for a service
 * method to return: `start` is called once when the server starts reading, with `emit`
 * and a signal that aborts when the subscription ends (unsubscribe, disconnect); it may
 * return a cleanup function, called once at the end as well.
 *
 * The buffer between `emit` and the server is bounded: a source that outruns the
 * connection fails the subscription (its iterator throws a `RangeError`) instead of
 * growing memory.
 *
 * @example
 * ```ts
 * class Admin {
 *   peerEvents() {
 *     return subscription<PeerEvent>((emit) => {
 *       server.on('peer', emit)
 *       return () => server.off('peer', emit)
 *     })
 *   }
 * }
 * server.registerName('admin', new Admin(), { methods: { peerEvents: { subscription: true } } })
 * ```
 */
export function subscription<T>(
  start: (emit: (value: T) => void, signal: AbortSignal) => (() => void) | undefined,
  options: SubscriptionOptions = {},
): AsyncIterable<T> {
  const max = options.maxBuffered ?? DEFAULT_SUBSCRIPTION_BUFFER
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const controller = new AbortController()
      // bounded: at most `max` values (maxBuffered), then the subscription fails
      const queue: T[] = []
      let failure: Error | undefined
      let done = false
      let wake: (() => void) | undefined
      let cleanup: (() => void) | undefined
      const finish = (): void => {
        if (done) return
        done = true
        controller.abort()
        const fn = cleanup
        cleanup = undefined
        fn?.()
        wake?.()
      }
      const emit = (value: T): void => {
        if (done) return
        if (queue.length >= max) {
          failure = new RangeError(`subscription buffer overflow (${max} values)`)
          finish()
          return
        }
        queue.push(value)
        const w = wake
        wake = undefined
        w?.()
      }
      let started = false
      return {
        async next(): Promise<IteratorResult<T>> {
          // a subscription returned before its first next() never starts its source
          if (!started && !done) {
            started = true
            cleanup = start(emit, controller.signal) ?? undefined
            if (done) cleanup?.()
          }
          for (;;) {
            if (queue.length > 0) return { value: queue.shift() as T, done: false }
            if (failure !== undefined) throw failure
            if (done) return { value: undefined, done: true }
            await new Promise<void>((resolve) => {
              wake = resolve
            })
          }
        },
        async return(): Promise<IteratorResult<T>> {
          queue.length = 0
          finish()
          return { value: undefined, done: true }
        },
      }
    },
  }
}
