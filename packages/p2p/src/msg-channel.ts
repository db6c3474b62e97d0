import { P2pError } from './errors.js'

interface Reader<T> {
  resolve(msg: T): void
  reject(err: unknown): void
}

interface Writer<T> {
  msg: T
  resolve(): void
  reject(err: unknown): void
}

/**
 * @internal An unbuffered channel of messages, as geth's `chan Msg`: a push waits until a
 * reader took the message, so a slow reader slows the writer down.
 *
 * bounded: the peer's read loop awaits each push that did not find a reader before
 * reading the next frame, so at most one remote message waits here per protocol;
 * waiting readers are local calls.
 */
export class MsgChannel<T> {
  readonly #readers: Reader<T>[] = []
  readonly #writers: Writer<T>[] = []
  #error: Error | undefined

  get closed(): boolean {
    return this.#error !== undefined
  }

  /**
   * Hands `msg` to the next reader. `undefined` when a waiting reader took it at once (the
   * common case: nothing to await, nothing allocated); otherwise a promise that resolves
   * once a reader takes it, or rejects when the channel closes first.
   */
  push(msg: T): Promise<void> | undefined {
    if (this.#error) return Promise.reject(this.#error)
    const reader = this.#readers.shift()
    if (reader) {
      reader.resolve(msg)
      return undefined
    }
    return new Promise<void>((resolve, reject) => this.#writers.push({ msg, resolve, reject }))
  }

  take(signal?: AbortSignal): Promise<T> {
    const writer = this.#writers.shift()
    if (writer) {
      writer.resolve()
      return Promise.resolve(writer.msg)
    }
    if (this.#error) return Promise.reject(this.#error)
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<T>((resolve, reject) => {
      const reader: Reader<T> = { resolve, reject }
      if (signal) {
        const onAbort = (): void => {
          const index = this.#readers.indexOf(reader)
          if (index >= 0) this.#readers.splice(index, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        reader.resolve = (msg) => {
          signal.removeEventListener('abort', onAbort)
          resolve(msg)
        }
        reader.reject = (err) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      this.#readers.push(reader)
    })
  }

  /** Fails every waiting and later call with `error` (the first close wins). */
  close(error: Error): void {
    if (this.#error) return
    this.#error = error
    for (const reader of this.#readers.splice(0)) reader.reject(error)
    for (const writer of this.#writers.splice(0)) writer.reject(error)
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

function isPeerClosed(err: unknown): boolean {
  return err instanceof P2pError && err.code === 'PEER_CLOSED'
}

/**
 * The messages of a reader until it reports `PEER_CLOSED` (then iteration ends); other
 * failures are thrown. A plain iterator object rather than an async generator: one
 * `then` per message instead of the generator's three promise hops and their objects.
 */
class MsgIterator<T> implements AsyncIterableIterator<T> {
  readonly #rw: { readMsg(): Promise<T> }
  #done = false

  constructor(rw: { readMsg(): Promise<T> }) {
    this.#rw = rw
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#done) return Promise.resolve(DONE)
    return this.#rw.readMsg().then(
      (value) => ({ done: false, value }),
      (err: unknown) => {
        this.#done = true
        if (isPeerClosed(err)) return DONE
        throw err
      },
    )
  }

  /** Leaving a `for await` early: later `next()` calls end at once. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#done = true
    return Promise.resolve(DONE)
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}

/** Messages of `rw` until it reports `PEER_CLOSED`; other failures are thrown. */
export function iterateMsgs<T>(rw: { readMsg(): Promise<T> }): AsyncIterableIterator<T> {
  return new MsgIterator(rw)
}
