import { setMaxListeners } from 'node:events'
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net'
import {
  type Clock,
  ExpiringSet,
  type Logger,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@devp2p/common'
import { equalBytes, isValidPrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import {
  ENode,
  type Enr,
  isLan,
  type ListenAddr,
  LocalNode,
  NetList,
  NodeDB,
  type NodeIdHex,
  nodeIdFromPublicKey,
  nodeIdHex,
  normalizeIp,
  parseListenAddr,
  parseNode,
} from '@devp2p/enode'
import type { RlpInput } from '@devp2p/rlp'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '@devp2p/rlpx'
import { EventEmitter } from 'eventemitter3'
import {
  DISCONNECT_MSG,
  decodeDisconnect,
  decodeHello,
  encodeHello,
  HELLO_MSG,
  type Hello,
} from './base-protocol.js'
import { matchProtocols } from './caps.js'
import { BASE_PROTOCOL_VERSION, MAX_HELLO_FRAME_BYTES } from './constants.js'
import { DialScheduler } from './dial.js'
import { sendDisconnect } from './disconnect.js'
import { DisconnectReason, disconnectReasonFor, disconnectReasonText, P2pError } from './errors.js'
import { InboundGate, type InboundTicket } from './inbound-gate.js'
import { Peer, type PeerInfo, runPeer, setPeerTrusted } from './peer.js'
import type { PeerEvent } from './peer-event.js'
import { checkProtocol, type NodeSource, type Protocol } from './protocol.js'

/** Handshakes in progress at most, per direction (geth: 50). */
export const DEFAULT_MAX_PENDING_PEERS = 50
/** geth's default DialRatio: a third of the peers may be dialed by us. */
export const DEFAULT_DIAL_RATIO = 3
/** The encryption handshake and the Hello exchange each get this long (geth: 5 s). */
export const HANDSHAKE_TIMEOUT_MS = 5_000
/** TCP connect deadline for a dial (geth: 15 s). */
export const DIAL_TIMEOUT_MS = 15_000
/** An IP may connect to us once per this long, unless it is on the LAN (geth: 30 s). */
export const INBOUND_THROTTLE_MS = 30_000
/** Peer events buffered per `subscribeEvents` subscriber before it is ended. */
export const MAX_SUBSCRIBER_BACKLOG = 4096

/** A node given as an `ENode`, an `enode://` URL or an `enr:` record. */
export type NodeLike = ENode | string

/** The server's configuration: geth's `p2p.Config` in camelCase. */
export interface ServerOptions {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /** Our client name as Hello sends it (default `devp2p-ts`). */
  readonly name?: string
  /** Most peers at once, trusted ones not counted (default 50). */
  readonly maxPeers?: number
  /** Handshakes in progress at most, per direction (default 50). */
  readonly maxPendingPeers?: number
  /** At most maxPeers / dialRatio peers are dialed by us (default 3). */
  readonly dialRatio?: number
  /**
   * Where to accept connections, `host:port` (`127.0.0.1:30303`, `[::]:30303`,
   * `:30303` for every address, port 0 for any free port); `''` does not listen.
   * Default `:30303`.
   */
  readonly listenAddr?: string
  readonly protocols: readonly Protocol[]
  /** Nodes discovery starts from; kept for the discovery service, the server does not dial them. */
  readonly bootstrapNodes?: readonly NodeLike[]
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
  /** Directory of the node database (keeps the ENR seq); in memory when absent. */
  readonly nodeDatabase?: string
  readonly logger?: Logger
  readonly clock?: Clock
  /** Where dial candidates come from, e.g. a discovery service. */
  readonly nodeSource?: NodeSource
  /** Deadline of the encryption handshake and of the Hello exchange (default 5 s). */
  readonly handshakeTimeoutMs?: number
  /** TCP connect deadline (default 15 s). */
  readonly dialTimeoutMs?: number
}

/** `nodeInfo()`, in geth's `admin_nodeInfo` shape. */
export interface NodeInfo {
  readonly id: NodeIdHex
  readonly name: string
  readonly enode: string
  readonly enr: string
  readonly ip: string
  readonly ports: { readonly discovery: number; readonly listener: number }
  readonly listenAddr: string
  readonly protocols: Record<string, unknown>
}

/** The server's events. */
export type ServerEvents = {
  peer: [PeerEvent]
}

type ConnKind = 'inbound' | 'static' | 'dynamic'

function toNode(node: NodeLike, what: string): ENode {
  if (node instanceof ENode) return node
  if (typeof node === 'string') return parseNode(node)
  throw new TypeError(`${what} must be an ENode, an enode:// URL or an enr: record`)
}

/** A waiting socket's error: the gate closes it when its turn or its deadline comes. */
function ignoreWhileWaiting(): void {}

function address(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return ''
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/**
 * A devp2p node's server, as geth's `p2p.Server`: accepts and dials RLPx connections,
 * runs the Hello exchange and the base protocol, and runs every shared sub-protocol
 * with each peer. It keeps the peer limits geth keeps (maxPeers split by dialRatio,
 * pending handshakes, a per-IP inbound throttle), which are eclipse defences.
 *
 * @example
 * ```ts
 * const server = new Server({ privateKey, name: 'my-node', maxPeers: 10,
 *   listenAddr: '127.0.0.1:30303', protocols: [foo] })
 * server.on('peer', (ev) => console.log(ev.type, ev.peer))
 * await server.start()
 * server.addPeer('enode://…@127.0.0.1:30304')
 * // …
 * await server.stop()
 * ```
 */
export class Server extends EventEmitter<ServerEvents> {
  readonly #privateKey: Uint8Array
  readonly #publicKey: Uint8Array
  readonly #selfId: NodeIdHex
  readonly name: string
  readonly maxPeers: number
  readonly maxPendingPeers: number
  readonly dialRatio: number
  readonly protocols: readonly Protocol[]
  readonly bootstrapNodes: readonly ENode[]
  readonly #listen: ListenAddr | undefined
  readonly #netRestrict: NetList | undefined
  readonly #noDial: boolean
  readonly #msgEvents: boolean
  readonly #dbPath: string | undefined
  readonly #log: Logger
  readonly #clock: Clock
  // bounded: local configuration
  readonly #nodeSources: NodeSource[]
  readonly #handshakeTimeoutMs: number
  readonly #dialTimeoutMs: number
  readonly #staticNodes: readonly ENode[]
  // bounded: local configuration (trusted ids)
  readonly #trusted = new Set<NodeIdHex>()
  // bounded: at most maxPeers + trusted peers
  readonly #peers = new Map<NodeIdHex, Peer>()
  // bounded: at most maxPendingPeers per direction
  readonly #pending = new Set<Socket>()
  // bounded: maxPendingPeers in setup, MAX_WAITING_INBOUND waiting (per-IP caps inside);
  // inbound connections from accept until their setup ends
  readonly #gate: InboundGate<Socket>
  #inboundPeers = 0
  #dialedPeers = 0
  // bounded: an ExpiringSet of at most 10,000 IPs (the oldest go first)
  readonly #throttle: ExpiringSet<string>
  readonly #peerRuns = new Set<Promise<unknown>>()
  // bounded: the connected peers, plus ones replaced but not yet closed
  readonly #registered = new Set<Peer>()
  // bounded: local subscribers; each buffers at most MAX_SUBSCRIBER_BACKLOG events
  readonly #subscribers = new Map<(event: PeerEvent) => void, () => void>()
  // bounded: one per connection being set up (≤ maxPendingPeers per direction)
  readonly #setups = new Set<Promise<void>>()
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new'
  #started: Promise<void> | undefined
  #stopped: Promise<void> | undefined
  #abort = new AbortController()
  #netServer: NetServer | undefined
  #listenAddr = ''
  #db: NodeDB | undefined
  #localNode: LocalNode | undefined
  #dialer: DialScheduler | undefined
  #hello: Uint8Array | undefined

  constructor(options: ServerOptions) {
    super()
    if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
      throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
    }
    // a copy also when the key is a Buffer, whose slice() is a view of the caller's key
    this.#privateKey = new Uint8Array(options.privateKey)
    this.#publicKey = publicKeyFromPrivate(this.#privateKey)
    this.#selfId = nodeIdHex(nodeIdFromPublicKey(this.#publicKey))
    this.name = options.name ?? 'devp2p-ts'
    this.maxPeers = options.maxPeers ?? 50
    this.maxPendingPeers = options.maxPendingPeers ?? DEFAULT_MAX_PENDING_PEERS
    this.dialRatio = options.dialRatio ?? DEFAULT_DIAL_RATIO
    for (const [key, value, min] of [
      ['maxPeers', this.maxPeers, 0],
      ['maxPendingPeers', this.maxPendingPeers, 1],
      ['dialRatio', this.dialRatio, 1],
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
    this.protocols = [...options.protocols]
    const listenAddr = options.listenAddr ?? ':30303'
    this.#listen = listenAddr === '' ? undefined : parseListenAddr(listenAddr)
    const restrict = options.netRestrict
    this.#netRestrict =
      restrict === undefined
        ? undefined
        : restrict instanceof NetList
          ? restrict
          : NetList.parse(restrict)
    this.#noDial = options.noDial ?? false
    this.#msgEvents = options.enableMsgEvents ?? false
    this.#dbPath = options.nodeDatabase
    this.#log = options.logger ?? silentLogger
    this.#clock = options.clock ?? systemClock
    this.#nodeSources = options.nodeSource ? [options.nodeSource] : []
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
    this.#dialTimeoutMs = options.dialTimeoutMs ?? DIAL_TIMEOUT_MS
    this.bootstrapNodes = (options.bootstrapNodes ?? []).map((n) => toNode(n, 'a bootstrap node'))
    this.#staticNodes = (options.staticNodes ?? []).map((n) => toNode(n, 'a static node'))
    for (const node of options.trustedNodes ?? [])
      this.#trusted.add(toNode(node, 'a trusted node').idHex)
    this.#throttle = new ExpiringSet({ clock: this.#clock, maxSize: 10_000 })
    // every RLPx handshake in progress listens for the stop: up to maxPendingPeers per
    // direction at once is expected, not a leak worth Node's warning
    setMaxListeners(2 * this.maxPendingPeers + 10, this.#abort.signal)
    this.#gate = new InboundGate<Socket>({
      maxPending: this.maxPendingPeers,
      deadlineMs: this.#handshakeTimeoutMs,
      clock: this.#clock,
      logger: this.#log,
      admit: (socket, ticket) => {
        socket.off('error', ignoreWhileWaiting)
        this.#track(this.#setup(socket, 'inbound', undefined, ticket))
      },
    })
  }

  /** Peers we may dial: maxPeers / dialRatio, at least 1 (0 with `noDial`). */
  get maxDialedPeers(): number {
    if (this.#noDial) return 0
    return Math.max(1, Math.floor(this.maxPeers / this.dialRatio))
  }

  /** Peers that may dial us: maxPeers minus {@link maxDialedPeers}. */
  get maxInboundPeers(): number {
    return Math.max(0, this.maxPeers - this.maxDialedPeers)
  }

  /** Starting or running: connections are welcome. */
  get #live(): boolean {
    return this.#state === 'starting' || this.#state === 'running'
  }

  get running(): boolean {
    return this.#state === 'running'
  }

  /**
   * The node database the server opened (after `start()`), to share with discovery: a
   * LevelDB directory can be opened only once.
   */
  get nodeDB(): NodeDB {
    if (!this.#db) throw new P2pError('NOT_RUNNING', 'the server is not started')
    return this.#db
  }

  /** Our node record and address book entry (available after `start()`). */
  get localNode(): LocalNode {
    if (!this.#localNode) throw new P2pError('NOT_RUNNING', 'the server is not started')
    return this.#localNode
  }

  /**
   * Opens the node database, builds our ENR (with the protocols' attributes), starts
   * listening and dialing. Resolves once the listener is bound.
   *
   * @throws P2pError `NOT_RUNNING` after `stop()`; the listen error (e.g. `EADDRINUSE`).
   */
  start(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      return Promise.reject(new P2pError('NOT_RUNNING', 'a stopped server cannot be restarted'))
    }
    this.#started ??= this.#startInner()
    return this.#started
  }

  async #startInner(): Promise<void> {
    this.#state = 'starting'
    try {
      this.#db = await NodeDB.open({
        ...(this.#dbPath === undefined ? {} : { path: this.#dbPath }),
        clock: this.#clock,
        logger: this.#log,
      })
      const entries: Record<string, RlpInput> = {}
      for (const protocol of this.protocols) Object.assign(entries, protocol.attributes ?? {})
      this.#localNode = await LocalNode.create({
        privateKey: this.#privateKey,
        db: this.#db,
        clock: this.#clock,
        logger: this.#log,
        entries,
      })
      if (this.#listen) await this.#startListening(this.#listen)
      this.#hello = encodeHello({
        version: BASE_PROTOCOL_VERSION,
        name: this.name,
        caps: this.protocols.map((p) => ({ name: p.name, version: p.version })),
        listenPort: this.#localNode.node.tcp ?? 0,
        id: this.#publicKey,
      })
      if (!this.#noDial) {
        const sources = [
          ...this.#nodeSources,
          ...this.protocols.flatMap((p) => (p.dialCandidates ? [p.dialCandidates] : [])),
        ]
        this.#dialer = new DialScheduler({
          self: this.#selfId,
          maxDialPeers: this.maxDialedPeers,
          maxActiveDials: this.maxPendingPeers,
          clock: this.#clock,
          logger: this.#log,
          netRestrict: this.#netRestrict,
          sources,
          dial: (node, kind) => {
            const task = this.#dial(node, kind)
            this.#track(task)
            return task
          },
        })
        for (const node of this.#staticNodes) this.#dialer.addStatic(node)
        this.#dialer.start()
      }
      this.#state = 'running'
      this.#log.info(
        { id: this.#selfId, enode: this.#localNode.node.toEnodeUrl() },
        'server started',
      )
    } catch (err) {
      this.#state = 'running'
      await this.stop()
      throw err
    }
  }

  #startListening(spec: ListenAddr): Promise<void> {
    // paused: a connection that waits for a handshake slot is not read (see InboundGate)
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) =>
      this.#accept(socket),
    )
    this.#netServer = server
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: spec.host, port: spec.port }, () => {
        server.off('error', reject)
        server.on('error', (err) => this.#log.warn({ err: err.message }, 'listener error'))
        const bound = server.address()
        if (bound === null || typeof bound === 'string') {
          reject(new Error('listener has no TCP address'))
          return
        }
        this.#listenAddr = address(bound.address, bound.port)
        const specific = spec.host !== undefined && normalizeIp(spec.host)
        const ip =
          specific && bound.address !== '0.0.0.0' && bound.address !== '::'
            ? bound.address
            : '127.0.0.1'
        this.#localNode!.setEndpoints({ ip, tcp: bound.port })
        resolve()
      })
    })
  }

  /**
   * Disconnects every peer with "client quitting", stops listening and dialing, closes
   * every socket, timer and the node database. Idempotent: every call returns the same
   * promise.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stopInner()
    return this.#stopped
  }

  async #stopInner(): Promise<void> {
    if (this.#state === 'starting') await this.#started?.catch(() => {})
    this.#state = 'stopping'
    this.#abort.abort()
    this.#gate.close()
    this.#dialer?.stop()
    const closed = new Promise<void>((resolve) => {
      if (!this.#netServer?.listening) resolve()
      else this.#netServer.close(() => resolve())
    })
    for (const socket of this.#pending) socket.destroy()
    for (const peer of this.#peers.values()) peer.disconnect(DisconnectReason.Quitting)
    while (this.#peerRuns.size > 0) await Promise.allSettled([...this.#peerRuns])
    await closed
    await this.#localNode?.flush().catch(() => {})
    await this.#db?.close()
    while (this.#setups.size > 0) await Promise.allSettled([...this.#setups])
    for (const finish of [...this.#subscribers.values()]) finish()
    this.#state = 'stopped'
    this.#log.info({ id: this.#selfId }, 'server stopped')
  }

  /** Our node as others see it (id, key, ENR and endpoints). */
  self(): ENode {
    return this.localNode.node
  }

  /** Our current signed node record. */
  get record(): Enr {
    return this.localNode.record
  }

  /** The bound listen address, e.g. `127.0.0.1:30303` (empty when not listening). */
  get listenAddr(): string {
    return this.#listenAddr
  }

  /** Connected peers. */
  peers(): Peer[] {
    return [...this.#peers.values()]
  }

  get peerCount(): number {
    return this.#peers.size
  }

  /** Our node in geth's `admin_nodeInfo` shape. */
  nodeInfo(): NodeInfo {
    const node = this.self()
    const protocols: Record<string, unknown> = {}
    for (const protocol of this.protocols)
      protocols[protocol.name] = protocol.nodeInfo?.() ?? 'unknown'
    return {
      id: node.idHex,
      name: this.name,
      enode: node.toEnodeUrl(),
      enr: node.toEnrText(),
      ip: node.ip ?? '',
      ports: { discovery: node.udp ?? 0, listener: node.tcp ?? 0 },
      listenAddr: this.#listenAddr,
      protocols,
    }
  }

  /** Every connected peer in geth's `admin_peers` shape. */
  peersInfo(): PeerInfo[] {
    return this.peers()
      .map((peer) => peer.info())
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * Adds a static node: it is dialed now and redialed whenever the connection drops.
   * @throws EnodeError for an invalid URL or record; TypeError for other values.
   */
  addPeer(node: NodeLike): ENode {
    const target = toNode(node, 'node')
    if (!this.#live) {
      throw new P2pError('NOT_RUNNING', 'the server is not running')
    }
    if (this.#dialer) this.#dialer.addStatic(target)
    else this.#log.warn({ node: target.idHex }, 'addPeer with noDial: the node is not dialed')
    return target
  }

  /**
   * Adds a source of dial candidates after construction (e.g. a discovery service that
   * shares this server's `localNode`). Ignored with `noDial`.
   */
  addNodeSource(source: NodeSource): void {
    if (typeof source?.randomNodes !== 'function') {
      throw new TypeError('a node source has randomNodes({ signal })')
    }
    this.#nodeSources.push(source)
    this.#dialer?.addSource(source)
  }

  /** Removes a static node and disconnects it if connected. */
  removePeer(node: NodeLike): void {
    const target = toNode(node, 'node')
    this.#dialer?.removeStatic(target.idHex)
    this.#peers.get(target.idHex)?.disconnect(DisconnectReason.Requested)
  }

  /** Marks a node trusted: exempt from the peer limits (also when already connected). */
  addTrustedPeer(node: NodeLike): void {
    const target = toNode(node, 'node')
    this.#trusted.add(target.idHex)
    setPeerTrusted(this.#peers.get(target.idHex), true)
  }

  removeTrustedPeer(node: NodeLike): void {
    const target = toNode(node, 'node')
    this.#trusted.delete(target.idHex)
    setPeerTrusted(this.#peers.get(target.idHex), false)
  }

  /**
   * Peer events as an async iterable, until `signal` aborts or the server stops. A
   * subscriber that falls more than {@link MAX_SUBSCRIBER_BACKLOG} events behind is
   * ended with a P2pError.
   */
  subscribeEvents(options: { signal?: AbortSignal } = {}): AsyncIterable<PeerEvent> {
    const server = this
    return {
      [Symbol.asyncIterator](): AsyncIterator<PeerEvent> {
        // bounded: at most MAX_SUBSCRIBER_BACKLOG events
        const queue: PeerEvent[] = []
        let wake: (() => void) | undefined
        let done = server.#state === 'stopped' || options.signal?.aborted === true
        let failure: Error | undefined
        const finish = (): void => {
          done = true
          server.#subscribers.delete(push)
          options.signal?.removeEventListener('abort', finish)
          wake?.()
        }
        const push = (event: PeerEvent): void => {
          if (queue.length >= MAX_SUBSCRIBER_BACKLOG) {
            failure = new P2pError('TIMEOUT', 'event subscriber fell too far behind')
            finish()
            return
          }
          queue.push(event)
          wake?.()
        }
        if (!done) {
          server.#subscribers.set(push, finish)
          options.signal?.addEventListener('abort', finish, { once: true })
        }
        return {
          async next(): Promise<IteratorResult<PeerEvent>> {
            for (;;) {
              const event = queue.shift()
              if (event) return { value: event, done: false }
              if (failure) throw failure
              if (done) return { value: undefined, done: true }
              await new Promise<void>((resolve) => {
                wake = resolve
              })
              wake = undefined
            }
          },
          async return(): Promise<IteratorResult<PeerEvent>> {
            finish()
            return { value: undefined, done: true }
          },
        }
      },
    }
  }

  #emit(event: PeerEvent): void {
    for (const push of this.#subscribers.keys()) push(event)
    try {
      this.emit('peer', event)
    } catch (err) {
      // a listener's bug must not take the server (or the peer) down with it
      this.#log.error({ err: String(err), type: event.type }, 'peer event listener threw')
    }
  }

  // ---- connections --------------------------------------------------------------

  /** Connections being dialed, in the encryption handshake or in the Hello exchange. */
  get pendingHandshakes(): number {
    return this.#pending.size
  }

  /** Inbound connections waiting for a handshake slot (see `maxPendingPeers`). */
  get waitingInbound(): number {
    return this.#gate.waiting
  }

  /**
   * @internal Takes an inbound connection as the listener would (tests use it to present
   * a non-LAN remote address).
   */
  _accept(socket: Socket): void {
    this.#accept(socket)
  }

  #accept(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? '') ?? ''
    const refused = this.#refuseInbound(ip)
    if (refused !== undefined) {
      this.#log.debug({ ip, why: refused }, 'inbound connection refused')
      socket.destroy()
      return
    }
    // nothing else listens until the handshake starts; an error now must not be uncaught
    socket.on('error', ignoreWhileWaiting)
    this.#gate.offer(socket, ip)
  }

  /** Why an inbound connection from `ip` is refused before any cryptography, if it is. */
  #refuseInbound(ip: string): string | undefined {
    if (!this.#live) return 'not running'
    if (this.#netRestrict && !this.#netRestrict.contains(ip)) return 'not in netRestrict'
    if (isLan(ip)) return undefined
    if (this.#throttle.has(ip)) return 'too many attempts'
    this.#throttle.add(ip, INBOUND_THROTTLE_MS)
    return undefined
  }

  #track(task: Promise<void>): void {
    this.#setups.add(task)
    void task.finally(() => this.#setups.delete(task))
  }

  async #dial(node: ENode, kind: 'static' | 'dynamic'): Promise<void> {
    if (!this.#live) return
    const socket = connect({ host: node.ip!, port: node.tcp!, noDelay: true })
    this.#pending.add(socket)
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = this.#clock.setTimeout(() => {
          reject(
            new P2pError('DIAL_FAILED', `TCP connect timed out after ${this.#dialTimeoutMs} ms`),
          )
        }, this.#dialTimeoutMs)
        const onConnect = (): void => {
          this.#clock.clearTimeout(timer)
          socket.off('error', onError).off('close', onClose)
          resolve()
        }
        const onError = (err: Error): void => {
          this.#clock.clearTimeout(timer)
          socket.off('connect', onConnect).off('close', onClose)
          reject(new P2pError('DIAL_FAILED', `cannot connect: ${err.message}`, { cause: err }))
        }
        const onClose = (): void => onError(new Error('socket closed'))
        socket.once('connect', onConnect).once('error', onError).once('close', onClose)
      })
    } catch (err) {
      socket.destroy()
      this.#pending.delete(socket)
      this.#log.debug({ node: node.idHex, err: (err as Error).message }, 'dial failed')
      return
    }
    this.#pending.delete(socket)
    if (!this.#live) {
      socket.destroy()
      return
    }
    await this.#setup(socket, kind, node)
  }

  /**
   * Runs the encryption handshake, the checks, the Hello exchange and the checks again,
   * then the peer until it drops. Never rejects.
   */
  async #setup(
    socket: Socket,
    kind: ConnKind,
    dest: ENode | undefined,
    ticket?: InboundTicket,
  ): Promise<void> {
    const inbound = kind === 'inbound'
    this.#pending.add(socket)
    let conn: RlpxConnection | undefined
    let pendingDone = false
    const donePending = (): void => {
      if (pendingDone) return
      pendingDone = true
      ticket?.release()
      this.#pending.delete(socket)
    }
    const remoteIp = normalizeIp(socket.remoteAddress ?? '') ?? ''
    const remoteAddress = address(remoteIp, socket.remotePort)
    const localAddress = address(normalizeIp(socket.localAddress ?? ''), socket.localPort)
    try {
      const base = {
        privateKey: this.#privateKey,
        signal: this.#abort.signal,
        // inbound: what is left of the deadline that started at accept
        timeoutMs: ticket?.remainingMs ?? this.#handshakeTimeoutMs,
        logger: this.#log,
      }
      conn = dest
        ? await initiatorHandshake(socket, { ...base, remotePublicKey: dest.publicKey })
        : await recipientHandshake(socket, base)
      ticket?.handshaken()
      const remoteKey = conn.remotePublicKey
      const id = nodeIdHex(nodeIdFromPublicKey(remoteKey))
      const trusted = this.#trusted.has(id)
      this.#checkLimits(id, kind, trusted)
      const hello = await this.#exchangeHello(conn)
      // as geth: snappy starts right after a valid Hello, so even a Disconnect for a
      // failed check below is compressed
      conn.setSnappy(hello.version >= 5)
      if (hello.id.length !== 64 || hello.id.every((b) => b === 0)) {
        throw P2pError.local(DisconnectReason.InvalidIdentity, 'hello carries no valid node id')
      }
      if (!equalBytes(hello.id, remoteKey)) {
        throw P2pError.local(
          DisconnectReason.UnexpectedIdentity,
          'hello id differs from the RLPx key',
        )
      }
      const matched = matchProtocols(this.protocols, hello.caps)
      if (matched.length === 0)
        throw P2pError.local(DisconnectReason.UselessPeer, 'no shared capability')
      if (!this.#live) throw P2pError.local(DisconnectReason.Quitting)
      const replaced = this.#checkLimits(id, kind, this.#trusted.has(id))
      if (replaced) {
        this.#unregister(replaced)
        replaced.disconnect(DisconnectReason.AlreadyConnected)
      }
      const node = dest ?? ENode.fromPublicKey(remoteKey, { ip: remoteIp, tcp: socket.remotePort })
      const peer = new Peer({
        conn,
        node,
        name: hello.name,
        caps: hello.caps,
        matched,
        inbound,
        trusted: this.#trusted.has(id),
        static: kind === 'static' || (this.#dialer?.isStatic(id) ?? false),
        localAddress,
        remoteAddress,
        clock: this.#clock,
        logger: this.#log,
        onMsgEvent: this.#msgEvents ? (event) => this.#emit(event) : undefined,
      })
      donePending()
      // tracked on its own, so this setup's frame is not kept alive for the peer's lifetime
      void this.#runPeer(peer)
    } catch (err) {
      donePending()
      await this.#reject(conn, socket, err, dest)
    }
  }

  /**
   * The limits and identity checks (geth's postHandshakeChecks). Returns a connected peer
   * the new connection replaces: when two nodes dial each other at the same moment, both
   * keep the connection dialed by the node with the lower id, so exactly one survives
   * (refusing both ways would drop both).
   */
  #checkLimits(id: NodeIdHex, kind: ConnKind, trusted: boolean): Peer | undefined {
    if (id === this.#selfId) throw P2pError.local(DisconnectReason.Self)
    const existing = this.#peers.get(id)
    if (existing) {
      const crossed = existing.inbound !== (kind === 'inbound')
      const dialedByUs = kind !== 'inbound'
      const newWins = crossed && (dialedByUs ? this.#selfId < id : id < this.#selfId)
      if (!newWins) throw P2pError.local(DisconnectReason.AlreadyConnected)
    }
    const peers = this.#peers.size - (existing ? 1 : 0)
    const inbound = this.#inboundPeers - (existing?.inbound ? 1 : 0)
    const dialed = this.#dialedPeers - (existing && !existing.inbound ? 1 : 0)
    if (!trusted && peers >= this.maxPeers) throw P2pError.local(DisconnectReason.TooManyPeers)
    if (!trusted && kind === 'inbound' && inbound >= this.maxInboundPeers) {
      throw P2pError.local(DisconnectReason.TooManyPeers)
    }
    if (!trusted && kind === 'dynamic' && dialed >= this.maxDialedPeers) {
      throw P2pError.local(DisconnectReason.TooManyPeers)
    }
    return existing
  }

  async #exchangeHello(conn: RlpxConnection): Promise<Hello> {
    let timer: TimerHandle | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(() => {
        reject(
          P2pError.local(
            DisconnectReason.ReadTimeout,
            `no hello within ${this.#handshakeTimeoutMs} ms`,
          ),
        )
      }, this.#handshakeTimeoutMs)
    })
    // until Hello is done, a frame header declaring more than a Hello ends the connection
    // before the body is read (FRAME_TOO_LARGE), instead of buffering up to 16 MiB
    const maxFrameBytes = conn.maxFrameBytes
    conn.setMaxFrameBytes(Math.min(MAX_HELLO_FRAME_BYTES, maxFrameBytes))
    try {
      const sent = conn.writeMsg(HELLO_MSG, this.#hello!)
      const received = conn.readMsg()
      sent.catch(() => {})
      received.catch(() => {})
      const msg = await Promise.race([received, deadline])
      if (msg.code === DISCONNECT_MSG) {
        const reason = decodeDisconnect(msg.payload)
        throw new P2pError('REMOTE_DISCONNECT', disconnectReasonText(reason), { reason })
      }
      if (msg.code !== HELLO_MSG) {
        throw new P2pError('PROTOCOL_BREACH', `expected hello, got message code ${msg.code}`)
      }
      const hello = decodeHello(msg.payload)
      await Promise.race([sent, deadline])
      conn.setMaxFrameBytes(maxFrameBytes)
      return hello
    } finally {
      this.#clock.clearTimeout(timer)
    }
  }

  async #reject(
    conn: RlpxConnection | undefined,
    socket: Socket,
    err: unknown,
    dest: ENode | undefined,
  ): Promise<void> {
    this.#log.debug(
      { node: dest?.idHex, remote: socket.remoteAddress, err: (err as Error)?.message },
      'connection setup failed',
    )
    if (!conn) {
      socket.destroy()
      return
    }
    const remote = err instanceof P2pError && err.code === 'REMOTE_DISCONNECT'
    if (!remote && conn.error === undefined) {
      await sendDisconnect(conn, disconnectReasonFor(err), this.#clock)
    }
    await conn.close()
  }

  /** Counts `peer` as connected. */
  #register(peer: Peer): void {
    this.#registered.add(peer)
    this.#peers.set(peer.idHex, peer)
    if (peer.inbound) this.#inboundPeers++
    else this.#dialedPeers++
    this.#dialer?.peerAdded(peer.idHex, !peer.inbound)
  }

  /** Stops counting `peer` (idempotent; it may have been replaced before it ends). */
  #unregister(peer: Peer): void {
    if (!this.#registered.delete(peer)) return
    if (this.#peers.get(peer.idHex) === peer) this.#peers.delete(peer.idHex)
    if (peer.inbound) this.#inboundPeers--
    else this.#dialedPeers--
    this.#dialer?.peerRemoved(peer.idHex)
  }

  async #runPeer(peer: Peer): Promise<void> {
    this.#register(peer)
    const run = runPeer(peer)
    this.#peerRuns.add(run)
    this.#log.debug({ peer: peer.idHex, name: peer.name, inbound: peer.inbound }, 'peer added')
    this.#emit({
      type: 'add',
      peer: peer.idHex,
      localAddress: peer.localAddress,
      remoteAddress: peer.remoteAddress,
    })
    const err = await run
    this.#peerRuns.delete(run)
    this.#unregister(peer)
    const reason = disconnectReasonFor(err)
    this.#log.debug({ peer: peer.idHex, err: err.message }, 'peer dropped')
    this.#emit({
      type: 'drop',
      peer: peer.idHex,
      error: err,
      reason: err instanceof P2pError && err.reason !== undefined ? err.reason : reason,
      localAddress: peer.localAddress,
      remoteAddress: peer.remoteAddress,
    })
  }
}
