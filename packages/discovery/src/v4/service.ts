import {
  type Clock,
  type Logger,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@devp2p/common'
import { equalBytes, isValidPrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import {
  checkRelayIp,
  compareDistance,
  ENode,
  type Enr,
  LocalNode,
  NodeDB,
  type NodeId,
  type NodeIdHex,
  nodeIdFromHex,
  nodeIdFromPublicKey,
  nodeIdHex,
  parseNode,
} from '@devp2p/enode'
import { EventEmitter } from 'eventemitter3'
import { BondCache, type BondTimes } from './bond-cache.js'
import { BUCKET_SIZE } from './constants.js'
import {
  type DecodedPacket,
  decodePacket,
  type Endpoint,
  encodePacket,
  expirationFrom,
  isExpired,
  MAX_NEIGHBORS_PER_PACKET,
  type NeighborsNode,
  type Packet,
} from './packets.js'
import { Table } from './table.js'
import { type DatagramTransport, type UdpAddress, UdpTransport } from './transport.js'
import { UnbondedRateLimiter } from './unbonded-rate.js'

/**
 * Runs `fn` once the I/O that is already waiting has been handled. A stalled process
 * (a loaded machine) runs the timers that fell due before it reads its sockets, so a
 * reply that arrived during the stall would lose to its own timeout; a timeout decided
 * here (in the check phase, after the poll) sees that reply first.
 */
function afterPendingIo(fn: () => void): void {
  setImmediate(fn)
}

/** A request refused because MAX_PENDING_REPLIES replies are awaited already. */
function tooManyInFlight(): Discv4RequestError {
  return new Discv4RequestError('TIMEOUT', 'too many requests in flight')
}

/** How long we wait for a reply to a request (geth: 500 ms). */
export const RESPONSE_TIMEOUT_MS = 500
/** A Pong from a node proves its endpoint for this long (geth: 24 h; the spec says 12 h). */
export const BOND_EXPIRATION_MS = 24 * 3600_000
/** Concurrent FindNode requests of one lookup (Kademlia's α). */
export const LOOKUP_ALPHA = 3
/** FindNode failures after which a node leaves the table (geth: 5). */
export const MAX_FINDNODE_FAILURES = 5
/** How often the table is refreshed with a self lookup and three random ones (geth: 30 min). */
export const REFRESH_INTERVAL_MS = 30 * 60_000
/** Mean interval between revalidation pings of one table node (geth: 10 s). */
export const REVALIDATE_INTERVAL_MS = 10_000
/** Nodes from the database seeded at start, seen within this long (geth: 30 nodes, 5 days). */
export const SEED_COUNT = 30
export const SEED_MAX_AGE_MS = 5 * 24 * 3600_000
/** `randomNodes` offers the same node again only after this long (the dialer's history is 35 s). */
export const REOFFER_AFTER_MS = 30_000
/** Node ids one `randomNodes` stream remembers offering; the oldest offer is forgotten first. */
export const REOFFER_MAX_IDS = 1000
/** Requests awaiting replies, at most. */
export const MAX_PENDING_REPLIES = 2048
/** Pings back to new senders (their endpoint proof) awaiting Pongs, at most: half the pending slots. */
export const MAX_PING_BACKS_IN_FLIGHT = MAX_PENDING_REPLIES / 2
/** Incoming requests (Ping, FindNode, ENRRequest) being handled at once; beyond it they are dropped. */
export const MAX_HANDLERS_IN_FLIGHT = 1024

/** Options of {@link Discv4}. */
export interface Discv4Options {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /** UDP listen address, `host:port` (default `:30303`; port 0 for any free port). */
  readonly listenAddr?: string
  /** Nodes to start from: `ENode`s, `enode://` URLs or `enr:` records. */
  readonly bootnodes?: readonly (ENode | string)[]
  /** The node database (in memory when absent): bonds, find failures, seeds, our seq. */
  readonly db?: NodeDB
  /** Our record, shared with the server so ENRRequest serves its capabilities. */
  readonly localNode?: LocalNode
  readonly logger?: Logger
  readonly clock?: Clock
  /** A transport instead of a UDP socket (tests, simulations); `listenAddr` is then ignored. */
  readonly transport?: DatagramTransport
  /** Only nodes in these networks are added or returned (a `NetList` from @devp2p/p2p fits). */
  readonly netRestrict?: { contains(ip: string): boolean }
  /** Random source (default Math.random), for revalidation timing and random targets. */
  readonly random?: () => number
}

/** Options of {@link Discv4.lookup}. */
export interface LookupOptions {
  readonly signal?: AbortSignal
  /** Filled in as the lookup runs (for simulations and benchmarks). */
  readonly stats?: LookupStats
}

/** What one lookup did. */
export interface LookupStats {
  /** FindNode requests sent. */
  queries: number
  /** Requests that brought no node (timeouts included). */
  failed: number
  /** The longest chain of answers a queried node was learned through (1 = from the table). */
  hops: number
}

/** Counters for monitoring and benchmarks. */
export interface Discv4Stats {
  packetsIn: number
  packetsOut: number
  bytesIn: number
  bytesOut: number
  /** Packets dropped because they did not decode or verify. */
  invalid: number
  /** Packets dropped for a rule: expired, unsolicited, no bond, rate. */
  ignored: number
  /** Requests that got no (complete) reply in time. */
  timeouts: number
  /** Bonds we waited for in vain: the node did not ping us back in time. */
  bondWaitsExpired: number
}

/** Events of {@link Discv4}. */
export type Discv4Events = {
  /** A node entered the table. */
  'node:added': [ENode]
  /** A node left the table. */
  'node:removed': [ENode]
}

interface PendingReply {
  readonly id: NodeIdHex
  readonly ip: string
  readonly type: Packet['type']
  /** Returns whether the packet answers this request, and whether the request is done. */
  readonly match: (packet: Packet, decoded: DecodedPacket) => { matched: boolean; done: boolean }
  readonly timer: TimerHandle
  readonly finish: (error?: Error) => void
}

/** Why a discovery request failed. */
export class Discv4RequestError extends Error {
  override readonly name = 'Discv4RequestError'
  readonly code: 'TIMEOUT' | 'CLOSED' | 'INVALID_RESPONSE'
  constructor(code: 'TIMEOUT' | 'CLOSED' | 'INVALID_RESPONSE', message: string) {
    super(message)
    this.code = code
  }
}

const noop = (): void => {}

function endpointOf(node: { ip?: string | undefined; udp?: number | undefined }): UdpAddress {
  return { ip: node.ip ?? '', port: node.udp ?? 0 }
}

/**
 * Discovery v4 (devp2p discv4.md with EIP-868) over UDP: answers Ping, FindNode and
 * ENRRequest, keeps a Kademlia table of live nodes, and finds nodes with iterative
 * lookups. Behaves as go-ethereum does where the spec leaves room: endpoint proof before
 * FindNode and ENRRequest, replies matched on node id, IP and (Pong) ping hash, packets of
 * at most 1280 bytes, table IP limits, no inbound table additions before the first
 * refresh.
 *
 * @example
 * ```ts
 * const disc = new Discv4({ privateKey, listenAddr: '0.0.0.0:30303', bootnodes })
 * await disc.start()
 * const nodes = await disc.lookup()
 * server.addNodeSource(disc) // or: new Server({ nodeSource: disc, ... })
 * await disc.stop()
 * ```
 */
export class Discv4 extends EventEmitter<Discv4Events> {
  readonly #privateKey: Uint8Array
  readonly #publicKey: Uint8Array
  readonly id: NodeId
  readonly idHex: NodeIdHex
  readonly #listenAddr: string
  readonly #bootnodes: readonly ENode[]
  readonly #log: Logger
  readonly #clock: Clock
  readonly #random: () => number
  readonly #netRestrict: { contains(ip: string): boolean } | undefined
  #transport: DatagramTransport | undefined
  #db: NodeDB | undefined
  #ownsDb = false
  #localNode: LocalNode | undefined
  #table: Table | undefined
  // bounded: MAX_PENDING_REPLIES; only our requests add entries (a Ping from a new
  // sender makes us ping back, so senders reach it too; beyond it a request fails at once)
  readonly #pending = new Set<PendingReply>()
  // bounded: BOND_CACHE_MAX_ENTRIES (id, ip) pairs, an LRU; the database keeps the rest
  readonly #bonds = new BondCache()
  // bounded: UNBONDED_RATE_MAX_IPS IPs, the oldest window forgotten first
  readonly #unbondedRate: UnbondedRateLimiter
  // bounded: one waiter per #ensureBond call of our own requests (lookups: LOOKUP_ALPHA
  // each), each removed by its Ping or a RESPONSE_TIMEOUT_MS timer
  readonly #pingWaiters = new Map<string, Set<() => void>>()
  // bounded: MAX_HANDLERS_IN_FLIGHT; handlers wait on the node database, which on disk
  // can be slower than a flood of packets arrives
  #handlersInFlight = 0
  // bounded: MAX_PING_BACKS_IN_FLIGHT, of the MAX_PENDING_REPLIES pending slots
  #pingBacksInFlight = 0
  #refreshed = false
  #refreshing: Promise<void> | undefined
  #refreshTimer: TimerHandle | undefined
  #revalidateTimer: TimerHandle | undefined
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new'
  #started: Promise<void> | undefined
  #stopped: Promise<void> | undefined
  readonly #abort = new AbortController()
  readonly stats: Discv4Stats = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    invalid: 0,
    ignored: 0,
    timeouts: 0,
    bondWaitsExpired: 0,
  }

  constructor(options: Discv4Options) {
    super()
    if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
      throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
    }
    // a copy also when the key is a Buffer, whose slice() is a view of the caller's key
    this.#privateKey = new Uint8Array(options.privateKey)
    this.#publicKey = publicKeyFromPrivate(this.#privateKey)
    this.id = nodeIdFromPublicKey(this.#publicKey)
    this.idHex = nodeIdHex(this.id)
    this.#listenAddr = options.listenAddr ?? ':30303'
    this.#bootnodes = (options.bootnodes ?? []).map((n) => (n instanceof ENode ? n : parseNode(n)))
    this.#log = options.logger ?? silentLogger
    this.#clock = options.clock ?? systemClock
    this.#unbondedRate = new UnbondedRateLimiter(this.#clock)
    this.#random = options.random ?? Math.random
    this.#netRestrict = options.netRestrict
    this.#transport = options.transport
    this.#db = options.db
    this.#localNode = options.localNode
    if (this.#localNode?.id.some((b, i) => b !== this.id[i])) {
      throw new TypeError('localNode belongs to another key than privateKey')
    }
  }

  /** Our node record (after `start()`). */
  get localNode(): LocalNode {
    if (!this.#localNode) throw new Error('discovery is not started')
    return this.#localNode
  }

  /** Our node as the network sees it. */
  self(): ENode {
    return this.localNode.node
  }

  /** The bound UDP address. */
  get address(): UdpAddress {
    if (!this.#transport) throw new Error('discovery is not started')
    return this.#transport.address
  }

  /** Nodes in the table. */
  tableNodes(): ENode[] {
    return this.#table?.nodes().map((entry) => entry.node) ?? []
  }

  get tableSize(): number {
    return this.#table?.size ?? 0
  }

  /** Binds the socket, seeds the table and starts the refresh and revalidation loops. */
  start(): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new Error('discovery was stopped'))
    this.#started ??= this.#startInner()
    return this.#started
  }

  async #startInner(): Promise<void> {
    this.#state = 'starting'
    try {
      await this.#open()
    } catch (err) {
      // nothing half-open stays behind: a failed start closes what it opened
      this.#state = 'stopped'
      await this.#transport?.close().catch(noop)
      if (this.#ownsDb) await this.#db?.close().catch(noop)
      throw err
    }
    this.#state = 'running'
    await this.#seed()
    this.#scheduleRevalidation()
    this.#handle(this.refresh())
    this.#log.info({ id: this.idHex, udp: this.#transport!.address.port }, 'discv4 started')
  }

  async #open(): Promise<void> {
    if (!this.#db) {
      this.#db = await NodeDB.open({ clock: this.#clock, logger: this.#log })
      this.#ownsDb = true
    }
    this.#transport ??= await UdpTransport.bind(this.#listenAddr)
    const bound = this.#transport.address
    if (!this.#localNode) {
      this.#localNode = await LocalNode.create({
        privateKey: this.#privateKey,
        db: this.#db,
        clock: this.#clock,
        logger: this.#log,
        ip: bound.ip === '0.0.0.0' || bound.ip === '::' ? '127.0.0.1' : bound.ip,
        udp: bound.port,
      })
    } else {
      const changes: { udp: number; ip?: string } = { udp: bound.port }
      if (this.#localNode.node.ip === undefined) {
        changes.ip = bound.ip === '0.0.0.0' || bound.ip === '::' ? '127.0.0.1' : bound.ip
      }
      this.#localNode.setEndpoints(changes)
    }
    this.#table = new Table({ self: this.id, rand: this.#random })
    this.#transport.onMessage((bytes, from) => this.#onMessage(bytes, from))
  }

  /** Stops every loop and request and closes the socket (and the database it opened). Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stopInner()
    return this.#stopped
  }

  async #stopInner(): Promise<void> {
    await this.#started?.catch(noop)
    this.#state = 'stopped'
    this.#abort.abort()
    this.#clock.clearTimeout(this.#refreshTimer)
    this.#clock.clearTimeout(this.#revalidateTimer)
    for (const pending of [...this.#pending]) {
      pending.finish(new Discv4RequestError('CLOSED', 'discovery stopped'))
    }
    for (const waiters of [...this.#pingWaiters.values()]) for (const wake of [...waiters]) wake()
    await this.#refreshing?.catch(noop)
    await this.#transport?.close()
    if (this.#ownsDb) await this.#db?.close()
  }

  // ---- sending ------------------------------------------------------------------

  #send(packet: Packet, to: UdpAddress): Uint8Array {
    const { bytes, hash } = encodePacket(packet, this.#privateKey)
    this.stats.packetsOut++
    this.stats.bytesOut += bytes.length
    this.#transport?.send(bytes, to)
    return hash
  }

  #ourEndpoint(): Endpoint {
    const node = this.localNode.node
    return { ip: node.ip ?? '0.0.0.0', udp: node.udp ?? 0, tcp: node.tcp ?? 0 }
  }

  #expect(
    id: NodeIdHex,
    ip: string,
    type: Packet['type'],
    match: PendingReply['match'],
    onDone: (error?: Error) => void,
  ): void {
    if (this.#state !== 'running') {
      onDone(new Discv4RequestError('CLOSED', 'discovery is not running'))
      return
    }
    if (this.#pending.size >= MAX_PENDING_REPLIES) {
      onDone(tooManyInFlight())
      return
    }
    const pending: PendingReply = {
      id,
      ip,
      type,
      match,
      timer: this.#clock.setTimeout(
        () =>
          afterPendingIo(() => {
            if (!this.#pending.has(pending)) return
            this.stats.timeouts++
            pending.finish(
              new Discv4RequestError('TIMEOUT', `no ${type} within ${RESPONSE_TIMEOUT_MS} ms`),
            )
          }),
        RESPONSE_TIMEOUT_MS,
      ),
      finish: (error) => {
        if (!this.#pending.delete(pending)) return
        this.#clock.clearTimeout(pending.timer)
        onDone(error)
      },
    }
    this.#pending.add(pending)
  }

  /**
   * Pings `node` and resolves with its Pong (which also makes a bond: it may then ask us
   * for nodes, and we know its endpoint is real).
   * @throws Discv4RequestError `TIMEOUT` or `CLOSED`.
   */
  ping(node: ENode): Promise<{ enrSeq: bigint | undefined; to: Endpoint }> {
    return new Promise((resolve, reject) => {
      // a Ping whose Pong we could not track is not signed or sent: every new sender is
      // pinged back, so under a flood of new keys this saves a signature per packet
      if (this.#pending.size >= MAX_PENDING_REPLIES) {
        reject(tooManyInFlight())
        return
      }
      const to = endpointOf(node)
      const hash = this.#send(
        {
          type: 'ping',
          version: 4,
          from: this.#ourEndpoint(),
          to: { ip: to.ip, udp: to.port, tcp: node.tcp ?? 0 },
          expiration: expirationFrom(this.#clock.now()),
          enrSeq: this.localNode.seq,
        },
        to,
      )
      let pong: { enrSeq: bigint | undefined; to: Endpoint } | undefined
      this.#expect(
        node.idHex,
        to.ip,
        'pong',
        (packet) => {
          if (packet.type !== 'pong' || !equalBytes(packet.pingHash, hash)) {
            return { matched: false, done: false }
          }
          pong = { enrSeq: packet.enrSeq, to: packet.to }
          return { matched: true, done: true }
        },
        (error) => (error ? reject(error) : resolve(pong!)),
      )
    })
  }

  /**
   * Asks `node` for its current record (EIP-868), after making sure we have a bond.
   * @throws Discv4RequestError `TIMEOUT`, `CLOSED` or `INVALID_RESPONSE` (another node's record).
   */
  async requestEnr(node: ENode): Promise<Enr> {
    await this.#ensureBond(node)
    return new Promise<Enr>((resolve, reject) => {
      const to = endpointOf(node)
      const hash = this.#send(
        { type: 'enrrequest', expiration: expirationFrom(this.#clock.now()) },
        to,
      )
      let record: Enr | undefined
      this.#expect(
        node.idHex,
        to.ip,
        'enrresponse',
        (packet) => {
          if (packet.type !== 'enrresponse' || !equalBytes(packet.requestHash, hash)) {
            return { matched: false, done: false }
          }
          record = packet.record
          return { matched: true, done: true }
        },
        (error) => {
          if (error) return reject(error)
          if (!record || record.nodeId === undefined || nodeIdHex(record.nodeId) !== node.idHex) {
            return reject(new Discv4RequestError('INVALID_RESPONSE', 'record of another node'))
          }
          resolve(record)
        },
      )
    })
  }

  /** FindNode to `node` for `target` (a 64-byte public key); resolves with the nodes it sent. */
  async #findNode(node: ENode, target: Uint8Array): Promise<ENode[]> {
    await this.#ensureBond(node)
    const to = endpointOf(node)
    const found: ENode[] = []
    let received = 0
    const result = await new Promise<ENode[]>((resolve, reject) => {
      this.#send({ type: 'findnode', target, expiration: expirationFrom(this.#clock.now()) }, to)
      this.#expect(
        node.idHex,
        to.ip,
        'neighbors',
        (packet) => {
          if (packet.type !== 'neighbors') return { matched: false, done: false }
          const entries = packet.nodes.length + (packet.skipped ?? 0)
          received += entries
          for (const entry of packet.nodes) {
            const valid = this.#nodeFromNeighbors(entry, to.ip)
            if (valid) found.push(valid)
          }
          // Senders fill packets of 12 and send the rest last, so a short packet ends
          // the answer: no need to wait out the timeout as geth does (a sender that
          // splits otherwise loses us the nodes after its first short packet)
          return {
            matched: true,
            done: received >= BUCKET_SIZE || entries < MAX_NEIGHBORS_PER_PACKET,
          }
        },
        (error) => {
          // a node with fewer than 16 nodes to give is not a failure
          if (
            error &&
            !(received > 0 && error instanceof Discv4RequestError && error.code === 'TIMEOUT')
          ) {
            reject(error)
          } else resolve(found)
        },
      )
    })
    return result
  }

  /** A Neighbors entry as a node we may use, or undefined (geth's nodeFromRPC + checks). */
  #nodeFromNeighbors(entry: NeighborsNode, senderIp: string): ENode | undefined {
    if (entry.udp <= 1024) return undefined
    if (!checkRelayIp(senderIp, entry.ip)) return undefined
    if (this.#netRestrict && !this.#netRestrict.contains(entry.ip)) return undefined
    let node: ENode
    try {
      node = ENode.fromPublicKey(entry.publicKey, { ip: entry.ip, udp: entry.udp, tcp: entry.tcp })
    } catch {
      return undefined
    }
    return node.idHex === this.idHex ? undefined : node
  }

  // ---- bonds ----------------------------------------------------------------------

  #bondKey(id: NodeIdHex, ip: string): string {
    return `${id}@${ip}`
  }

  async #bondTimes(id: NodeIdHex, ip: string): Promise<BondTimes> {
    const key = this.#bondKey(id, ip)
    const cached = this.#bonds.get(key)
    if (cached) return cached
    const nodeId = nodeIdFromHex(id)
    const [pingReceived, pongReceived] = await Promise.all([
      this.#db!.lastPing(nodeId, ip).catch(() => undefined),
      this.#db!.lastPong(nodeId, ip).catch(() => undefined),
    ])
    const times = this.#bonds.get(key) ?? {
      pingReceived: pingReceived ?? 0,
      pongReceived: pongReceived ?? 0,
    }
    this.#bonds.remember(key, times)
    return times
  }

  #recordPing(id: NodeId, idHex: NodeIdHex, ip: string): void {
    const key = this.#bondKey(idHex, ip)
    const now = this.#clock.now()
    const times = this.#bonds.get(key) ?? { pingReceived: 0, pongReceived: 0 }
    times.pingReceived = now
    this.#bonds.remember(key, times)
    this.#db?.setLastPing(id, ip, now).catch(noop)
    const waiters = this.#pingWaiters.get(key)
    if (waiters) for (const wake of [...waiters]) wake()
  }

  #recordPong(id: NodeId, idHex: NodeIdHex, ip: string): void {
    const key = this.#bondKey(idHex, ip)
    const now = this.#clock.now()
    const times = this.#bonds.get(key) ?? { pingReceived: 0, pongReceived: 0 }
    times.pongReceived = now
    this.#bonds.remember(key, times)
    this.#db?.setLastPong(id, ip, now).catch(noop)
  }

  /** Whether `id` at `ip` answered our Ping within the bond expiration (its endpoint proof). */
  async #hasBond(id: NodeIdHex, ip: string): Promise<boolean> {
    const { pongReceived } = await this.#bondTimes(id, ip)
    return this.#clock.now() - pongReceived < BOND_EXPIRATION_MS
  }

  /**
   * Makes sure `node` will answer our requests: when it has not pinged us recently (so it
   * has no proof of our endpoint), ping it and give it a moment to ping us back, as geth's
   * `ensureBond` does.
   */
  async #ensureBond(node: ENode): Promise<void> {
    const ip = node.ip ?? ''
    const { pingReceived } = await this.#bondTimes(node.idHex, ip)
    const fails = await this.#db!.findFails(node.id, ip).catch(() => 0)
    if (this.#clock.now() - pingReceived < BOND_EXPIRATION_MS && fails <= MAX_FINDNODE_FAILURES)
      return
    const key = this.#bondKey(node.idHex, ip)
    // wait for its Ping after our Pong, or one response timeout
    const pinged = new Promise<void>((resolve) => {
      let waiters = this.#pingWaiters.get(key)
      if (!waiters) {
        waiters = new Set()
        this.#pingWaiters.set(key, waiters)
      }
      const set = waiters
      const wake = (): void => {
        this.#clock.clearTimeout(timer)
        set.delete(wake)
        if (set.size === 0 && this.#pingWaiters.get(key) === set) this.#pingWaiters.delete(key)
        resolve()
      }
      const timer = this.#clock.setTimeout(
        () =>
          afterPendingIo(() => {
            if (!set.has(wake)) return
            this.stats.bondWaitsExpired++
            wake()
          }),
        RESPONSE_TIMEOUT_MS,
      )
      set.add(wake)
    })
    try {
      await this.ping(node)
    } catch {
      return // the request that follows will time out and count as a failure
    }
    await pinged
  }

  // ---- receiving ------------------------------------------------------------------

  #onMessage(bytes: Uint8Array, from: UdpAddress): void {
    this.stats.packetsIn++
    this.stats.bytesIn += bytes.length
    if (this.#state !== 'running') return
    let decoded: DecodedPacket
    try {
      decoded = decodePacket(bytes)
    } catch {
      this.stats.invalid++
      return
    }
    const { packet } = decoded
    if ('expiration' in packet && isExpired(packet.expiration, this.#clock.now())) {
      this.stats.ignored++
      return
    }
    if (decoded.nodeIdHex === this.idHex) {
      this.stats.ignored++
      return
    }
    if (packet.type !== 'ping' && packet.type !== 'findnode' && packet.type !== 'enrrequest') {
      this.#onReply(packet, decoded, from)
      return
    }
    if (this.#handlersInFlight >= MAX_HANDLERS_IN_FLIGHT) {
      this.stats.ignored++
      return
    }
    this.#handlersInFlight++
    const task =
      packet.type === 'ping'
        ? this.#onPing(packet, decoded, from)
        : packet.type === 'findnode'
          ? this.#onFindNode(packet, decoded, from)
          : this.#onEnrRequest(decoded, from)
    this.#handle(task.finally(() => this.#handlersInFlight--))
  }

  /** A packet handler's failure is logged, never an unhandled rejection. */
  #handle(task: Promise<void>): void {
    task.catch((err: unknown) => {
      this.#log.warn({ err: String(err) }, 'discv4 packet handler failed')
    })
  }

  #onReply(packet: Packet, decoded: DecodedPacket, from: UdpAddress): void {
    let matched = false
    for (const pending of this.#pending) {
      if (
        pending.type !== packet.type ||
        pending.id !== decoded.nodeIdHex ||
        pending.ip !== from.ip
      ) {
        continue
      }
      const result = pending.match(packet, decoded)
      if (!result.matched) continue
      matched = true
      if (packet.type === 'pong') {
        this.#recordPong(decoded.nodeId, decoded.nodeIdHex, from.ip)
        if (packet.to.ip !== '') {
          this.localNode.addEndpointStatement(decoded.nodeId, packet.to.ip, packet.to.udp)
        }
      }
      if (result.done) pending.finish()
      // no break: like geth, a reply goes to every request it matches (two lookups may
      // ask one node at once; Neighbors carry no request hash to tell them apart)
    }
    if (!matched) this.stats.ignored++ // unsolicited: never enters the table
  }

  async #onPing(
    packet: Extract<Packet, { type: 'ping' }>,
    decoded: DecodedPacket,
    from: UdpAddress,
  ): Promise<void> {
    const { nodeId, nodeIdHex: id, publicKey } = decoded
    const bonded = await this.#hasBond(id, from.ip)
    if (!bonded && !this.#unbondedRate.allow(from.ip)) {
      this.stats.ignored++
      return
    }
    if (this.#state !== 'running') return
    this.#send(
      {
        type: 'pong',
        to: { ip: from.ip, udp: from.port, tcp: packet.from.tcp },
        pingHash: decoded.hash,
        expiration: expirationFrom(this.#clock.now()),
        enrSeq: this.localNode.seq,
      },
      from,
    )
    this.#recordPing(nodeId, id, from.ip)
    if (packet.to.ip !== '')
      this.localNode.addEndpointStatement(nodeId, packet.to.ip, packet.to.udp)
    let node: ENode
    try {
      node = ENode.fromPublicKey(publicKey, { ip: from.ip, udp: from.port, tcp: packet.from.tcp })
    } catch {
      return
    }
    if (bonded) {
      this.#addInbound(node)
      return
    }
    // make the bond both ways before the node may enter the table; new senders get at
    // most MAX_PING_BACKS_IN_FLIGHT of the pending slots, so a flood of them cannot
    // starve our own requests (lookups, revalidation)
    if (this.#pingBacksInFlight >= MAX_PING_BACKS_IN_FLIGHT) return
    this.#pingBacksInFlight++
    this.ping(node)
      .then(
        () => this.#addInbound(node),
        () => {},
      )
      .finally(() => this.#pingBacksInFlight--)
  }

  #addInbound(node: ENode): void {
    if (!this.#refreshed || this.#state !== 'running') return
    if (this.#netRestrict && node.ip && !this.#netRestrict.contains(node.ip)) return
    const result = this.#table!.addVerifiedNode(node, this.#clock.now())
    if (result === 'added') this.emit('node:added', node)
    this.#storeNode(node)
  }

  /** Keeps a live node in the database: a restarted node seeds its table from these. */
  #storeNode(node: ENode): void {
    this.#db?.updateNode(node).catch(noop)
  }

  async #onFindNode(
    packet: Extract<Packet, { type: 'findnode' }>,
    decoded: DecodedPacket,
    from: UdpAddress,
  ): Promise<void> {
    if (!(await this.#hasBond(decoded.nodeIdHex, from.ip))) {
      // no endpoint proof: answering would make us an amplifier
      this.stats.ignored++
      return
    }
    if (this.#state !== 'running') return
    const target = nodeIdFromPublicKey(packet.target)
    const closest = this.#table!.closest(target, BUCKET_SIZE).filter((entry) =>
      checkRelayIp(from.ip, entry.node.ip ?? ''),
    )
    const expiration = expirationFrom(this.#clock.now())
    for (let i = 0; i < closest.length || i === 0; i += MAX_NEIGHBORS_PER_PACKET) {
      const chunk = closest.slice(i, i + MAX_NEIGHBORS_PER_PACKET).map(({ node }) => ({
        ip: node.ip!,
        udp: node.udp!,
        tcp: node.tcp ?? 0,
        publicKey: node.publicKey,
      }))
      this.#send({ type: 'neighbors', nodes: chunk, expiration }, from)
    }
  }

  async #onEnrRequest(decoded: DecodedPacket, from: UdpAddress): Promise<void> {
    if (!(await this.#hasBond(decoded.nodeIdHex, from.ip))) {
      this.stats.ignored++
      return
    }
    if (this.#state !== 'running') return
    this.#send(
      { type: 'enrresponse', requestHash: decoded.hash, record: this.localNode.record },
      from,
    )
  }

  // ---- the table ------------------------------------------------------------------

  async #seed(): Promise<void> {
    const seeds = await this.#db!.querySeeds(SEED_COUNT, SEED_MAX_AGE_MS).catch(() => [])
    for (const node of [...this.#bootnodes, ...seeds]) this.#addFound(node)
  }

  #addFound(node: ENode): void {
    if (node.idHex === this.idHex || node.ip === undefined || !node.udp) return
    if (this.#netRestrict && !this.#netRestrict.contains(node.ip)) return
    const result = this.#table!.addFoundNode(node, this.#clock.now())
    if (result === 'added') this.emit('node:added', node)
  }

  /**
   * Refreshes the table: seeds it again when it is empty, then a lookup of our own id and
   * three random lookups (geth's doRefresh). Runs at start and every 30 minutes.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        if (this.#table!.size === 0) await this.#seed()
        await this.lookup(this.#publicKey)
        for (let i = 0; i < 3 && this.#state === 'running'; i++) await this.lookup()
      } finally {
        this.#refreshed = true
        this.#refreshing = undefined
        if (this.#state === 'running') {
          this.#clock.clearTimeout(this.#refreshTimer)
          this.#refreshTimer = this.#clock.setTimeout(
            () => this.#handle(this.refresh()),
            REFRESH_INTERVAL_MS,
          )
        }
      }
    })()
    return this.#refreshing
  }

  #scheduleRevalidation(): void {
    if (this.#state !== 'running') return
    const delay = Math.floor(this.#random() * REVALIDATE_INTERVAL_MS)
    this.#revalidateTimer = this.#clock.setTimeout(() => {
      this.#handle(this.#revalidate().finally(() => this.#scheduleRevalidation()))
    }, delay)
  }

  async #revalidate(): Promise<void> {
    const entry = this.#table?.nodeToRevalidate(this.#random)
    if (!entry) return
    const node = entry.node
    try {
      const pong = await this.ping(node)
      this.#table!.markRevalidated(node.id, true, this.#clock.now())
      this.#storeNode(node)
      if (pong.enrSeq !== undefined && pong.enrSeq > node.seq) {
        const record = await this.requestEnr(node).catch(() => undefined)
        if (record) this.#table!.addVerifiedNode(ENode.fromRecord(record), this.#clock.now())
      }
    } catch {
      if (this.#state !== 'running') return
      const removed = this.#table!.get(node.id)
      const promoted = this.#table!.replace(node.id)
      if (removed) this.emit('node:removed', removed.node)
      if (promoted) this.emit('node:added', promoted)
    }
  }

  /** 64 random bytes: a random lookup target (need not be a valid key, as in geth). */
  #randomKey(): Uint8Array {
    const key = new Uint8Array(64)
    for (let i = 0; i < 64; i++) key[i] = Math.floor(this.#random() * 256)
    return key
  }

  // ---- lookups --------------------------------------------------------------------

  /**
   * An iterative Kademlia lookup (α = 3) for the nodes closest to `target`, starting from
   * the 16 closest in the table. discv4 names targets by public key (FindNode carries one;
   * the distance is to its keccak256): pass a node or a 64-byte key; without one, a
   * random target is used. Every node found is offered to the table. Resolves with up to
   * 16 nodes, closest first.
   */
  async lookup(target?: ENode | Uint8Array, options: LookupOptions = {}): Promise<ENode[]> {
    if (this.#state !== 'running') return []
    const targetKey = target instanceof ENode ? target.publicKey : (target ?? this.#randomKey())
    if (targetKey.length !== 64) throw new RangeError('a lookup target is a 64-byte public key')
    const targetId = keccak256(targetKey)
    const table = this.#table!
    // bounded: 16 results; `seen` grows by at most 16 per query, queries by the result set
    let result: ENode[] = table.closest(targetId, BUCKET_SIZE).map((entry) => entry.node)
    const seen = new Set<NodeIdHex>([this.idHex, ...result.map((n) => n.idHex)])
    const asked = new Set<NodeIdHex>()
    // how many FindNode answers led to each node: the hop count of a lookup
    const depth = new Map<NodeIdHex, number>(result.map((n) => [n.idHex, 0]))
    const stats = options.stats
    let inFlight = 0
    await new Promise<void>((resolve) => {
      const advance = (): void => {
        if (this.#state !== 'running' || options.signal?.aborted || this.#abort.signal.aborted) {
          if (inFlight === 0) resolve()
          return
        }
        while (inFlight < LOOKUP_ALPHA) {
          const next = result.find((n) => !asked.has(n.idHex))
          if (!next) break
          asked.add(next.idHex)
          inFlight++
          const hop = (depth.get(next.idHex) ?? 0) + 1
          if (stats) {
            stats.queries++
            stats.hops = Math.max(stats.hops, hop)
          }
          void this.#query(next, targetKey).then((found) => {
            inFlight--
            if (stats && found.length === 0) stats.failed++
            for (const node of found) {
              if (seen.has(node.idHex)) continue
              seen.add(node.idHex)
              depth.set(node.idHex, hop)
              this.#addFound(node)
              result.push(node)
            }
            result.sort((a, b) => compareDistance(targetId, a.id, b.id))
            if (result.length > BUCKET_SIZE) result = result.slice(0, BUCKET_SIZE)
            advance()
          })
        }
        if (inFlight === 0) resolve()
      }
      advance()
    })
    return result
  }

  /** One FindNode of a lookup; failures are counted and never thrown. */
  async #query(node: ENode, target: Uint8Array): Promise<ENode[]> {
    const ip = node.ip ?? ''
    try {
      const found = await this.#findNode(node, target)
      if (found.length > 0) {
        this.#db?.setFindFails(node.id, ip, 0).catch(noop)
        this.#storeNode(node)
      }
      return found
    } catch {
      if (this.#state !== 'running') return []
      const fails = ((await this.#db!.findFails(node.id, ip).catch(() => 0)) ?? 0) + 1
      await this.#db!.setFindFails(node.id, ip, fails).catch(noop)
      if (fails >= MAX_FINDNODE_FAILURES && this.#table!.get(node.id)) {
        const promoted = this.#table!.replace(node.id)
        this.emit('node:removed', node)
        if (promoted) this.emit('node:added', promoted)
      }
      return []
    }
  }

  /**
   * The current version of `node`: its latest record when it answers ENRRequest, else
   * the freshest we know (the table's, or a lookup's result for its key). Resolves
   * undefined when nothing is known and the lookup does not find it.
   */
  async resolve(node: ENode): Promise<ENode | undefined> {
    let known: ENode | undefined = this.#table?.get(node.id)?.node ?? node
    if (known.ip === undefined || !known.udp) {
      const found = await this.lookup(node)
      known = found.find((n) => n.idHex === node.idHex)
      if (!known) return undefined
    }
    try {
      return ENode.fromRecord(await this.requestEnr(known))
    } catch {
      return known
    }
  }

  /**
   * An endless stream of nodes for the server to dial: the results of random lookups. A
   * node is offered again only after {@link REOFFER_AFTER_MS} (the dialer keeps its own
   * history), and when a lookup brings nothing fresh the stream waits a second before
   * the next, so a small network is not flooded with lookups. Ends when `signal` aborts
   * or discovery stops.
   */
  async *randomNodes(
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ENode, void, undefined> {
    await this.start()
    // bounded: REOFFER_MAX_IDS ids, the oldest offer forgotten first
    const offered = new Map<NodeIdHex, number>()
    const stopped = (): boolean => this.#state !== 'running' || options.signal?.aborted === true
    while (!stopped()) {
      const nodes = await this.lookup(undefined, options)
      let fresh = 0
      for (const node of nodes) {
        if (stopped()) return
        if (!node.tcp) continue
        const now = this.#clock.now()
        const last = offered.get(node.idHex)
        if (last !== undefined && now - last < REOFFER_AFTER_MS) continue
        offered.delete(node.idHex)
        offered.set(node.idHex, now)
        if (offered.size > REOFFER_MAX_IDS) offered.delete(offered.keys().next().value!)
        fresh++
        yield node
      }
      if (fresh === 0) await this.#pause(1000, options.signal)
    }
  }

  #pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.#abort.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = this.#clock.setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      this.#abort.signal.addEventListener('abort', done, { once: true })
    })
  }
}
