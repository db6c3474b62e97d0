import { invalidParams } from './errors.js'
import { isObject } from './json.js'
import type { Callback, JsonSchema } from './registry.js'

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number'
    case 'string':
      return typeof value === 'string'
    case 'boolean':
      return typeof value === 'boolean'
    case 'object':
      return isObject(value)
    case 'array':
      return Array.isArray(value)
    case 'null':
      return value === null
    default:
      return true
  }
}

function checkType(value: unknown, schema: JsonSchema | undefined, index: number): void {
  const type = schema?.type
  if (type === undefined || value === undefined) return
  const types = Array.isArray(type) ? type : [type]
  if (!types.some((t) => typeof t !== 'string' || matchesType(value, t))) {
    throw invalidParams(`invalid argument ${index}: want ${types.join(' or ')}`)
  }
}

/**
 * The arguments a call passes to `cb`: positional params as they are, params by name in
 * declared order. With declared params, the count and each declared `type` are checked.
 *
 * @throws {RpcError} -32602 for params that are neither an array nor (for a method that
 *   declares names) an object, too many or too few, an unknown name, or a wrong type.
 */
export function argumentsFor(cb: Callback, params: unknown): unknown[] {
  const declared = cb.params
  let args: unknown[]
  if (params === undefined || params === null) {
    args = []
  } else if (Array.isArray(params)) {
    args = params
  } else if (isObject(params) && declared !== undefined) {
    const names = new Set(declared.map((p) => p.name))
    for (const key of Object.keys(params)) {
      if (!names.has(key)) throw invalidParams(`unknown parameter ${JSON.stringify(key)}`)
    }
    args = declared.map((p) => (Object.hasOwn(params, p.name) ? params[p.name] : undefined))
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop()
  } else {
    throw invalidParams('non-array args')
  }
  if (declared === undefined) return args
  if (args.length > declared.length)
    throw invalidParams(`too many arguments, want at most ${declared.length}`)
  for (let i = 0; i < cb.requiredParams; i++) {
    if (args[i] === undefined) throw invalidParams(`missing value for required argument ${i}`)
  }
  for (let i = 0; i < args.length; i++) checkType(args[i], declared[i]?.schema, i)
  return args
}
