import type { Clock, Deadline, Logger } from '@devp2p/common'
import { RpcClientError, RpcError } from './errors.js'
import { isObject } from './json.js'

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
  deadline: Deadline | undefined
  /** Runs synchronously with the answer, before any later message is read (subscriptions). */
  onResult?: (value: unknown) => unknown
}

/** The error object of an answer as an RpcError; `undefined` if it is malformed. */
export function toRpcError(error: unknown): RpcError | undefined {
  if (isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string') {
    return new RpcError(error.code as number, error.message, { data: error.data })
  }
  return undefined
}

/**
 * A client's calls waiting for their answers, by id: each settles once, with its answer,
 * its time limit, its signal, or a failure of the connection.
 */
export class PendingCalls {
  // bounded: by the caller's own calls in flight (a server cannot add entries)
  private readonly pending = new Map<number, Pending>()
  // bounded: one entry per pending batch call (its id → the batch's ids), removed when it settles
  private readonly batches = new Map<number, readonly number[]>()

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  has(id: number): boolean {
    return this.pending.has(id)
  }

  /** The ids of the batch call `id` was sent in, while it waits. */
  batchOf(id: number): readonly number[] | undefined {
    return this.batches.get(id)
  }

  /** Marks `ids` as sent together in one batch. */
  groupBatch(ids: readonly number[]): void {
    for (const id of ids) if (this.pending.has(id)) this.batches.set(id, ids)
  }

  /**
   * Waits for the answer to call `id`: its result (through `onResult` if given), or its
   * error. Fails with `ABORTED` when `signal` aborts, `TIMEOUT` after `timeoutMs` when
   * there is no signal (0: never).
   */
  register(
    id: number,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    onResult?: (value: unknown) => unknown,
  ): Promise<unknown> {
    if (signal?.aborted)
      return Promise.reject(new RpcClientError('ABORTED', 'aborted', { cause: signal.reason }))
    return new Promise<unknown>((resolve, reject) => {
      const finish = (): void => {
        this.pending.delete(id)
        this.batches.delete(id)
        entry.deadline?.cancel()
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        finish()
        reject(new RpcClientError('ABORTED', 'aborted', { cause: signal?.reason }))
      }
      const entry: Pending = {
        resolve: (v) => {
          finish()
          resolve(v)
        },
        reject: (e) => {
          finish()
          reject(e)
        },
        deadline:
          signal === undefined && timeoutMs > 0
            ? this.clock.deadline(timeoutMs, () => {
                finish()
                reject(new RpcClientError('TIMEOUT', `no answer within ${timeoutMs} ms`))
              })
            : undefined,
        onResult,
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, entry)
    })
  }

  /** Fails those of `ids` still waiting. */
  fail(ids: Iterable<number>, err: Error): void {
    for (const id of ids) this.pending.get(id)?.reject(err)
  }

  /** Fails every call still waiting. */
  failAll(err: Error): void {
    this.fail([...this.pending.keys()], err)
  }

  /** Settles the call an answer object (`{ id, result }` or `{ id, error }`) is for, if any. */
  answer(message: Record<string, unknown>): void {
    if (typeof message.id !== 'number') {
      if (isObject(message.error))
        this.logger.debug({ error: message.error }, 'rpc client: error answer without id')
      return
    }
    const entry = this.pending.get(message.id)
    if (entry === undefined) return
    if (message.error !== undefined && message.error !== null) {
      const err = toRpcError(message.error)
      entry.reject(err ?? new RpcClientError('BAD_RESPONSE', 'malformed error object in answer'))
      return
    }
    if (!Object.hasOwn(message, 'result')) {
      entry.reject(new RpcClientError('BAD_RESPONSE', 'answer without result or error'))
      return
    }
    if (entry.onResult === undefined) {
      entry.resolve(message.result)
      return
    }
    try {
      entry.resolve(entry.onResult(message.result))
    } catch (err) {
      entry.reject(err as Error)
    }
  }
}
