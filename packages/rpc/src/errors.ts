import {
  APPLICATION_ERROR,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
} from './constants.js'

/** The JSON-RPC error object as it travels on the wire. */
export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/**
 * A JSON-RPC error: thrown by a service method to answer with this code, message and
 * `data` (use the -32000…-32099 range for application errors, as geth does), and thrown
 * by the client when the server answers a call with an error. `code` is the protocol's
 * number, so it is a number here, not a string as in the other packages' errors.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError'
  readonly code: number
  readonly data: unknown

  /** @throws {TypeError} if `code` is not an integer. */
  constructor(code: number, message: string, options: { data?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    if (!Number.isInteger(code))
      throw new TypeError(`RpcError code must be an integer, got ${code}`)
    this.code = code
    this.data = options.data
  }

  /** The wire form: `{ code, message, data? }`. */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data }
  }
}

/** `-32602`: throw from a service method when its arguments are wrong. */
export function invalidParams(message: string, data?: unknown): RpcError {
  return new RpcError(INVALID_PARAMS, message, { data })
}

export const parseError = (): RpcError => new RpcError(PARSE_ERROR, 'parse error')
export const invalidRequest = (message = 'invalid request'): RpcError =>
  new RpcError(INVALID_REQUEST, message)
export const methodNotFound = (method: string): RpcError =>
  new RpcError(METHOD_NOT_FOUND, `the method ${method} does not exist/is not available`)
export const internalError = (): RpcError => new RpcError(INTERNAL_ERROR, 'internal error')

/**
 * What a service's thrown value becomes on the wire: an {@link RpcError} as it is, any
 * other `Error` as -32000 with its message (as geth sends `err.Error()`), anything else
 * -32603. Never a stack trace.
 */
export function toErrorObject(err: unknown): JsonRpcErrorObject {
  if (err instanceof RpcError) return err.toJSON()
  if (err instanceof Error) return { code: APPLICATION_ERROR, message: err.message }
  return internalError().toJSON()
}

/** What a client-side failure was, when it is not an error answer from the server. */
export type RpcClientErrorCode =
  | 'CLOSED' // the connection closed (by either side) before the answer came
  | 'TIMEOUT' // no answer within the time limit
  | 'ABORTED' // the caller's signal aborted
  | 'HTTP_STATUS' // the HTTP server answered with a status other than 200
  | 'BAD_RESPONSE' // the answer was not valid JSON-RPC
  | 'TOO_LARGE' // a message exceeded the size limit
  | 'SUBSCRIPTION_OVERFLOW' // a subscription's buffer filled (the consumer is too slow)
  | 'NOT_SUPPORTED' // e.g. a subscription over HTTP
  | 'CONNECT_FAILED' // dialing failed

/**
 * A client-side failure other than an error answer: the connection, a timeout, a
 * malformed answer. `code` says which.
 */
export class RpcClientError extends Error {
  override readonly name = 'RpcClientError'
  readonly code: RpcClientErrorCode
  constructor(code: RpcClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
