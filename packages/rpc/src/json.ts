import { JSONRPC_VERSION } from './constants.js'
import type { JsonRpcErrorObject } from './errors.js'

/** A request id: the server echoes it as it came. */
export type JsonRpcId = string | number | null

/** A call (with `id`) or a notification (without). */
export interface JsonRpcRequest {
  jsonrpc: typeof JSONRPC_VERSION
  id?: JsonRpcId
  method: string
  params?: readonly unknown[] | Record<string, unknown>
}

export interface JsonRpcSuccess {
  jsonrpc: typeof JSONRPC_VERSION
  id: JsonRpcId
  result: unknown
}

export interface JsonRpcFailure {
  jsonrpc: typeof JSONRPC_VERSION
  id: JsonRpcId
  error: JsonRpcErrorObject
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure

/** A subscription's notification: `ns_subscription` with `{ subscription, result }`. */
export interface JsonRpcNotification {
  jsonrpc: typeof JSONRPC_VERSION
  method: string
  params: { subscription: string; result: unknown }
}

export function success(id: JsonRpcId, result: unknown): JsonRpcSuccess {
  return { jsonrpc: JSONRPC_VERSION, id, result }
}

export function failure(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: JSONRPC_VERSION, id, error }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function bytesToHex(bytes: Uint8Array): string {
  let out = '0x'
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number]
  return out
}

/**
 * How values that JSON has no form for are written, as geth's `hexutil` does: a `bigint`
 * is a 0x-hex quantity (`0x0`, `-0x1f`), a `Uint8Array` 0x-hex data.
 */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint')
    return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`
  if (value instanceof Uint8Array) return bytesToHex(value)
  return value
}

/**
 * JSON text of a message, with `bigint` and `Uint8Array` as 0x-hex.
 * @throws {TypeError} on a value JSON cannot hold (a cycle).
 */
export function stringify(value: unknown): string {
  return JSON.stringify(value, replacer)
}

/**
 * JSON text of one answer: a success whose result is a string, finite number, boolean or
 * null is written without the replacer (most calls; the replacer costs a call per key).
 * @throws {TypeError} on a value JSON cannot hold (a cycle).
 */
export function stringifyAnswer(answer: JsonRpcResponse): string {
  if ('result' in answer) {
    const result = answer.result
    const type = typeof result
    if (
      result === null ||
      type === 'string' ||
      type === 'boolean' ||
      (type === 'number' && Number.isFinite(result))
    ) {
      return `{"jsonrpc":"2.0","id":${JSON.stringify(answer.id)},"result":${JSON.stringify(result)}}`
    }
  }
  return stringify(answer)
}

/**
 * What `value` becomes after a trip through JSON (with the hex forms above), without
 * the text in between for the values that need no change. The in-process transport uses
 * it so that every transport delivers the same values.
 * @throws {TypeError} on a value JSON cannot hold (a cycle).
 */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'undefined':
    case 'function':
    case 'symbol':
      return null
    default: {
      if (value === null) return null
      const text = stringify(value)
      return text === undefined ? null : JSON.parse(text)
    }
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** True for a value a request may carry as its id. */
export function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

/** True for a call as geth's `isCall`: version 2.0, a valid id, a method. */
export function isCall(item: unknown): item is Record<string, unknown> & { id: JsonRpcId } {
  return (
    isObject(item) &&
    item.jsonrpc === JSONRPC_VERSION &&
    Object.hasOwn(item, 'id') &&
    isValidId(item.id) &&
    typeof item.method === 'string' &&
    item.method !== ''
  )
}
