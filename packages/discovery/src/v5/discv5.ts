/**
 * The discovery v5 service: a thin facade that composes the parts, owns the lifecycle
 * and offers the public API. The parts, by name:
 * - `session-layer.ts`: sessions, WHOAREYOU challenges and handshakes, packets in and out;
 * - `pending-requests.ts`: our requests awaiting responses, their deadlines;
 * - `requests.ts`: PING, FINDNODE, TALKREQ (the protocol the table runs on);
 * - `handlers.ts`: answers to PING, FINDNODE and TALKREQ; `talk.ts`: talk protocols;
 * - `../kad/`: the table, lookups, maintenance and the dial-candidate stream (shared
 *   with discovery v4).
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { isValidPrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import {
  ENode,
  type Enr,
  LocalNode,
  NodeDB,
  type NodeId,
  type NodeIdHex,
  nodeIdFromPublicKey,
  nodeIdHex,
  parseNode,
} from '@devp2p/enode'
import { EventEmitter } from 'eventemitter3'
import { DiscoveryError } from '../errors.js'
import type { KademliaEvents } from '../kad/kademlia.js'
import type { LookupOptions } from '../kad/lookup.js'
import { randomNodes } from '../kad/node-stream.js'
import type { NetRestrict } from '../kad/protocol.js'
import { type BucketNodeSnapshot, bucketSnapshot } from '../kad/table-snapshot.js'
import { type DatagramTransport, type UdpAddress, UdpTransport } from '../v4/transport.js'
import { DEFAULT_LISTEN_ADDR, NODE_ID_BYTES } from './constants.js'
import { composeParts, type Discv5Parts } from './parts.js'
import type { Discv5Pong } from './requests.js'
import { type Discv5Stats, emptyStats } from './stats.js'
import { type TalkHandler, TalkProtocols } from './talk.js'

/** Options of {@link Discv5}. */
export interface Discv5Options {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /**
   * Our record, made by the caller for this key (`LocalNode.create`) and shared with the
   * p2p server (and discovery v4). Discovery writes its UDP port into it at start (and
   * its IP, when the record has none); its updates reach peers through PONG's seq.
   */
  readonly localNode: LocalNode
  /** The node database (`NodeDB.open`), owned by the caller: seeds and find failures. */
  readonly db: NodeDB
  /** UDP listen address, `host:port` (default `:30303`; port 0 for any free port). */
  readonly listenAddr?: string
  /** Nodes to start from: `ENode`s, `enr:` records or `enode://` URLs. */
  readonly bootnodes?: readonly (ENode | string)[]
  /** Default silent; `consoleLogger()` from @devp2p/common or a pino logger. */
  readonly logger?: Logger
  readonly clock?: Clock
  /**
   * A transport instead of a UDP socket (tests, simulations, a socket shared with v4);
   * `listenAddr` is then ignored. It is handed over: `stop()` closes it, once.
   */
  readonly transport?: DatagramTransport
  /** Only nodes in these networks are added or returned (a `NetList` from @devp2p/enode fits). */
  readonly netRestrict?: NetRestrict
  /** Random source (default Math.random), for revalidation timing and random targets. */
  readonly random?: () => number
  /** Sessions kept, the least recently used dropped first (default `SESSION_CACHE_MAX_ENTRIES`, 1024). */
  readonly maxSessions?: number
}

/** Events of {@link Discv5}. */
export type Discv5Events = KademliaEvents

const noop = (): void => {}

/**
 * Discovery v5.1 (devp2p discv5-wire.md, discv5-theory.md) over UDP: sessions made by
 * WHOAREYOU handshakes and kept per node id and ip:port, PING, FINDNODE by distance and
 * TALKREQ both ways, on the Kademlia table, lookups and maintenance shared with
 * discovery v4. Nothing starts itself: call `start()`.
 *
 * @example
 * ```ts
 * const db = await NodeDB.open()
 * const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1' })
 * const disc = new Discv5({ privateKey, localNode, db, listenAddr: '127.0.0.1:0', bootnodes })
 * disc.registerTalkProtocol('echo', (request) => request)
 * await disc.start()
 * const nodes = await disc.lookup()
 * await disc.stop()
 * await db.close()
 * ```
 */
