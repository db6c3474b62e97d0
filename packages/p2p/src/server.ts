import { setMaxListeners } from 'node:events'
import type { Socket } from 'node:net'
import type { Logger } from '@devp2p/common'
import type { ENode, Enr, LocalNode } from '@devp2p/enode'
import { EventEmitter } from 'eventemitter3'
import { DialScheduler, type DialSource } from './dial.js'
import { DisconnectReason, disconnectReasonFor, disconnectReasonText, P2pError } from './errors.js'
import { EventFeed } from './event-feed.js'
import { ourHello } from './hello.js'
import { Listener } from './listener.js'
import { type NodeInfo, nodeInfo } from './node-info.js'
import { type Peer, type PeerInfo, runPeer } from './peer.js'
import type { PeerEvent } from './peer-event.js'
import { PeerSet } from './peer-set.js'
import {
  type NodeSource,
  type Protocol,
  protocolDialSources,
  recordWithAttributes,
  wantedBy,
} from './protocol.js'
import {
  type NodeLike,
  resolveOptions,
  type ServerConfig,
  type ServerOptions,
  toNode,
} from './server-options.js'
import { ConnectionSetup } from './setup.js'

/** The server's events. */
export type ServerEvents = {
  peer: [PeerEvent]
}

// bounded: one entry per live Server (weakly held)
const acceptors = new WeakMap<Server, (socket: Socket) => void>()

/**
 * Internal seam, not exported from the package: hands `socket` to `server` as its
 * listener would, so a test can present an in-memory stream or a non-LAN remote address.
 */
export function acceptInbound(server: Server, socket: Socket): void {
  acceptors.get(server)?.(socket)
}

