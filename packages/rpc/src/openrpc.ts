import type { Callback, JsonSchema, ParamSpec, Registry } from './registry.js'

/** The OpenRPC document `rpc_discover` returns (the subset we fill). */
export interface OpenRpcDocument {
  openrpc: string
  info: { title: string; version: string }
  methods: OpenRpcMethod[]
}

export interface OpenRpcMethod {
  name: string
  description?: string
  params: { name: string; required: boolean; schema: JsonSchema; description?: string }[]
  result: { name: string; schema: JsonSchema }
  /** For `ns_subscribe`: the subscriptions by name, with their own params and result. */
  'x-subscriptions'?: Record<string, Omit<OpenRpcMethod, 'name'>>
}

/** The OpenRPC version the document follows. */
export const OPENRPC_VERSION = '1.2.6'

function paramsOf(cb: Callback): OpenRpcMethod['params'] {
  if (cb.params === undefined) return []
  return cb.params.map((p: ParamSpec, i) => ({
    name: p.name,
    required: i < cb.requiredParams,
    schema: p.schema ?? {},
    ...(p.description === undefined ? {} : { description: p.description }),
  }))
}

function describe(cb: Callback): Omit<OpenRpcMethod, 'name'> {
  return {
    ...(cb.spec?.description === undefined ? {} : { description: cb.spec.description }),
    params: paramsOf(cb),
    result: { name: 'result', schema: cb.spec?.result ?? {} },
  }
}

/**
 * An OpenRPC document of everything registered: each method with the parameter names
 * and schemas its service declared (none declared: no params listed, any result), and
 * per namespace with subscriptions, `ns_subscribe` and `ns_unsubscribe`.
 */
export function openRpcDocument(
  registry: Registry,
  info: { title: string; version: string },
): OpenRpcDocument {
  const methods: OpenRpcMethod[] = []
  for (const cb of registry.methods.values()) methods.push({ name: cb.name, ...describe(cb) })
  for (const [namespace, subs] of registry.subscriptions) {
    const names = [...subs.keys()]
    methods.push({
      name: `${namespace}_subscribe`,
      description: `Opens a subscription; notifications arrive as ${namespace}_subscription.`,
      params: [{ name: 'subscription', required: true, schema: { type: 'string', enum: names } }],
      result: { name: 'subscriptionId', schema: { type: 'string' } },
      'x-subscriptions': Object.fromEntries([...subs].map(([name, cb]) => [name, describe(cb)])),
    })
    methods.push({
      name: `${namespace}_unsubscribe`,
      params: [{ name: 'subscriptionId', required: true, schema: { type: 'string' } }],
      result: { name: 'ok', schema: { type: 'boolean' } },
    })
  }
  methods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { openrpc: OPENRPC_VERSION, info, methods }
}
