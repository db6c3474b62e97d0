import { RpcClientError } from './errors.js'

/** How a subscription reaches back into its client. */
export interface SubscriptionOwner {
  unsubscribe(sub: ClientSubscription<unknown>): Promise<void>
}

/**
 * A subscription on the client: an async iterable of the values the server sends, until
 * `unsubscribe()`, the caller's signal, a `break` out of `for await`, or the end of the
 * connection (the iterator then throws an `RpcClientError` `CLOSED`). Values wait in a
 * bounded buffer; a consumer that falls further behind fails the subscription with
 * `SUBSCRIPTION_OVERFLOW`. Iterate it once.
 */
export class ClientSubscription<T> implements AsyncIterable<T> {
  // bounded: maxBuffered (the client's maxSubscriptionBuffer), then the subscription fails
  private readonly queue: T[] = []
  private head = 0
  private failure: Error | undefined
  private ended = false
  private wake: (() => void) | undefined

  /** @internal created by `RpcClient.subscribe` */
  constructor(
    /** The id the server gave. */
    readonly id: string,
    /** The namespace it was opened in. */
    readonly namespace: string,
    private readonly owner: SubscriptionOwner,
    private readonly maxBuffered: number,
  ) {}

  /** True once it ended, for whatever reason. */
  get closed(): boolean {
    return this.ended
  }

  /**
   * Ends the subscription, tells the server (`ns_unsubscribe`), and ends the iteration.
   * Idempotent, and never throws: the subscription is over whatever the server answers.
   */
  async unsubscribe(): Promise<void> {
    if (this.ended) return
    this.end(undefined)
    await this.owner.unsubscribe(this as ClientSubscription<unknown>)
  }

  /** @internal a value from the server */
  deliver(value: T): void {
    if (this.ended) return
    if (this.queue.length - this.head >= this.maxBuffered) {
      this.end(
        new RpcClientError(
          'SUBSCRIPTION_OVERFLOW',
          `subscription ${this.id} fell ${this.maxBuffered} values behind`,
        ),
      )
      this.owner.unsubscribe(this as ClientSubscription<unknown>).catch(() => {})
      return
    }
    this.queue.push(value)
    this.notify()
  }

  /** @internal ends the iteration: quietly (`undefined`) or with an error */
  end(err: Error | undefined): void {
    if (this.ended) return
    this.ended = true
    this.failure = err
    this.notify()
  }

  private notify(): void {
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  private take(): T | undefined {
    const value = this.queue[this.head] as T
    this.queue[this.head] = undefined as T
    this.head++
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    return value
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (this.head < this.queue.length) return { value: this.take() as T, done: false }
          if (this.ended) {
            if (this.failure !== undefined) throw this.failure
            return { value: undefined, done: true }
          }
          await new Promise<void>((resolve) => {
            this.wake = resolve
          })
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        await this.unsubscribe().catch(() => {})
        return { value: undefined, done: true }
      },
    }
  }
}
