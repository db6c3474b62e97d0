import type { ClientSubscription } from './client-subscription.js'
import { wireName } from './registry.js'

type AnyFn = (...args: never[]) => unknown

/** What a value becomes on the way through JSON (bigint and bytes as 0x-hex, as the server writes them). */
export type Jsonified<T> = T extends bigint | Uint8Array
  ? `0x${string}`
  : T extends string | number | boolean | null
    ? T
    : // biome-ignore lint/suspicious/noConfusingVoidType: a method declared to return void answers null
      T extends undefined | void
      ? null
      : T extends { toJSON(): infer J }
        ? J
        : T extends readonly (infer E)[]
          ? Jsonified<E>[]
          : T extends AnyFn
            ? never
            : T extends object
              ? { [K in keyof T as T[K] extends AnyFn ? never : K]: Jsonified<T[K]> }
              : unknown

type ItemOf<R> =
  R extends AsyncIterable<infer V> ? V : R extends PromiseLike<AsyncIterable<infer V>> ? V : never

/** The names of `T`'s subscription methods (those returning an async iterable). */
export type SubscriptionNames<T> = {
  [K in keyof T]: T[K] extends AnyFn
    ? [ItemOf<ReturnType<T[K]>>] extends [never]
      ? never
      : K
    : never
}[keyof T] &
  string

/** The names of `T`'s plain methods. */
export type MethodNames<T> = Exclude<
  { [K in keyof T]: T[K] extends AnyFn ? K : never }[keyof T] & string,
  SubscriptionNames<T>
>

/**
 * A service type as its remote clients see it: every method returns a promise of its
 * result after JSON, and subscriptions open with `subscribe(name, ...args)`.
 */
export type RemoteApi<T> = {
  [K in MethodNames<T>]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Jsonified<Awaited<R>>>
    : never
} & {
  subscribe<K extends SubscriptionNames<T>>(
    name: K,
    ...args: T[K] extends (...args: infer A) => unknown ? A : never
  ): Promise<ClientSubscription<Jsonified<ItemOf<T[K] extends AnyFn ? ReturnType<T[K]> : never>>>>
}

/** The part of the client the typed view calls. */
export interface RemoteCaller {
  call<R>(method: string, ...params: unknown[]): Promise<R>
  subscribe<R>(
    namespace: string,
    name: string,
    ...params: unknown[]
  ): Promise<ClientSubscription<R>>
}

/** A proxy that turns `api.getNumber(...)` into `caller.call('ns_getNumber', ...)`. */
export function remoteApi<T>(caller: RemoteCaller, namespace: string): RemoteApi<T> {
  const cache = new Map<string, unknown>()
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined
      let fn = cache.get(prop)
      if (fn === undefined) {
        if (prop === 'subscribe') {
          fn = (name: string, ...args: unknown[]) =>
            caller.subscribe(namespace, wireName(name), ...args)
        } else {
          const method = `${namespace}_${wireName(prop)}`
          fn = (...args: unknown[]) => caller.call(method, ...args)
        }
        cache.set(prop, fn)
      }
      return fn
    },
  }) as RemoteApi<T>
}
