import { AsyncLocalStorage } from 'node:async_hooks'

/** The transports a call can arrive over. */
export type TransportKind = 'inproc' | 'ipc' | 'http' | 'ws'

/**
 * What a service method can learn about the call it is running, from
 * {@link callContext}: geth passes a `context.Context` as a method's first argument; here
 * the arguments stay the client's, and the context is one call away.
 */
export interface CallContext {
  /**
   * Aborts when the call is no longer wanted: its time limit passed, the connection
   * closed, or (for a subscription) the client unsubscribed. Pass it on to whatever the
   * method awaits.
   */
  readonly signal: AbortSignal
  /** The transport the call came over. */
  readonly transport: TransportKind
  /** Who called: `ip:port` for HTTP and WebSocket, the socket path for IPC, `inproc`. */
  readonly remote: string
}

const storage = new AsyncLocalStorage<CallContext>()

/**
 * The context of the call the current service method runs for.
 *
 * @throws {Error} outside a call made by an `RpcServer`.
 * @example
 * ```ts
 * class Foo {
 *   async sleep(ms: number) {
 *     await setTimeout(ms, undefined, { signal: callContext().signal })
 *     return ms
 *   }
 * }
 * ```
 */
export function callContext(): CallContext {
  const ctx = storage.getStore()
  if (ctx === undefined)
    throw new Error('callContext() is only available inside a call made by an RpcServer')
  return ctx
}

/** Runs `fn` with `ctx` as the {@link callContext}. */
export function runInContext<R>(ctx: CallContext, fn: () => R): R {
  return storage.run(ctx, fn)
}

/** The abort reason of calls and subscriptions cut off by their connection closing. */
export const ABORTED_BY_CLOSE = 'connection closed'

/** One call's context: the abort controller is made only if the method asks for the signal. */
export class CallState implements CallContext {
  private controller: AbortController | undefined
  private abortReason: unknown
  constructor(
    readonly transport: TransportKind,
    readonly remote: string,
  ) {}
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason)
    }
    return this.controller.signal
  }
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return
    this.abortReason = reason
    this.controller?.abort(reason)
  }
}
