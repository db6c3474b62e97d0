import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { equalBytes, isValidPrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import {
  ENode,
  type ListenAddr,
  type LocalNode,
  NetList,
  type NodeIdHex,
  nodeIdFromPublicKey,
  nodeIdHex,
  parseListenAddr,
  parseNode,
} from '@devp2p/enode'
import {
  DEFAULT_CLIENT_NAME,
  DEFAULT_DIAL_RATIO,
  DEFAULT_LISTEN_ADDR,
  DEFAULT_MAX_PEERS,
  DEFAULT_MAX_PENDING_PEERS,
  DIAL_TIMEOUT_MS,
  HANDSHAKE_TIMEOUT_MS,
  RESERVED_PEERS_DIVISOR,
} from './constants.js'
import { type NodeDialer, tcpDialer } from './dial.js'
import { checkProtocol, type NodeSource, type Protocol } from './protocol.js'

/** A node given as an `ENode`, an `enode://` URL or an `enr:` record. */
export type NodeLike = ENode | string

/** The server's configuration: geth's `p2p.Config` in camelCase. */
export interface ServerOptions {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /**
   * Our node record, created by the caller (`LocalNode.create({ privateKey, db })`) and
   * shared with discovery; its key must be `privateKey`. The server sets its TCP endpoint
   * and the protocols' attributes on it, and never closes it or its database. Without
   * it, the server makes a private one in memory at `start()` (the ENR seq then starts
   * from the clock on every run).
   */
  readonly localNode?: LocalNode
  /** Our client name as Hello sends it (default `devp2p-ts`). */
  readonly name?: string
  /** Most peers at once, trusted ones not counted (default 50). */
  readonly maxPeers?: number
  /** Handshakes in progress at most, per direction (default 50). */
  readonly maxPendingPeers?: number
  /** At most maxPeers / dialRatio peers are dialed by us (default 3). */
  readonly dialRatio?: number
  /**
   * The last slots of maxPeers, kept for peers a protocol wants (`Protocol.wantsPeer`):
   * another peer is refused ("too many peers") once maxPeers − reservedPeers are
   * connected, and our dials of a protocol's `dialCandidates` (or of a source added with
   * `addNodeSource(source, { preferred: true })`) may take any free slot, past
   * maxPeers / dialRatio. Inbound peers never exceed their share. Default: maxPeers / 5
   * when a protocol has `wantsPeer`, else 0 (geth's behaviour).
   */
  readonly reservedPeers?: number
  /**
   * Where to accept connections, `host:port` (`127.0.0.1:30303`, `[::]:30303`,
   * `:30303` for every address, port 0 for any free port: read the bound one from
   * `server.listenAddr` or `server.self().tcp` after `start()`); `''` does not listen.
   * Default `:30303`.
   */
  readonly listenAddr?: string
  readonly protocols: readonly Protocol[]
  /** Nodes we always keep a connection to. */
  readonly staticNodes?: readonly NodeLike[]
  /** Nodes exempt from the peer limits. */
  readonly trustedNodes?: readonly NodeLike[]
  /** Only these networks may connect or be dialed (CIDR list, e.g. `10.0.0.0/8`). */
  readonly netRestrict?: string | readonly string[] | NetList
  /** Never dial (static nodes and candidates are ignored). */
  readonly noDial?: boolean
  /** Emit `msgsend` and `msgrecv` peer events. */
  readonly enableMsgEvents?: boolean
  /** Where logs go (default silent); `consoleLogger({ level: 'debug' })` to see them. */
  readonly logger?: Logger
  readonly clock?: Clock
  /** Where dial candidates come from, e.g. a discovery service. */
  readonly nodeSource?: NodeSource
  /**
   * Opens the stream to a node we dial (geth's `NodeDialer`); default TCP with
   * `dialTimeoutMs`. The RLPx handshake runs over what it returns.
   */
  readonly dialer?: NodeDialer
  /** Deadline of the encryption handshake and of the Hello exchange (default 5 s). */
  readonly handshakeTimeoutMs?: number
  /** TCP connect deadline of the default dialer (default 15 s). */
  readonly dialTimeoutMs?: number
}

/** The options checked, with their defaults. */
export interface ServerConfig {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly selfId: NodeIdHex
  readonly localNode: LocalNode | undefined
  readonly name: string
  readonly maxPeers: number
  readonly maxPendingPeers: number
  readonly dialRatio: number
  readonly reservedPeers: number
  readonly listen: ListenAddr | undefined
  readonly protocols: readonly Protocol[]
  readonly staticNodes: readonly ENode[]
  readonly trustedIds: readonly NodeIdHex[]
  readonly netRestrict: NetList | undefined
  readonly noDial: boolean
  readonly msgEvents: boolean
  readonly logger: Logger
  readonly clock: Clock
  readonly nodeSources: readonly NodeSource[]
  readonly dialer: NodeDialer
  readonly handshakeTimeoutMs: number
}

/** `node` as an ENode; `what` names it in the error. */
export function toNode(node: NodeLike, what: string): ENode {
  if (node instanceof ENode) return node
  if (typeof node === 'string') return parseNode(node)
  throw new TypeError(`${what} must be an ENode, an enode:// URL or an enr: record`)
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws TypeError / RangeError for a bad option; EnodeError for a bad node URL.
 */
export function resolveOptions(options: ServerOptions): ServerConfig {
  if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
    throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
  }
  // a copy also when the key is a Buffer, whose slice() is a view of the caller's key
  const privateKey = new Uint8Array(options.privateKey)
  const publicKey = publicKeyFromPrivate(privateKey)
  const id = nodeIdFromPublicKey(publicKey)
  const { localNode } = options
  if (localNode !== undefined) {
    if (!(localNode?.id instanceof Uint8Array)) throw new TypeError('localNode must be a LocalNode')
    if (!equalBytes(localNode.id, id)) {
      throw new TypeError('localNode was created with another key than privateKey')
    }
  }
  const maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS
  const maxPendingPeers = options.maxPendingPeers ?? DEFAULT_MAX_PENDING_PEERS
  const dialRatio = options.dialRatio ?? DEFAULT_DIAL_RATIO
  for (const [key, value, min] of [
    ['maxPeers', maxPeers, 0],
    ['maxPendingPeers', maxPendingPeers, 1],
    ['dialRatio', dialRatio, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`${key} must be an integer ≥ ${min}, got ${value}`)
    }
  }
  if (!Array.isArray(options.protocols)) throw new TypeError('protocols must be an array')
  const seen = new Set<string>()
  for (const protocol of options.protocols) {
    checkProtocol(protocol)
    const cap = `${protocol.name}/${protocol.version}`
    if (seen.has(cap)) throw new TypeError(`protocol ${cap} is given twice`)
    seen.add(cap)
  }
  const wanting = options.protocols.some((p) => p.wantsPeer !== undefined)
  const reservedPeers =
    options.reservedPeers ?? (wanting ? Math.floor(maxPeers / RESERVED_PEERS_DIVISOR) : 0)
  if (!Number.isInteger(reservedPeers) || reservedPeers < 0 || reservedPeers > maxPeers) {
    throw new RangeError(`reservedPeers must be an integer 0–maxPeers, got ${reservedPeers}`)
  }
  const listenAddr = options.listenAddr ?? DEFAULT_LISTEN_ADDR
  const restrict = options.netRestrict
  const clock = options.clock ?? systemClock
  if (options.dialer !== undefined && typeof options.dialer?.dial !== 'function') {
    throw new TypeError('dialer must have dial(node, { signal })')
  }
  return {
    privateKey,
    publicKey,
    selfId: nodeIdHex(id),
    localNode,
    name: options.name ?? DEFAULT_CLIENT_NAME,
    maxPeers,
    maxPendingPeers,
    dialRatio,
    reservedPeers,
    listen: listenAddr === '' ? undefined : parseListenAddr(listenAddr),
    protocols: [...options.protocols],
    staticNodes: (options.staticNodes ?? []).map((n) => toNode(n, 'a static node')),
    trustedIds: (options.trustedNodes ?? []).map((n) => toNode(n, 'a trusted node').idHex),
    netRestrict:
      restrict === undefined
        ? undefined
        : restrict instanceof NetList
          ? restrict
          : NetList.parse(restrict),
    noDial: options.noDial ?? false,
    msgEvents: options.enableMsgEvents ?? false,
    logger: options.logger ?? silentLogger,
    clock,
    nodeSources: options.nodeSource ? [options.nodeSource] : [],
    dialer:
      options.dialer ?? tcpDialer({ clock, timeoutMs: options.dialTimeoutMs ?? DIAL_TIMEOUT_MS }),
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
  }
}
