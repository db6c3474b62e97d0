/** A JSON Schema, as OpenRPC documents carry it (only `type` is checked by the server). */
export type JsonSchema = Record<string, unknown>

/** A parameter a method declares: its name (for calls by name) and, optionally, its schema. */
export interface ParamSpec {
  name: string
  schema?: JsonSchema
  /** Default true for every parameter before the last required one. */
  required?: boolean
  description?: string
}

/**
 * What a service may declare about a method, beyond its code: parameter names (so it can
 * be called with params by name, and its argument count is checked), a result schema and
 * a description (for `rpc_discover`), and whether it is a subscription (an `async
 * function*` is one without saying so).
 */
export interface MethodSpec {
  params?: readonly (string | ParamSpec)[]
  result?: JsonSchema
  description?: string
  subscription?: boolean
}

/** The optional third argument of `registerName`: specs by method name (the JS name). */
export interface ServiceSpec {
  methods?: Record<string, MethodSpec>
}

type AnyFn = (...args: unknown[]) => unknown

/** One callable method or subscription. */
export interface Callback {
  /** The wire name: `ns_method`, or for a subscription its name in `ns_subscribe(name)`. */
  readonly name: string
  readonly fn: AnyFn
  readonly receiver: object
  readonly params: readonly ParamSpec[] | undefined
  readonly requiredParams: number
  readonly spec: MethodSpec | undefined
}

const RESERVED = new Set(['subscribe', 'unsubscribe', 'subscription'])

/** geth's `formatName`: the first character lowered (`GetNumber` → `getNumber`). */
export function wireName(jsName: string): string {
  return jsName.charAt(0).toLowerCase() + jsName.slice(1)
}

function isAsyncGeneratorFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]'
}

/** The public methods of `service`: own and inherited functions, not `_`-prefixed, not `constructor`. */
function methodsOf(service: object): Map<string, AnyFn> {
  const found = new Map<string, AnyFn>()
  for (
    let obj: object | null = service;
    obj !== null && obj !== Object.prototype;
    obj = Object.getPrototypeOf(obj)
  ) {
    for (const key of Object.getOwnPropertyNames(obj)) {
      if (key === 'constructor' || key.startsWith('_') || found.has(key)) continue
      const desc = Object.getOwnPropertyDescriptor(obj, key)
      if (desc === undefined || typeof desc.value !== 'function') continue
      found.set(key, desc.value as AnyFn)
    }
  }
  return found
}

function normaliseParams(spec: MethodSpec | undefined): {
  params: ParamSpec[] | undefined
  required: number
} {
  if (spec?.params === undefined) return { params: undefined, required: 0 }
  const params = spec.params.map((p) => (typeof p === 'string' ? { name: p } : p))
  let required = 0
  params.forEach((p, i) => {
    if (p.required !== false) required = i + 1
  })
  return { params, required }
}

/** Methods and subscriptions by namespace, as `registerName` builds them. */
export class Registry {
  /** `ns_method` → callback. */
  readonly methods = new Map<string, Callback>()
  /** namespace → subscription name → callback. */
  readonly subscriptions = new Map<string, Map<string, Callback>>()
  readonly namespaces = new Set<string>()

  /**
   * @throws {TypeError} on an empty or malformed namespace, a service without public
   *   methods, a method named `subscribe`/`unsubscribe`/`subscription`, a spec for a
   *   method that does not exist, or a method already registered under that name.
   */
  register(namespace: string, service: object, spec: ServiceSpec = {}): void {
    if (!/^[A-Za-z0-9]+$/.test(namespace)) {
      throw new TypeError(`namespace must be letters and digits, got ${JSON.stringify(namespace)}`)
    }
    if (typeof service !== 'object' || service === null)
      throw new TypeError('service must be an object')
    const methods = methodsOf(service)
    for (const key of Object.keys(spec.methods ?? {})) {
      if (!methods.has(key))
        throw new TypeError(`spec for ${namespace}.${key}, which the service does not have`)
    }
    const calls = new Map<string, Callback>()
    const subs = new Map<string, Callback>()
    for (const [jsName, fn] of methods) {
      const name = wireName(jsName)
      if (RESERVED.has(name))
        throw new TypeError(`${namespace}.${jsName}: "${name}" is reserved for subscriptions`)
      // own properties only: a method named `toString` must not find Object.prototype's
      const methodSpec =
        spec.methods !== undefined && Object.hasOwn(spec.methods, jsName)
          ? spec.methods[jsName]
          : undefined
      const { params, required } = normaliseParams(methodSpec)
      const isSub = methodSpec?.subscription ?? isAsyncGeneratorFunction(fn)
      const cb: Callback = {
        name: isSub ? name : `${namespace}_${name}`,
        fn,
        receiver: service,
        params,
        requiredParams: required,
        spec: methodSpec,
      }
      // `GetNumber` and `getNumber` in one service share a wire name: refuse, never pick one
      if (isSub) {
        if (this.subscriptions.get(namespace)?.has(name) || subs.has(name))
          throw new TypeError(`${namespace} subscription ${name} is already registered`)
        subs.set(name, cb)
      } else {
        if (this.methods.has(cb.name) || calls.has(cb.name))
          throw new TypeError(`${cb.name} is already registered`)
        calls.set(cb.name, cb)
      }
    }
    if (calls.size + subs.size === 0)
      throw new TypeError(`service ${namespace} has no public methods`)
    for (const cb of calls.values()) this.methods.set(cb.name, cb)
    if (subs.size > 0) {
      let table = this.subscriptions.get(namespace)
      if (table === undefined) {
        table = new Map()
        this.subscriptions.set(namespace, table)
      }
      for (const cb of subs.values()) table.set(cb.name, cb)
    }
    this.namespaces.add(namespace)
  }
}
