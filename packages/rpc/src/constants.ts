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

/**
 * Most open TCP connections per HTTP or WebSocket server (option `maxConnections`; geth
 * has no cap): node drops a connection past it at once, so a remote party cannot hold
 * an unbounded number of sockets and their state.
 */
export const MAX_HTTP_CONNECTIONS = 10_000
/** Default listen host of the HTTP and WebSocket servers (geth's `DefaultHTTPHost`): loopback by name. */
export const DEFAULT_RPC_HOST = 'localhost'
/** Default HTTP port (geth's `DefaultHTTPPort`). */
export const DEFAULT_HTTP_PORT = 8545
/** Default WebSocket port when served on its own (geth's `DefaultWSPort`). */
export const DEFAULT_WS_PORT = 8546
/** Virtual hosts the HTTP server answers by default (geth's `HTTPVirtualHosts`); an IP-literal Host is always allowed, as geth. */
export const DEFAULT_VHOSTS: readonly string[] = ['localhost']
/** Time to read one HTTP request, body included (geth's `ReadTimeout`); node's `requestTimeout`. */
export const HTTP_READ_TIMEOUT_MS = 30_000
/** Time to read one HTTP request's headers (geth's `ReadHeaderTimeout`); node's `headersTimeout`. */
export const HTTP_READ_HEADER_TIMEOUT_MS = 30_000
/** How long an idle keep-alive HTTP connection stays open (geth's `IdleTimeout`); node's `keepAliveTimeout`. */
export const HTTP_IDLE_TIMEOUT_MS = 120_000
/** `Access-Control-Max-Age` of a CORS preflight answer, in seconds (geth's 600). */
export const CORS_MAX_AGE_SECONDS = 600
/** Largest HTTP answer the client reads (as {@link MAX_MESSAGE_BYTES}); larger fails with `TOO_LARGE`. */
export const MAX_HTTP_RESPONSE_BYTES = 32 * 1024 * 1024
/** Characters of a non-200 HTTP answer's body kept in the client's `HTTP_STATUS` error message. */
export const HTTP_ERROR_EXCERPT_CHARS = 200
/** The WebSocket server pings a connection that has not been written to for this long (geth's `wsPingInterval`). */
export const WS_PING_INTERVAL_MS = 30_000
/** A WebSocket peer that does not answer a ping within this long is disconnected (geth's `wsPongTimeout`). */
export const WS_PONG_TIMEOUT_MS = 30_000
/** Size of the JWT secret of the authenticated endpoint, in bytes (geth's `jwtsecret` file: 32 bytes as hex). */
export const JWT_SECRET_BYTES = 32
/** A JWT's `iat` may differ from the server's clock by at most this much, either way (geth's `jwtExpiryTimeout`). */
export const JWT_IAT_TOLERANCE_MS = 60_000
/** Mode of the IPC socket file: only its owner may connect (geth's `os.Chmod(endpoint, 0600)`). */
export const IPC_SOCKET_MODE = 0o600
/** Mode of a directory the IPC server creates for its socket (geth's `os.MkdirAll(dir, 0751)`). */
export const IPC_DIR_MODE = 0o751
/** Most open IPC connections per server; more are refused (geth has no cap, but only the socket's owner can connect). */
export const MAX_IPC_CONNECTIONS = 1_000
/** Longest IPC socket path every Unix takes (macOS 103 bytes, Linux 107); a longer one is logged as a warning. */
export const IPC_PORTABLE_PATH_BYTES = 103
/**
 * The IPC stream reader keeps its buffer for a value that spans reads between values up
 * to this size; a larger one (after one large message) is let go.
 */
export const STREAM_BUFFER_KEEP_BYTES = 64 * 1024
