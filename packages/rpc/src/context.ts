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

/**
 * The context of the method running now. Set only while the server is inside a
 * service's code synchronously (the call itself, and each step of a subscription's
 * iterator), not carried across awaits: Node 20's AsyncLocalStorage would do that, but
 * once used it installs promise hooks that make every promise in the process about
 * twice as slow (measured: 1e6 async calls 0.18 s → 0.55 s), and a node runs its p2p
 * message path in the same process.
 */
let current: CallContext | undefined

/**
 * The context of the call the current service method runs for. Call it synchronously,
 * before the method's first `await` (keep the result), or at any point of a subscription
 * generator that is not after an `await` in the same step: like a Go method's `ctx`
 * parameter, read it at the start.
 *
 * @throws {Error} outside the synchronous part of a call made by an `RpcServer`.
 * @example
 * ```ts
 * class Foo {
 *   async sleep(ms: number) {
 *     const { signal } = callContext() // before the first await
 *     await setTimeout(ms, undefined, { signal })
 *     return ms
 *   }
 * }
 * ```
 */
export function callContext(): CallContext {
  if (current === undefined) {
    throw new Error(
      'callContext() is only available in the synchronous part of a call made by an RpcServer (read it before the first await)',
    )
  }
  return current
}

/** Runs `fn` with `ctx` as the {@link callContext} for its synchronous part. */
export function runInContext<R>(ctx: CallContext, fn: () => R): R {
  const previous = current
  current = ctx
  try {
    return fn()
  } finally {
    current = previous
  }
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
