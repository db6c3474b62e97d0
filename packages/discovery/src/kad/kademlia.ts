/**
 * The node table as a protocol uses it: the {@link Table} plus the rules for what may
 * enter it (found nodes, nodes that proved liveness, `netRestrict`), the node database
 * behind it, FindNode failure accounting, lookups and `resolve`. Shared by the discovery
 * protocols through {@link KadProtocol}; the maintenance loops are in `maintenance.ts`,
 * the dial-candidate stream in `node-stream.ts`.
 */
import type { Clock } from '@devp2p/common'
import { ENode, type NodeDB, type NodeIdHex, nodeIdHex } from '@devp2p/enode'
import { EventEmitter } from 'eventemitter3'
import { BUCKET_SIZE, MAX_FINDNODE_FAILURES } from './constants.js'
import { iterativeLookup, type LookupOptions } from './lookup.js'
import type { KadProtocol, LookupTarget, NetRestrict } from './protocol.js'
import { Table } from './table.js'

/** Events of the table: the facade of a protocol re-emits them. */
export type KademliaEvents = {
  /** A node entered the table. */
  'node:added': [ENode]
  /** A node left the table. */
  'node:removed': [ENode]
}

/** Options of {@link Kademlia}. */
export interface KademliaOptions {
  /** Our own node: the origin of every distance, and the target of self lookups. */
  readonly self: LookupTarget
  readonly protocol: KadProtocol
  /** Find failures and live nodes are kept here (owned by the caller). */
  readonly db: NodeDB
  readonly clock: Clock
  /** Random source of the table (replacement picks, revalidation ties). */
  readonly random: () => number
  readonly netRestrict?: NetRestrict | undefined
  /** Aborted when the service stops: lookups end, nothing more enters the table. */
  readonly signal: AbortSignal
}

const noop = (): void => {}

/** The table, what enters it, and lookups over it (see the module comment). */
export class Kademlia extends EventEmitter<KademliaEvents> {
  readonly table: Table
  readonly self: LookupTarget
  readonly selfIdHex: NodeIdHex
  readonly signal: AbortSignal
  readonly #protocol: KadProtocol
  readonly #db: NodeDB
  readonly #clock: Clock
  readonly #netRestrict: NetRestrict | undefined
  #refreshed = false

  constructor(options: KademliaOptions) {
    super()
    this.self = options.self
    this.selfIdHex = nodeIdHex(options.self.id)
    this.signal = options.signal
    this.#protocol = options.protocol
    this.#db = options.db
    this.#clock = options.clock
    this.#netRestrict = options.netRestrict
    this.table = new Table({ self: options.self.id, rand: options.random })
  }

  /** Whether the service still runs. */
  get running(): boolean {
    return !this.signal.aborted
  }

  /**
   * Marks the first refresh done: from then on, nodes that contact us may enter the
   * table (geth: no inbound additions before the first refresh).
   */
  markRefreshed(): void {
    this.#refreshed = true
  }

  /** Whether `ip` is one we may use (`netRestrict`). */
  allowed(ip: string | undefined): boolean {
    return !this.#netRestrict || ip === undefined || this.#netRestrict.contains(ip)
  }

  /** Offers a node learned from someone else (a seed, a Neighbors answer) to the table. */
  addFound(node: ENode): void {
    if (node.idHex === this.selfIdHex || node.ip === undefined || !node.udp) return
    if (!this.allowed(node.ip)) return
    const result = this.table.addFoundNode(node, this.#clock.now())
    if (result === 'added') this.emit('node:added', node)
  }

  /** Offers a node that proved its endpoint (it pinged us and we bonded) to the table. */
  addInbound(node: ENode): void {
    if (!this.#refreshed || !this.running) return
    if (!this.allowed(node.ip)) return
    const result = this.table.addVerifiedNode(node, this.#clock.now())
    if (result === 'added') this.emit('node:added', node)
    this.storeNode(node)
  }

  /** Keeps a live node in the database: a restarted node seeds its table from these. */
  storeNode(node: ENode): void {
    this.#db.updateNode(node).catch(noop)
  }

  /**
   * Removes the dead bucket node `node` and promotes a replacement, with the events.
   * Does nothing when it is not in a bucket.
   */
  evict(node: ENode): void {
    const removed = this.table.get(node.id)
    if (!removed) return
    const promoted = this.table.replace(node.id, this.#clock.now())
    this.emit('node:removed', removed.node)
    if (promoted) this.emit('node:added', promoted)
  }

  /**
   * Records a revalidation of bucket node `node` (geth's liveness rule, see
   * `Table.markRevalidated`): an answer counts a liveness check and keeps the node in the
   * database; a miss divides its checks by 3, and at 0 the node leaves the table and a
   * replacement is promoted, with the events.
   */
  recordRevalidation(node: ENode, answered: boolean): void {
    const before = this.table.get(node.id)
    const result = this.table.markRevalidated(node.id, answered, this.#clock.now())
    if (answered) {
      if (result.status === 'alive') this.storeNode(node)
      return
    }
    if (result.status !== 'removed') return
    if (before) this.emit('node:removed', before.node)
    if (result.promoted) this.emit('node:added', result.promoted)
  }

  /** Takes a newer record of a node that proved liveness (its endpoint may have moved). */
  updateVerified(node: ENode): void {
    this.table.addVerifiedNode(node, this.#clock.now())
  }

  /**
   * An iterative lookup (α = 3) for the nodes closest to `target`, starting from the 16
   * closest in the table. Every node found is offered to the table. Resolves with up to
   * 16 nodes, closest first; `[]` once the service stopped.
   */
  lookup(target: LookupTarget, options: LookupOptions = {}): Promise<ENode[]> {
    if (!this.running) return Promise.resolve([])
    return iterativeLookup(
      {
        selfIdHex: this.selfIdHex,
        start: this.table.closest(target.id, BUCKET_SIZE).map((entry) => entry.node),
        query: (node) => this.#query(node, target),
        onFound: (node) => this.addFound(node),
        stopped: () => !this.running,
      },
      target.id,
      options,
    )
  }

  /** One FindNode of a lookup; failures are counted in the database and never thrown. */
  async #query(node: ENode, target: LookupTarget): Promise<ENode[]> {
    const ip = node.ip ?? ''
    try {
      const found = await this.#protocol.findNode(node, target)
      if (found.length > 0) {
        this.#db.setFindFails(node.id, ip, 0).catch(noop)
        this.storeNode(node)
      }
      return found
    } catch {
      if (!this.running) return []
      const fails = ((await this.#db.findFails(node.id, ip).catch(() => 0)) ?? 0) + 1
      await this.#db.setFindFails(node.id, ip, fails).catch(noop)
      if (fails >= MAX_FINDNODE_FAILURES) this.evict(node)
      return []
    }
  }

  /**
   * The current version of `node`: its latest record when it answers ENRRequest, else
   * the freshest we know (the table's, or a lookup's result for its key). Resolves
   * undefined when nothing is known and the lookup does not find it.
   */
  async resolve(node: ENode, lookupTarget: LookupTarget): Promise<ENode | undefined> {
    let known: ENode | undefined = this.table.get(node.id)?.node ?? node
    if (known.ip === undefined || !known.udp) {
      const found = await this.lookup(lookupTarget)
      known = found.find((n) => n.idHex === node.idHex)
      if (!known) return undefined
    }
    try {
      return ENode.fromRecord(await this.#protocol.requestEnr(known))
    } catch {
      return known
    }
  }
}
