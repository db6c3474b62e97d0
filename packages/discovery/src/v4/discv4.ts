/**
 * The discovery v4 service: a thin facade that composes the parts, owns the lifecycle
 * and offers the public API. The parts, by name:
 * - `handlers.ts`: incoming packets and the answers to Ping, FindNode, ENRRequest;
 * - `requests.ts`: our Ping, FindNode and ENRRequest (the protocol the table runs on);
 * - `reply-matcher.ts`: requests awaiting replies, their deadlines;
 * - `bonds.ts`: endpoint proofs, the unbonded-reply rate limiter, Pings back;
 * - `../kad/`: the table, lookups, maintenance and the dial-candidate stream (shared by
 *   the discovery protocols).
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { isValidPrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
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
import type { LookupTarget, NetRestrict } from '../kad/protocol.js'
import { type BucketNodeSnapshot, bucketSnapshot } from '../kad/table-snapshot.js'
import { DEFAULT_LISTEN_ADDR } from './constants.js'
import { composeParts, type Discv4Parts } from './parts.js'
import type { PongInfo } from './requests.js'
import { type Discv4Stats, emptyStats } from './stats.js'
import { type DatagramTransport, type UdpAddress, UdpTransport } from './transport.js'

/** Options of {@link Discv4}. */
export interface Discv4Options {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /**
   * Our record, made by the caller for this key (`LocalNode.create`) and shared with the
   * p2p server, so ENRRequest serves its capabilities. Discovery writes its UDP port
   * into it at start (and its IP, when the record has none).
   */
  readonly localNode: LocalNode
  /**
   * The node database (`NodeDB.open`): bonds, find failures, seeds. The caller opens it
   * and closes it after `stop()`; discovery never does.
   */
  readonly db: NodeDB
  /** UDP listen address, `host:port` (default `:30303`; port 0 for any free port). */
  readonly listenAddr?: string
  /** Nodes to start from: `ENode`s, `enode://` URLs or `enr:` records. */
  readonly bootnodes?: readonly (ENode | string)[]
  /** Default silent; `consoleLogger()` from @devp2p/common or a pino logger. */
  readonly logger?: Logger
  readonly clock?: Clock
  /**
   * A transport instead of a UDP socket (tests, simulations); `listenAddr` is then
   * ignored. It is handed over: `stop()` (or a failed `start()`) closes it, once.
   */
  readonly transport?: DatagramTransport
  /** Only nodes in these networks are added or returned (a `NetList` from @devp2p/enode fits). */
  readonly netRestrict?: NetRestrict
  /** Random source (default Math.random), for revalidation timing and random targets. */
  readonly random?: () => number
}

/** Events of {@link Discv4}. */
export type Discv4Events = KademliaEvents

const noop = (): void => {}

/**
 * Discovery v4 (devp2p discv4.md with EIP-868) over UDP: answers Ping, FindNode and
 * ENRRequest, keeps a Kademlia table of live nodes, and finds nodes with iterative
 * lookups. Behaves as go-ethereum does where the spec leaves room: endpoint proof before
 * FindNode and ENRRequest, replies matched on node id, IP and (Pong) ping hash, packets of
 * at most 1280 bytes, table IP limits, no inbound table additions before the first
 * refresh. Nothing starts itself: call `start()`.
 *
 * @example
 * ```ts
 * const db = await NodeDB.open()
 * const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1' })
 * const disc = new Discv4({ privateKey, localNode, db, listenAddr: '127.0.0.1:0', bootnodes })
 * await disc.start()
 * const nodes = await disc.lookup()
 * await disc.stop()
 * await db.close()
 * ```
 */