/**
 * A devp2p node's server, as geth's `p2p.Server`: accepts and dials RLPx connections,
 * runs the Hello exchange and the base protocol, and runs every shared sub-protocol
 * with each peer. It keeps the peer limits geth keeps (maxPeers split by dialRatio,
 * pending handshakes, a per-IP inbound throttle), which are eclipse defences.
 *
 * Its parts: the {@link Listener} (inbound checks and handshake slots), the
 * {@link DialScheduler} (whom to dial) over a `NodeDialer` (how), the
 * {@link ConnectionSetup} (handshake, Hello, checks), the {@link PeerSet} (peers and
 * limits) and the {@link EventFeed} (`subscribeEvents`).
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
  readonly name: string
  readonly maxPeers: number
  readonly maxPendingPeers: number
  readonly dialRatio: number
  readonly protocols: readonly Protocol[]
  readonly #config: ServerConfig
  readonly #log: Logger
  readonly #peers: PeerSet
  readonly #listener: Listener
  readonly #setup: ConnectionSetup
  readonly #events = new EventFeed()
  // bounded: local configuration (the sources the caller adds)
  readonly #nodeSources: DialSource[]
  // bounded: one per connected peer, plus replaced ones not yet closed
  readonly #peerRuns = new Set<Promise<unknown>>()
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new'
  #started: Promise<void> | undefined
  #stopped: Promise<void> | undefined
  readonly #abort = new AbortController()
  #listenAddr = ''
  #localNode: LocalNode | undefined
  #dialer: DialScheduler | undefined
  #hello: Uint8Array | undefined

  /** @throws TypeError / RangeError for bad options (see {@link ServerOptions}). */
  constructor(options: ServerOptions) {
    super()
    const config = resolveOptions(options)
    this.#config = config
    this.name = config.name
    this.maxPeers = config.maxPeers
    this.maxPendingPeers = config.maxPendingPeers
    this.dialRatio = config.dialRatio
    this.protocols = config.protocols
    this.#log = config.logger
    this.#localNode = config.localNode
    this.#nodeSources = config.nodeSources.map((source) => ({ source, preferred: false }))
    // each part gets the fields it uses, not the whole config: only the setup sees the key
    const { privateKey, protocols, dialer, clock, logger, netRestrict, handshakeTimeoutMs } = config
    const { maxPeers, dialRatio, noDial, selfId: self, trustedIds: trusted } = config
    const reserved = config.reservedPeers
    const wanted = wantedBy(protocols)
    this.#peers = new PeerSet({ self, maxPeers, dialRatio, noDial, trusted, reserved, wanted })
    // every RLPx handshake in progress listens for the stop: up to maxPendingPeers per
    // direction at once is expected, not a leak worth Node's warning
    setMaxListeners(2 * this.maxPendingPeers + 10, this.#abort.signal)
    const live = (): boolean => this.#state === 'starting' || this.#state === 'running'
    this.#setup = new ConnectionSetup({
      privateKey,
      protocols,
      dialer,
      clock,
      logger,
      handshakeTimeoutMs,
      peers: this.#peers,
      signal: this.#abort.signal,
      hello: () => this.#hello!,
      live,
      isStatic: (id) => this.#dialer?.isStatic(id) ?? false,
      onMsgEvent: config.msgEvents ? (event) => this.#emit(event) : undefined,
      // tracked on its own, so the setup's frame is not kept alive for the peer's lifetime
      onPeer: (peer) => void this.#runPeer(peer),
    })
    this.#listener = new Listener({
      clock,
      logger,
      netRestrict,
      maxPending: config.maxPendingPeers,
      deadlineMs: handshakeTimeoutMs,
      live,
      admit: (socket, ticket) => this.#setup.accept(socket, ticket),
    })
    acceptors.set(this, (socket) => this.#listener.accept(socket))
  }

  /** Peers we may dial: maxPeers / dialRatio, at least 1 (0 with `noDial`). */
  get maxDialedPeers(): number {
    return this.#peers.maxDialed
  }

  /** Peers that may dial us: maxPeers minus {@link maxDialedPeers}. */
  get maxInboundPeers(): number {
    return this.#peers.maxInbound
  }

  /** The last slots of maxPeers, kept for peers a protocol wants (`reservedPeers`). */
  get reservedPeers(): number {
    return this.#peers.reserved
  }

  get running(): boolean {
    return this.#state === 'running'
  }

  /**
   * Our node record: the `localNode` option, or (after `start()`) the one the server made.
   * @throws P2pError `NOT_RUNNING` before `start()` when the server makes its own.
   */
  get localNode(): LocalNode {
    if (!this.#localNode) throw new P2pError('NOT_RUNNING', 'the server is not started')
    return this.#localNode
  }

  /**
   * Makes our record (unless `localNode` was given) with the protocols' attributes,
   * starts listening and dialing. Resolves once the listener is bound.
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
    const config = this.#config
    try {
      const key = { privateKey: config.privateKey, clock: config.clock, logger: this.#log }
      const localNode = await recordWithAttributes(this.#localNode, this.protocols, key)
      this.#localNode = localNode
      if (config.listen) {
        const bound = await this.#listener.listen(config.listen)
        this.#listenAddr = bound.listenAddr
        // an IP the record's owner set (a known public address) is theirs to keep
        localNode.setEndpoints({ ip: localNode.node.ip ?? bound.recordIp, tcp: bound.port })
      }
      this.#hello = ourHello({
        name: this.name,
        protocols: this.protocols,
        listenPort: localNode.node.tcp ?? 0,
        publicKey: config.publicKey,
      })
      if (!config.noDial) this.#startDialing()
      this.#state = 'running'
      this.#log.info({ id: config.selfId, enode: localNode.node.toEnodeUrl() }, 'server started')
    } catch (err) {
      this.#state = 'running'
      await this.stop()
      throw err
    }
  }

  #startDialing(): void {
    const config = this.#config
    const sources = [...this.#nodeSources, ...protocolDialSources(this.protocols)]
    this.#dialer = new DialScheduler({
      self: config.selfId,
      peers: this.#peers,
      maxActiveDials: this.maxPendingPeers,
      clock: config.clock,
      logger: this.#log,
      netRestrict: config.netRestrict,
      sources,
      dial: (node, kind) => this.#setup.dial(node, kind),
    })
    for (const node of config.staticNodes) this.#dialer.addStatic(node)
    this.#dialer.start()
  }

  /**
   * Disconnects every peer with "client quitting", stops listening and dialing, closes
   * every socket and timer it opened, and ends every `subscribeEvents` iteration. A
   * `localNode` given in the options stays open (its owner closes it). Idempotent: every
   * call returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stopInner()
    return this.#stopped
  }

  async #stopInner(): Promise<void> {
    if (this.#state === 'starting') await this.#started?.catch(() => {})
    this.#state = 'stopping'
    this.#abort.abort()
    const closed = this.#listener.close()
    this.#dialer?.stop()
    this.#setup.destroyAll()
    for (const peer of this.#peers.values()) peer.disconnect(DisconnectReason.Quitting)
    while (this.#peerRuns.size > 0) await Promise.allSettled([...this.#peerRuns])
    await closed
    // the record's last seq is stored before stop() resolves (a shared one's owner may
    // close its database next)
    await this.#localNode?.flush().catch(() => {})
    await this.#setup.settled()
    this.#events.close()
    this.#state = 'stopped'
    this.#log.info({ id: this.#config.selfId }, 'server stopped')
  }

  /** Our node as others see it (id, key, ENR and endpoints). */
  self(): ENode {
    return this.localNode.node
  }

  /** Our current signed node record. */
  get record(): Enr {
    return this.localNode.record
  }

  /**
   * The bound listen address, e.g. `127.0.0.1:30303` (empty when not listening); with
   * port 0 in `listenAddr`, the port the system chose.
   */
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

  /** Connections being dialed, in the encryption handshake or in the Hello exchange. */
  get pendingHandshakes(): number {
    return this.#setup.pending
  }

  /** Inbound connections waiting for a handshake slot (see `maxPendingPeers`). */
  get waitingInbound(): number {
    return this.#listener.waiting
  }

  /** Our node in geth's `admin_nodeInfo` shape. */
  nodeInfo(): NodeInfo {
    return nodeInfo({
      node: this.self(),
      name: this.name,
      listenAddr: this.#listenAddr,
      protocols: this.protocols,
    })
  }

  /** Every connected peer in geth's `admin_peers` shape, sorted by id. */
  peersInfo(): PeerInfo[] {
    return this.peers()
      .map((peer) => peer.info())
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * Adds a static node: it is dialed now and redialed whenever the connection drops.
   * @throws EnodeError for an invalid URL or record; TypeError for other values;
   *   P2pError `NOT_RUNNING` when the server is not started.
   */
  addPeer(node: NodeLike): ENode {
    const target = toNode(node, 'node')
    if (this.#state !== 'starting' && this.#state !== 'running') {
      throw new P2pError('NOT_RUNNING', 'the server is not running')
    }
    if (this.#dialer) this.#dialer.addStatic(target)
    else this.#log.warn({ node: target.idHex }, 'addPeer with noDial: the node is not dialed')
    return target
  }

  /**
   * Adds a source of dial candidates after construction (e.g. a discovery service that
   * shares this server's `localNode`). Ignored with `noDial`. A `preferred` source (one
   * that yields only nodes a protocol wants, as a protocol's `dialCandidates`) may dial
   * into the reserved slots (`reservedPeers`).
   * @throws TypeError when `source` has no `randomNodes`.
   */
  addNodeSource(source: NodeSource, options: { readonly preferred?: boolean } = {}): void {
    if (typeof source?.randomNodes !== 'function') {
      throw new TypeError('a node source has randomNodes({ signal })')
    }
    const entry = { source, preferred: options.preferred === true }
    this.#nodeSources.push(entry)
    this.#dialer?.addSource(entry)
  }

  /** Removes a static node and disconnects it if connected. */
  removePeer(node: NodeLike): void {
    const target = toNode(node, 'node')
    this.#dialer?.removeStatic(target.idHex)
    this.#peers.get(target.idHex)?.disconnect(DisconnectReason.Requested)
  }

  /** Marks a node trusted: exempt from the peer limits (also when already connected). */
  addTrustedPeer(node: NodeLike): void {
    this.#peers.setTrusted(toNode(node, 'node').idHex, true)
  }

  removeTrustedPeer(node: NodeLike): void {
    this.#peers.setTrusted(toNode(node, 'node').idHex, false)
  }

  /**
   * Peer events as an async iterable, until `signal` aborts or the server stops. A
   * subscriber that falls more than `MAX_SUBSCRIBER_BACKLOG` events behind gets the
   * events it holds, then a `P2pError` with code `EVENTS_OVERFLOW`.
   */
  subscribeEvents(options: { signal?: AbortSignal } = {}): AsyncIterable<PeerEvent> {
    return this.#events.subscribe(options)
  }

  #emit(event: PeerEvent): void {
    this.#events.publish(event)
    try {
      this.emit('peer', event)
    } catch (err) {
      // a listener's bug must not take the server (or the peer) down with it
      this.#log.error({ err: String(err), type: event.type }, 'peer event listener threw')
    }
  }

  /** Runs a peer the setup registered in the peer set until it drops. */
  async #runPeer(peer: Peer): Promise<void> {
    const run = runPeer(peer)
    this.#peerRuns.add(run)
    const { localAddress, remoteAddress } = peer
    this.#log.info({ peer: peer.idHex, name: peer.name, inbound: peer.inbound }, 'peer added')
    this.#emit({ type: 'add', peer: peer.idHex, localAddress, remoteAddress })
    const err = await run
    this.#peerRuns.delete(run)
    this.#peers.remove(peer)
    this.#dialer?.peerRemoved()
    const reason = disconnectReasonFor(err)
    this.#log.info(
      { peer: peer.idHex, reason: disconnectReasonText(reason), err: err.message },
      'peer dropped',
    )
    this.#emit({
      type: 'drop',
      peer: peer.idHex,
      error: err,
      reason,
      localAddress,
      remoteAddress,
    })
  }
}
