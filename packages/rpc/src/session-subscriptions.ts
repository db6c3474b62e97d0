import { randomBytes } from 'node:crypto'
import type { Logger } from '@devp2p/common'
import { argumentsFor } from './arguments.js'
import {
  APPLICATION_ERROR,
  JSONRPC_VERSION,
  METHOD_NOT_FOUND,
  SUBSCRIPTION_ID_BYTES,
} from './constants.js'
import { ABORTED_BY_CLOSE, CallState, runInContext, type TransportKind } from './context.js'
import { internalError, invalidParams, invalidRequest, RpcError } from './errors.js'
import { type JsonRpcNotification, stringify, toJsonValue } from './json.js'
import type { Registry } from './registry.js'

/** What the subscriptions of one connection need from their session. */
export interface SubscriptionHost {
  readonly registry: Registry
  readonly logger: Logger
  readonly maxSubscriptions: number
  readonly kind: TransportKind
  readonly remote: string
  /** False for HTTP: the transport cannot push notifications. */
  readonly canNotify: boolean
  /** True when messages go out as JSON text (every transport but in-process). */
  readonly wire: boolean
  isClosed(): boolean
  write(message: string | object): void
  /** A method's return value, settled under the per-call time limit if it is a promise. */
  settle(state: CallState, value: unknown): Promise<unknown>
}

/** A subscription being driven: the service's iterable, read until it ends or is cancelled. */
export interface ActiveSubscription {
  readonly id: string
  readonly namespace: string
  readonly state: CallState
  readonly iterable: AsyncIterable<unknown>
  iterator?: AsyncIterator<unknown>
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] ===
    'function'
  )
}

/**
 * The subscriptions of one connection, as geth's: `ns_subscribe(name, ...args)` opens one
 * (started by the session once the answer with its id is written), values go out as
 * `ns_subscription` notifications, `ns_unsubscribe(id)` or the connection closing ends it.
 */
export class SessionSubscriptions {
  // bounded: host.maxSubscriptions (a subscribe beyond it is an error answer)
  private readonly active = new Map<string, ActiveSubscription>()

  constructor(private readonly host: SubscriptionHost) {}

  get size(): number {
    return this.active.size
  }

  /**
   * Opens subscription `params[0]` of `namespace` with the rest of `params` as arguments.
   * @throws {RpcError} -32601 over HTTP or for an unknown name, -32602 for bad params,
   *   -32600 without an id, -32000 past the per-connection cap.
   */
  async open(namespace: string, params: unknown, hasId: boolean): Promise<ActiveSubscription> {
    const host = this.host
    if (!host.canNotify) throw new RpcError(METHOD_NOT_FOUND, 'notifications not supported')
    if (!Array.isArray(params) || typeof params[0] !== 'string') {
      throw invalidParams('expected subscription name as first argument')
    }
    const name = params[0]
    const cb = host.registry.subscriptions.get(namespace)?.get(name)
    if (cb === undefined)
      throw new RpcError(
        METHOD_NOT_FOUND,
        `no ${JSON.stringify(name)} subscription in ${namespace} namespace`,
      )
    if (!hasId) throw invalidRequest('a subscription needs an id')
    if (this.active.size >= host.maxSubscriptions) {
      throw new RpcError(
        APPLICATION_ERROR,
        `too many subscriptions (at most ${host.maxSubscriptions} per connection)`,
      )
    }
    const args = argumentsFor(cb, params.slice(1))
    const state = new CallState(host.kind, host.remote)
    const out = await host.settle(
      state,
      runInContext(state, () => cb.fn.apply(cb.receiver, args)),
    )
    if (!isAsyncIterable(out)) {
      host.logger.error(
        { namespace, name },
        'rpc: a subscription method did not return an async iterable',
      )
      throw internalError()
    }
    if (host.isClosed()) throw new RpcError(APPLICATION_ERROR, ABORTED_BY_CLOSE)
    const id = `0x${randomBytes(SUBSCRIPTION_ID_BYTES).toString('hex')}`
    const sub: ActiveSubscription = { id, namespace, state, iterable: out }
    this.active.set(id, sub)
    return sub
  }

  /** Ends subscription `params[0]`. @throws {RpcError} -32602, or -32000 for an unknown id. */
  unsubscribe(params: unknown): boolean {
    const id = Array.isArray(params) ? params[0] : undefined
    if (typeof id !== 'string') throw invalidParams('expected subscription id as first argument')
    const sub = this.active.get(id)
    if (sub === undefined) throw new RpcError(APPLICATION_ERROR, 'subscription not found')
    this.active.delete(id)
    this.cancel(sub, 'unsubscribed')
    return true
  }

  /** Ends every subscription: the connection closed. */
  cancelAll(): void {
    for (const sub of this.active.values()) this.cancel(sub, ABORTED_BY_CLOSE)
    this.active.clear()
  }

  /** Reads the subscription's iterable and sends each value, until it ends or is cancelled. */
  start(sub: ActiveSubscription): void {
    if (!this.active.has(sub.id)) return
    void this.drive(sub)
  }

  /** `reason`: the signal's abort reason, `unsubscribed` or `connection closed`. */
  private cancel(sub: ActiveSubscription, reason: string): void {
    sub.state.abort(reason)
    const it = sub.iterator
    if (it?.return !== undefined) {
      Promise.resolve(it.return()).catch((err: unknown) => {
        this.host.logger.debug({ err, subscription: sub.id }, 'rpc: subscription cleanup failed')
      })
    }
  }

  /** The notification carrying `value`, as the transport takes it; undefined if JSON cannot hold it. */
  private notification(sub: ActiveSubscription, value: unknown): string | object | undefined {
    const message: JsonRpcNotification = {
      jsonrpc: JSONRPC_VERSION,
      method: `${sub.namespace}_subscription`,
      params: { subscription: sub.id, result: value === undefined ? null : value },
    }
    try {
      if (this.host.wire) return stringify(message)
      message.params.result = toJsonValue(message.params.result)
      return message
    } catch (err) {
      this.host.logger.error(
        { err, subscription: sub.id },
        'rpc: a subscription value cannot be written as JSON',
      )
      return undefined
    }
  }

  private async drive(sub: ActiveSubscription): Promise<void> {
    try {
      const it = runInContext(sub.state, () => sub.iterable[Symbol.asyncIterator]())
      sub.iterator = it
      // each step of the iterator runs its synchronous part with the subscription's context
      const step = (): Promise<IteratorResult<unknown>> => it.next()
      if (!this.active.has(sub.id)) {
        this.cancel(sub, 'unsubscribed')
        return
      }
      for (;;) {
        const next = await runInContext(sub.state, step)
        if (next.done || !this.active.has(sub.id)) return
        const message = this.notification(sub, next.value)
        if (message !== undefined) this.host.write(message)
        if (this.host.isClosed()) return
      }
    } catch (err) {
      if (this.active.has(sub.id)) {
        this.host.logger.debug(
          { err, subscription: sub.id },
          'rpc: subscription ended with an error',
        )
      }
    }
    // An iterable that ended (or threw) leaves its id registered until the client
    // unsubscribes or disconnects, as geth's subscriptions do: the client has no message
    // that says a subscription ended, and its unsubscribe must still answer true. The id
    // keeps counting against maxSubscriptionsPerConnection meanwhile.
  }
}