export class Discv4 extends EventEmitter<Discv4Events> {
  readonly id: NodeId
  readonly idHex: NodeIdHex
  readonly stats: Discv4Stats = emptyStats()
  readonly #privateKey: Uint8Array
  readonly #publicKey: Uint8Array
  readonly #localNode: LocalNode
  readonly #db: NodeDB
  readonly #listenAddr: string
  readonly #bootnodes: readonly ENode[]
  readonly #log: Logger
  readonly #clock: Clock
  readonly #random: () => number
  readonly #netRestrict: NetRestrict | undefined
  readonly #givenTransport: DatagramTransport | undefined
  readonly #abort = new AbortController()
  #parts: Discv4Parts | undefined
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new'
  /** The socket bound at start, or the transport handed in, once start() took it. */
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
  constructor(options: Discv4Options) {
    super()
    if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
      throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
    }
    if (!(options.localNode instanceof LocalNode)) {
      throw new TypeError('localNode is required: LocalNode.create({ privateKey, db, ... })')
    }
    if (!(options.db instanceof NodeDB)) throw new TypeError('db is required: NodeDB.open()')
    // a copy also when the key is a Buffer, whose slice() is a view of the caller's key
    this.#privateKey = new Uint8Array(options.privateKey)
    this.#publicKey = publicKeyFromPrivate(this.#privateKey)
    this.id = nodeIdFromPublicKey(this.#publicKey)
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
    this.#givenTransport = options.transport
    this.#gate.catch(noop)
  }

  /** Our node record (the caller's, with our UDP port once started). */
  get localNode(): LocalNode {
    return this.#localNode
  }

  /** Our node as the network sees it. */
  self(): ENode {
    return this.#localNode.node
  }