export class Discv5 extends EventEmitter<Discv5Events> {
  readonly id: NodeId
  readonly idHex: NodeIdHex
  readonly stats: Discv5Stats = emptyStats()
  readonly #privateKey: Uint8Array
  readonly #localNode: LocalNode
  readonly #db: NodeDB
  readonly #listenAddr: string
  readonly #bootnodes: readonly ENode[]
  readonly #log: Logger
  readonly #clock: Clock
  readonly #random: () => number
  readonly #netRestrict: NetRestrict | undefined
  readonly #maxSessions: number | undefined
  readonly #givenTransport: DatagramTransport | undefined
  readonly #talk = new TalkProtocols()
  readonly #abort = new AbortController()
  #parts: Discv5Parts | undefined
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new'
  #transport: DatagramTransport | undefined
  #started: Promise<void> | undefined
  #stopped: Promise<void> | undefined
  #shutdown: Promise<void> | undefined
  #openGate!: (running: boolean) => void
  readonly #gate = new Promise<boolean>((resolve) => {
    this.#openGate = resolve
  })

  /**
   * @throws TypeError when `privateKey` is not a valid key, `localNode` is not a
   *   `LocalNode` of that key, or `db` is not a `NodeDB`.
   */
  constructor(options: Discv5Options) {
    super()
    if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
      throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
    }
    if (!(options.localNode instanceof LocalNode)) {
      throw new TypeError('localNode is required: LocalNode.create({ privateKey, db, ... })')
    }
    if (!(options.db instanceof NodeDB)) throw new TypeError('db is required: NodeDB.open()')
    this.#privateKey = new Uint8Array(options.privateKey)
    this.id = nodeIdFromPublicKey(publicKeyFromPrivate(this.#privateKey))
    this.idHex = nodeIdHex(this.id)
    if (options.localNode.id.some((b, i) => b !== this.id[i])) {
      throw new TypeError('localNode belongs to another key than privateKey')
    }
    this.#localNode = options.localNode
    this.#db = options.db
    this.#listenAddr = options.listenAddr ?? DEFAULT_LISTEN_ADDR
    this.#bootnodes = (options.bootnodes ?? []).map((n) => (n instanceof ENode ? n : parseNode(n)))
    this.#log = options.logger ?? silentLogger
    this.#clock = options.clock ?? systemClock
    this.#random = options.random ?? Math.random
    this.#netRestrict = options.netRestrict
    this.#maxSessions = options.maxSessions
    this.#givenTransport = options.transport
    this.#gate.catch(noop)
  }

  /** Our node record (the caller's, with our UDP port once started). */
  get localNode(): LocalNode {
    return this.#localNode
  }

  /** Our node as the network sees it (with its record: `self().toEnrText()`). */
  self(): ENode {
    return this.#localNode.node
  }

  /** The bound UDP address. @throws DiscoveryError `NOT_STARTED` before `start()`. */
  get address(): UdpAddress {
    if (!this.#transport) throw new DiscoveryError('NOT_STARTED', 'discovery is not started')
    return this.#transport.address
  }

  /** Nodes in the table (none before start). */
  tableNodes(): ENode[] {
    return this.#parts?.kad.table.nodes().map((entry) => entry.node) ?? []
  }

  /** A copy of the table, one array per bucket (17, closest first), as `Discv4.tableBuckets`. */
  tableBuckets(): BucketNodeSnapshot[][] {
    return bucketSnapshot(this.#parts?.kad.table)
  }

  get tableSize(): number {
    return this.#parts?.kad.table.size ?? 0
  }

  /** Sessions held (at most `maxSessions`). */
  get sessionCount(): number {
    return this.#parts?.sessions.size ?? 0
  }

  /**
   * Answers TALKREQs for `name` with `handler` (replacing an earlier one). Works before
   * and after `start()`. A protocol without a handler gets an empty TALKRESP.
   * @throws TypeError when `name` is empty or `handler` not a function.
   */
  registerTalkProtocol(name: string, handler: TalkHandler): void {
    this.#talk.register(name, handler)
  }

  /** Stops answering TALKREQs for `name`; returns whether it had a handler. */
  unregisterTalkProtocol(name: string): boolean {
    return this.#talk.unregister(name)
  }

  /**
   * Binds the socket, seeds the table and starts the refresh and revalidation loops. A
   * failed start leaves the service stopped with nothing open; make a new `Discv5`.
   * @throws the bind error (e.g. `EADDRINUSE`), or DiscoveryError `CLOSED` after `stop()`.
   */
  start(): Promise<void> {
    if (this.#state === 'stopped') {
      return Promise.reject(new DiscoveryError('CLOSED', 'discovery was stopped'))
    }
    this.#started ??= this.#startInner()
    return this.#started
  }

  async #startInner(): Promise<void> {
    this.#state = 'starting'
    try {
      const transport = this.#givenTransport ?? (await UdpTransport.bind(this.#listenAddr))
      this.#transport = transport
      const bound = transport.address
      const wildcard = bound.ip === '0.0.0.0' || bound.ip === '::'
      const changes: { udp: number; ip?: string } = { udp: bound.port }
      if (this.#localNode.node.ip === undefined) changes.ip = wildcard ? '127.0.0.1' : bound.ip
      this.#localNode.setEndpoints(changes)
      const parts = composeParts({
        privateKey: this.#privateKey,
        localNode: this.#localNode,
        db: this.#db,
        transport,
        bootnodes: this.#bootnodes,
        clock: this.#clock,
        log: this.#log,
        random: this.#random,
        netRestrict: this.#netRestrict,
        stats: this.stats,
        talk: this.#talk,
        maxSessions: this.#maxSessions,
        signal: this.#abort.signal,
      })
      parts.kad.on('node:added', (node) => this.emit('node:added', node))
      parts.kad.on('node:removed', (node) => this.emit('node:removed', node))
      this.#parts = parts
      this.#state = 'running'
      this.#openGate(true)
      await parts.maintenance.start()
    } catch (err) {
      this.#shutdown ??= this.#shutdownInner().catch(noop)
      await this.#shutdown
      throw err
    }
    this.#log.info({ id: this.idHex, udp: this.#transport.address.port }, 'discv5 started')
  }

  /**
   * Stops every loop and request and closes the socket (or the transport handed in).
   * Idempotent; leaves no handle. The node database and the record stay the caller's.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#started?.catch(noop)
      this.#shutdown ??= this.#shutdownInner()
      await this.#shutdown
    })()
    return this.#stopped
  }

  async #shutdownInner(): Promise<void> {
    this.#state = 'stopped'
    this.#abort.abort()
    this.#openGate(false)
    const parts = this.#parts
    if (parts) {
      parts.pending.closeAll()
      await parts.maintenance.stop()
    }
    await (this.#transport ?? this.#givenTransport)?.close()
  }

  #running(): Discv5Parts {
    if (this.#state === 'stopped') throw new DiscoveryError('CLOSED', 'discovery is stopped')
    if (this.#state !== 'running' || !this.#parts) {
      throw new DiscoveryError('NOT_STARTED', 'discovery is not started: call start()')
    }
    return this.#parts
  }

  /**
   * PINGs `node` (a handshake first when we hold no session with it) and resolves with
   * its PONG: its record's seq and our endpoint as it saw it.
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `NOT_STARTED` or `CLOSED`.
   * @throws RangeError when the node has no UDP endpoint.
   */
  async ping(node: ENode | string): Promise<Discv5Pong> {
    return this.#running().requests.ping(nodeOf(node))
  }

  /**
   * FINDNODE to `node` for log `distances` (0–256; 0 asks for its own record): resolves
   * with the nodes of its answer that lie at a requested distance and that we may use
   * (relay rules, `netRestrict`), at most 16.
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `NOT_STARTED` or `CLOSED`.
   * @throws RangeError for distances out of range, or a node without a UDP endpoint.
   */
  async findNode(node: ENode | string, distances: readonly number[]): Promise<ENode[]> {
    return this.#running().requests.findNodeDistances(nodeOf(node), distances)
  }

  /**
   * Asks `node` for its current record (FINDNODE of distance 0).
   * @throws DiscoveryError `INVALID_RESPONSE` (no record of its own), `TIMEOUT`,
   *   `TOO_MANY_REQUESTS`, `NOT_STARTED` or `CLOSED`.
   */
  async requestEnr(node: ENode | string): Promise<Enr> {
    return this.#running().requests.requestEnr(nodeOf(node))
  }

  /**
   * TALKREQ of `protocol` to `node`; resolves with its TALKRESP payload (empty when the
   * node does not speak the protocol).
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `NOT_STARTED` or `CLOSED`.
   * @throws RangeError when the request does not fit one packet (`MAX_REQUEST_MESSAGE_BYTES`).
   */
  async talkRequest(
    node: ENode | string,
    protocol: string | Uint8Array,
    request: Uint8Array,
  ): Promise<Uint8Array> {
    const name = typeof protocol === 'string' ? new TextEncoder().encode(protocol) : protocol
    return this.#running().requests.talkRequest(nodeOf(node), name, request)
  }

  /**
   * An iterative Kademlia lookup (α = 3) for the nodes closest to `target` (a node, or a
   * 32-byte node id; random when absent), asking each node for three distances around
   * the target's. Every node found is offered to the table. Resolves with up to 16
   * nodes, closest first (`[]` after `stop()`: a lookup never rejects for stopping).
   * @throws RangeError for an id that is not 32 bytes; DiscoveryError `NOT_STARTED`.
   */
  async lookup(target?: ENode | Uint8Array, options: LookupOptions = {}): Promise<ENode[]> {
    if (this.#state === 'stopped') return []
    const { kad, requests } = this.#running()
    if (target === undefined) return kad.lookup(requests.randomTarget(), options)
    const id = target instanceof ENode ? target.id : target
    if (!(id instanceof Uint8Array) || id.length !== NODE_ID_BYTES) {
      throw new RangeError('a v5 lookup target is a 32-byte node id')
    }
    return kad.lookup({ id, key: id }, options)
  }

  /**
   * The current version of `node`: its latest record when it answers, else the freshest
   * we know (the table's, or a lookup's result for its id); undefined when nothing is known.
   * @throws DiscoveryError `NOT_STARTED` or `CLOSED`.
   */
  async resolve(node: ENode | string): Promise<ENode | undefined> {
    const n = nodeOf(node)
    return this.#running().kad.resolve(n, { id: n.id, key: n.id })
  }

  /**
   * Refreshes the table: seeds it again when empty, then a self lookup and three random
   * lookups. Runs at start and every 30 minutes.
   * @throws DiscoveryError `NOT_STARTED` or `CLOSED`.
   */
  async refresh(): Promise<void> {
    return this.#running().maintenance.refresh()
  }

  /**
   * An endless stream of nodes for the server to dial (a `NodeSource` of @devp2p/p2p):
   * the results of random lookups, each node offered at most once per REOFFER_AFTER_MS.
   * Before `start()` it waits for it; it ends when `signal` aborts or the service stops.
   */
  async *randomNodes(
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ENode, void, undefined> {
    if (!(await this.#whenRunning(options.signal))) return
    const { kad, requests } = this.#parts!
    yield* randomNodes(kad, requests, this.#clock, options)
  }

  #whenRunning(signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false)
    if (!signal) return this.#gate
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => resolve(false)
      signal.addEventListener('abort', onAbort, { once: true })
      void this.#gate.then((running) => {
        signal.removeEventListener('abort', onAbort)
        resolve(running)
      })
    })
  }
}

function nodeOf(node: ENode | string): ENode {
  return node instanceof ENode ? node : parseNode(node)
}
