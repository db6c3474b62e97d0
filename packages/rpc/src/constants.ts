/**
 * Every limit, timeout and default of the rpc package, in one place. go-ethereum's value
 * is named where we follow it (`rpc/` and `node/` at v1.17). docs/LIMITS.md lists them all.
 */

/** The JSON-RPC version string every message carries. */
export const JSONRPC_VERSION = '2.0'

/** Error codes (JSON-RPC 2.0 and geth's `rpc/errors.go`). */
export const PARSE_ERROR = -32700
export const INVALID_REQUEST = -32600
export const METHOD_NOT_FOUND = -32601
export const INVALID_PARAMS = -32602
export const INTERNAL_ERROR = -32603
/** An application error without a code of its own (geth: `errcodeDefault`). */
export const APPLICATION_ERROR = -32000
/** The per-request timeout fired (geth: `errcodeTimeout`). */
export const REQUEST_TIMEOUT_ERROR = -32002
/** A batch response grew past {@link MAX_BATCH_RESPONSE_BYTES} (geth: `errcodeResponseTooLarge`). */
export const RESPONSE_TOO_LARGE_ERROR = -32003

/** Most calls in one batch (geth's `BatchRequestLimit`); a larger batch is one -32600 error. */
export const MAX_BATCH_ITEMS = 1_000
/** Most bytes of one batch's responses (geth's `BatchResponseMaxSize`); later calls get -32003. */
export const MAX_BATCH_RESPONSE_BYTES = 25_000_000
/** Longest method name a call may carry (geth's `maxMethodNameLength`); longer is -32600. */
export const MAX_METHOD_NAME_LENGTH = 2048
/** Largest HTTP request body (geth's `defaultBodyLimit`); larger is 413. */
export const MAX_HTTP_BODY_BYTES = 5 * 1024 * 1024
/** Largest WebSocket or IPC message, either direction (geth's `wsDefaultReadLimit`). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024
/** Most calls one connection runs at once; the transport stops reading until one ends. */
export const MAX_INFLIGHT_PER_CONNECTION = 64
/** Most open subscriptions on one connection; one more is an error (geth has no cap). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 1_000
/**
 * Most bytes queued for one connection's socket. A consumer that lets more pile up is
 * disconnected rather than buffered without end (geth drops a WebSocket whose write
 * blocks past its write timeout).
 */
export const MAX_OUTGOING_QUEUE_BYTES = 16 * 1024 * 1024
/** Per-call time limit on the server (geth's HTTP write timeout, 30 s); 0 turns it off. */
export const REQUEST_TIMEOUT_MS = 30_000

/** Notifications a client subscription buffers before it fails (geth's `maxClientSubscriptionBuffer`). */
export const MAX_CLIENT_SUBSCRIPTION_BUFFER = 20_000
/** Client-side limit of one call unless the caller passes a signal (geth: none; 30 s keeps a lost reply from pinning memory). */
export const CLIENT_REQUEST_TIMEOUT_MS = 30_000
/** Client dial timeout (geth's `defaultDialTimeout`). */
export const DIAL_TIMEOUT_MS = 10_000
/** Client subscribe/unsubscribe timeout (geth's `subscribeTimeout`). */
export const SUBSCRIBE_TIMEOUT_MS = 10_000
/** Bytes of random subscription id (geth: 16, as 0x-hex). */
export const SUBSCRIPTION_ID_BYTES = 16