  /**
   * The bound UDP address (also after `stop()`: where it was bound).
   * @throws DiscoveryError `NOT_STARTED` before `start()` bound the socket or took the
   *   transport handed in.
   */
  get address(): UdpAddress {
    if (!this.#transport) throw new DiscoveryError('NOT_STARTED', 'discovery is not started')
    return this.#transport.address
  }

  /** Nodes in the table (none before start). */
  tableNodes(): ENode[] {
    return this.#parts?.kad.table.nodes().map((entry) => entry.node) ?? []
  }

  /**
   * A copy of the table, one array per bucket (17, closest first), each node with when it
   * entered the table and its bucket, its liveness checks and whether it is validated live:
   * geth's `TableBuckets`, what `debug_discoveryV4Table` answers. Empty buckets before start.
   */
  tableBuckets(): BucketNodeSnapshot[][] {
    return bucketSnapshot(this.#parts?.kad.table)
  }

  get tableSize(): number {
    return this.#parts?.kad.table.size ?? 0
  }

  /**
   * Binds the socket, seeds the table and starts the refresh and revalidation loops.
   * A failed start leaves the service stopped, with nothing open: the socket it bound
   * (or the transport handed in) is closed, every request rejects with `CLOSED` and
   * `stop()` resolves. To try again, make a new `Discv4`.
   * @throws the bind error (e.g. `EADDRINUSE`), the error that ended the start (say, of a
   *   `node:added` listener while seeding), or DiscoveryError `CLOSED` after `stop()`.
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
        publicKey: this.#publicKey,
        localNode: this.#localNode,
        db: this.#db,
        transport,
        bootnodes: this.#bootnodes,
        clock: this.#clock,
        log: this.#log,
        random: this.#random,
        netRestrict: this.#netRestrict,
        stats: this.stats,
        signal: this.#abort.signal,
      })
      parts.kad.on('node:added', (node) => this.emit('node:added', node))
      parts.kad.on('node:removed', (node) => this.emit('node:removed', node))
      this.#parts = parts
      this.#state = 'running'
      this.#openGate(true)
      await parts.maintenance.start()
    } catch (err) {
      // nothing half-open stays behind: a failed start shuts down what it opened, once
      // (stop() then resolves with the same shutdown)
      this.#shutdown ??= this.#shutdownInner().catch(noop)
      await this.#shutdown
      throw err
    }
    this.#log.info({ id: this.idHex, udp: this.#transport.address.port }, 'discv4 started')
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

  /** Stops the parts and closes the transport: the one way down, from stop() or a failed start. */
  async #shutdownInner(): Promise<void> {
    this.#state = 'stopped'
    this.#abort.abort()
    this.#openGate(false)
    const parts = this.#parts
    if (parts) {
      parts.matcher.closeAll()
      parts.bonds.wakeAll()
      await parts.maintenance.stop()
    }
    // the socket we bound, or the transport handed in (handed over: ours to close)
    await (this.#transport ?? this.#givenTransport)?.close()
  }

  /** The parts, or the error a request before start or after stop rejects with. */
  #running(): Discv4Parts {
    if (this.#state === 'stopped') throw new DiscoveryError('CLOSED', 'discovery is stopped')
    if (this.#state !== 'running' || !this.#parts) {
      throw new DiscoveryError('NOT_STARTED', 'discovery is not started: call start()')
    }
    return this.#parts
  }

  /**
   * Pings `node` and resolves with its Pong (which also makes a bond: it may then ask us
   * for nodes, and we know its endpoint is real).
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `NOT_STARTED` or `CLOSED`.
   */
  async ping(node: ENode): Promise<PongInfo> {
    return this.#running().requests.ping(node)
  }

  /**
   * Asks `node` for its current record (EIP-868), after making sure we have a bond.
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `INVALID_RESPONSE` (another
   *   node's record), `NOT_STARTED` or `CLOSED`.
   */
  async requestEnr(node: ENode): Promise<Enr> {
    return this.#running().requests.requestEnr(node)
  }

  /**
   * An iterative Kademlia lookup (α = 3) for the nodes closest to `target`, starting from
   * the 16 closest in the table. discv4 names targets by public key (FindNode carries one;
   * the distance is to its keccak256): pass a node or a 64-byte key; without one, a
   * random target is used. Every node found is offered to the table. Resolves with up to
   * 16 nodes, closest first (what it has when the service stops or `signal` aborts; `[]`
   * when called after `stop()`: a lookup never rejects for stopping).
   * @throws RangeError for a key that is not 64 bytes; DiscoveryError `NOT_STARTED`.
   */
  async lookup(target?: ENode | Uint8Array, options: LookupOptions = {}): Promise<ENode[]> {
    if (this.#state === 'stopped') return []
    const { kad, requests } = this.#running()
    return kad.lookup(target === undefined ? requests.randomTarget() : targetOf(target), options)
  }

  /**
   * The current version of `node`: its latest record when it answers ENRRequest, else
   * the freshest we know (the table's, or a lookup's result for its key). Resolves
   * undefined when nothing is known and the lookup does not find it.
   * @throws DiscoveryError `NOT_STARTED` or `CLOSED`.
   */
  async resolve(node: ENode): Promise<ENode | undefined> {
    return this.#running().kad.resolve(node, targetOf(node))
  }

  /**
   * Refreshes the table: seeds it again when it is empty, then a lookup of our own id and
   * three random lookups (geth's doRefresh). Runs at start and every 30 minutes.
   * @throws DiscoveryError `NOT_STARTED` or `CLOSED`.
   */
  async refresh(): Promise<void> {
    return this.#running().maintenance.refresh()
  }

  /**
   * An endless stream of nodes for the server to dial (a `NodeSource` of @devp2p/p2p):
   * the results of random lookups, each node offered at most once per REOFFER_AFTER_MS.
   * It never starts the service: before `start()` it waits for it. It ends when `signal`
   * aborts, when the service stops, or when its start fails.
   */
  async *randomNodes(
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ENode, void, undefined> {
    if (!(await this.#whenRunning(options.signal))) return
    const { kad, requests } = this.#parts!
    yield* randomNodes(kad, requests, this.#clock, options)
  }

  /** Resolves true once running; false when stopped, the start failed, or `signal` aborts. */
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

/** A lookup target from a node or a 64-byte public key. */
function targetOf(target: ENode | Uint8Array): LookupTarget {
  const key = target instanceof ENode ? target.publicKey : target
  if (!(key instanceof Uint8Array) || key.length !== 64) {
    throw new RangeError('a lookup target is a 64-byte public key')
  }
  return { id: keccak256(key), key }
}
