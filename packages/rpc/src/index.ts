/**
 * JSON-RPC 2.0 as go-ethereum's `rpc` package does it: services registered under a
 * namespace (`foo_getNumber`), subscriptions (`foo_subscribe("ticks")`), and a typed
 * client, over in-process, IPC, HTTP and WebSocket transports.
 *
 * @example
 * ```ts
 * import { RpcClient, RpcServer, inProcessTransport } from '@devp2p/rpc'
 *
 * class Foo {
 *   getNumber() { return 42 }
 *   async *ticks(n: number) { for (let i = 0; i < n; i++) yield i }
 * }
 * const server = new RpcServer()
 * server.registerName('foo', new Foo())
 * const client = new RpcClient(inProcessTransport(server))
 * const foo = client.api<Foo>('foo')
 * console.log(await foo.getNumber())            // 42, typed as number
 * for await (const n of await foo.subscribe('ticks', 3)) console.log(n)
 * ```
 *
 * @packageDocumentation
 */

export type {
  BatchRequest,
  BatchResult,
  ClientTransport,
  RpcClientOptions,
  SubscribeOptions,
} from './client.js'
export { RpcClient } from './client.js'
export { ClientSubscription } from './client-subscription.js'
export type { ConnectOptions } from './connect.js'
export { connect } from './connect.js'
export {
  APPLICATION_ERROR,
  CLIENT_REQUEST_TIMEOUT_MS,
  DEFAULT_HTTP_PORT,
  DEFAULT_RPC_HOST,
  DEFAULT_VHOSTS,
  DEFAULT_WS_PORT,
  DIAL_TIMEOUT_MS,
  HTTP_IDLE_TIMEOUT_MS,
  HTTP_READ_HEADER_TIMEOUT_MS,
  HTTP_READ_TIMEOUT_MS,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  IPC_DIR_MODE,
  IPC_SOCKET_MODE,
  JWT_IAT_TOLERANCE_MS,
  JWT_SECRET_BYTES,
  MAX_BATCH_ITEMS,
  MAX_BATCH_RESPONSE_BYTES,
  MAX_CLIENT_SUBSCRIPTION_BUFFER,
  MAX_HTTP_BODY_BYTES,
  MAX_HTTP_CONNECTIONS,
  MAX_HTTP_RESPONSE_BYTES,
  MAX_INFLIGHT_PER_CONNECTION,
  MAX_IPC_CONNECTIONS,
  MAX_MESSAGE_BYTES,
  MAX_OUTGOING_QUEUE_BYTES,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  REQUEST_TIMEOUT_ERROR,
  REQUEST_TIMEOUT_MS,
  RESPONSE_TOO_LARGE_ERROR,
  SUBSCRIBE_TIMEOUT_MS,
  WS_PING_INTERVAL_MS,
  WS_PONG_TIMEOUT_MS,
} from './constants.js'
export type { CallContext, TransportKind } from './context.js'
export { callContext } from './context.js'
export type { JsonRpcErrorObject, RpcClientErrorCode } from './errors.js'
export { invalidParams, RpcClientError, RpcError } from './errors.js'
export type { HttpTransportOptions } from './http-client.js'
export { httpTransport } from './http-client.js'
export type { HttpRpcServerOptions } from './http-server.js'
export { HttpRpcServer } from './http-server.js'
export { inProcessTransport } from './inproc.js'
export type { IpcTransportOptions } from './ipc-client.js'
export { ipcTransport } from './ipc-client.js'
export type { IpcRpcServerOptions } from './ipc-server.js'
export { IpcRpcServer } from './ipc-server.js'
export type {
  JsonRpcFailure,
  JsonRpcId,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  JsonRpcSuccess,
} from './json.js'
export type { JwtCheck } from './jwt.js'
export { signJwt, verifyJwt } from './jwt.js'
export type { OpenRpcDocument, OpenRpcMethod } from './openrpc.js'
export type { JsonSchema, MethodSpec, ParamSpec, ServiceSpec } from './registry.js'
export type { RpcServerOptions } from './server.js'
export { RpcServer } from './server.js'
export type { RpcSession, SessionTransport } from './session.js'
export type { SubscriptionOptions } from './subscription.js'
export { subscription } from './subscription.js'
export type { Jsonified, MethodNames, RemoteApi, SubscriptionNames } from './typed.js'
export type { WebSocketTransportOptions } from './ws-client.js'
export { webSocketTransport } from './ws-client.js'
export type { WsOptions, WsRpcServerOptions } from './ws-server.js'
export { WsRpcServer } from './ws-server.js'
