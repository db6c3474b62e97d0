/**
 * Endpoint proofs ("bonds"), as discv4.md and go-ethereum define them: a node that
 * answered our Ping within BOND_EXPIRATION_MS may ask us for nodes and records; before
 * we ask a node, it must have pinged us (else we ping it and give it a moment to ping
 * back). Also the two limits on senders without a bond: the unbonded-reply rate limiter
 * and the Pings back to new senders in flight.
 */
import { BoundedMap, type Clock } from '@devp2p/common'
import { type ENode, type NodeDB, type NodeId, type NodeIdHex, nodeIdFromHex } from '@devp2p/enode'
import { MAX_FINDNODE_FAILURES } from '../kad/constants.js'
import {
  BOND_CACHE_MAX_ENTRIES,
  BOND_EXPIRATION_MS,
  MAX_PING_BACKS_IN_FLIGHT,
  RESPONSE_TIMEOUT_MS,
} from './constants.js'
import { afterPendingIo } from './reply-matcher.js'
import type { Discv4Stats } from './stats.js'
import { UnbondedRateLimiter } from './unbonded-rate.js'

/** When we last received a Ping and a Pong from one node at one IP (ms; 0 = never). */
export interface BondTimes {
  pingReceived: number
  pongReceived: number
}

/** Options of {@link Bonds}. */
export interface BondsOptions {
  /** Bond times beyond the cache are kept here (owned by the caller). */
  readonly db: NodeDB
  readonly clock: Clock
  readonly stats: Discv4Stats
  /** Our Ping (resolves on the Pong); the bond is made by the reply matcher's Pong. */
  readonly ping: (node: ENode) => Promise<unknown>
  /** Aborted when the service stops: no bond is waited for after that. */
  readonly signal: AbortSignal
}

const noop = (): void => {}
const bondKey = (id: NodeIdHex, ip: string): string => `${id}@${ip}`

/** Bond times, waiting for bonds, and the limits on unbonded senders. */
export class Bonds {
  readonly #o: BondsOptions
  // bounded: BOND_CACHE_MAX_ENTRIES (id, ip) pairs, the least recently written evicted;
  // the node database keeps the rest. Reads `peek` (no reordering on every hasBond); a
  // pair is refreshed when it is loaded or a Ping or Pong is recorded
  readonly #cache = new BoundedMap<string, BondTimes>({
    maxSize: BOND_CACHE_MAX_ENTRIES,
    evict: 'recency',
  })
  // bounded: UNBONDED_RATE_MAX_IPS IPs (see UnbondedRateLimiter)
  readonly #unbondedRate: UnbondedRateLimiter
  // bounded: one waiter per ensureBond call of our own requests (lookups: LOOKUP_ALPHA
  // each), each removed by its Ping or a RESPONSE_TIMEOUT_MS deadline
  readonly #pingWaiters = new Map<string, Set<() => void>>()
  // bounded: MAX_PING_BACKS_IN_FLIGHT, of the MAX_PENDING_REPLIES pending slots
  #pingBacksInFlight = 0

  constructor(options: BondsOptions) {
    this.#o = options
    this.#unbondedRate = new UnbondedRateLimiter(options.clock)
  }

  /** (id, IP) pairs cached (for tests). */
  get cachedPairs(): number {
    return this.#cache.size
  }

  /** The cached bond times of `id` at `ip`, without touching the LRU order (for tests). */
  cached(id: NodeIdHex, ip: string): BondTimes | undefined {
    return this.#cache.peek(bondKey(id, ip))
  }

  /** Whether we may answer one more packet of an unbonded sender at `ip` (and count it). */
  allowUnbonded(ip: string): boolean {
    return this.#unbondedRate.allow(ip)
  }

  /** Whether `id` at `ip` answered our Ping within the bond expiration (its endpoint proof). */
  async hasBond(id: NodeIdHex, ip: string): Promise<boolean> {
    const { pongReceived } = await this.#times(id, ip)
    return this.#o.clock.now() - pongReceived < BOND_EXPIRATION_MS
  }

  /** `id` at `ip` pinged us: it now knows our endpoint. Wakes those waiting for it. */
  recordPing(id: NodeId, idHex: NodeIdHex, ip: string): void {
    const key = bondKey(idHex, ip)
    const now = this.#o.clock.now()
    this.#update(key, (times) => {
      times.pingReceived = now
    })
    this.#o.db.setLastPing(id, ip, now).catch(noop)
    const waiters = this.#pingWaiters.get(key)
    if (waiters) for (const wake of [...waiters]) wake()
  }

  /** `id` at `ip` answered our Ping: its endpoint is proven. */
  recordPong(id: NodeId, idHex: NodeIdHex, ip: string): void {
    const now = this.#o.clock.now()
    this.#update(bondKey(idHex, ip), (times) => {
      times.pongReceived = now
    })
    this.#o.db.setLastPong(id, ip, now).catch(noop)
  }

  /**
   * Makes sure `node` will answer our requests: when it has not pinged us recently (so it
   * has no proof of our endpoint), ping it and give it a moment to ping us back, as geth's
   * `ensureBond` does. Never rejects: a request that follows will fail on its own.
   */
  async ensureBond(node: ENode): Promise<void> {
    const { clock, db, signal } = this.#o
    const ip = node.ip ?? ''
    const { pingReceived } = await this.#times(node.idHex, ip)
    const fails = await db.findFails(node.id, ip).catch(() => 0)
    if (clock.now() - pingReceived < BOND_EXPIRATION_MS && fails <= MAX_FINDNODE_FAILURES) return
    // stopped while the database answered: wakeAll() has run, so a waiter made now would
    // only hold its deadline past stop()
    if (signal.aborted) return
    const pinged = this.#waitForPing(bondKey(node.idHex, ip))
    try {
      await this.#o.ping(node)
    } catch {
      pinged.cancel() // its deadline must not outlive the failed Ping (or stop())
      return // the request that follows will time out and count as a failure
    }
    await pinged.promise
  }

  /**
   * Pings a new sender back for its endpoint proof and calls `onBonded` when it answers.
   * At most MAX_PING_BACKS_IN_FLIGHT at once, so a flood of new keys cannot take the
   * pending slots of our own requests; beyond it the Ping back is skipped (the sender
   * bonds on a later Ping).
   */
  pingBack(node: ENode, onBonded: () => void): void {
    if (this.#pingBacksInFlight >= MAX_PING_BACKS_IN_FLIGHT) return
    this.#pingBacksInFlight++
    this.#o
      .ping(node)
      .then(onBonded, noop)
      .finally(() => this.#pingBacksInFlight--)
  }

  /** Wakes every waiter (the service stops). */
  wakeAll(): void {
    for (const waiters of [...this.#pingWaiters.values()]) for (const wake of [...waiters]) wake()
  }

  /**
   * Resolves on the node's Ping after our Pong, or after one response timeout; `cancel`
   * resolves it at once and drops its deadline (uncounted).
   */
  #waitForPing(key: string): { promise: Promise<void>; cancel: () => void } {
    let cancel = noop
    const promise = new Promise<void>((resolve) => {
      let waiters = this.#pingWaiters.get(key)
      if (!waiters) {
        waiters = new Set()
        this.#pingWaiters.set(key, waiters)
      }
      const set = waiters
      const wake = (): void => {
        deadline.cancel()
        set.delete(wake)
        if (set.size === 0 && this.#pingWaiters.get(key) === set) this.#pingWaiters.delete(key)
        resolve()
      }
      const deadline = this.#o.clock.deadline(RESPONSE_TIMEOUT_MS, () =>
        afterPendingIo(() => {
          if (!set.has(wake)) return
          this.#o.stats.bondWaitsExpired++
          wake()
        }),
      )
      set.add(wake)
      cancel = wake
    })
    return { promise, cancel }
  }

  async #times(id: NodeIdHex, ip: string): Promise<BondTimes> {
    const key = bondKey(id, ip)
    const cached = this.#cache.peek(key)
    if (cached) return cached
    const nodeId = nodeIdFromHex(id)
    const { db } = this.#o
    const [pingReceived, pongReceived] = await Promise.all([
      db.lastPing(nodeId, ip).catch(() => undefined),
      db.lastPong(nodeId, ip).catch(() => undefined),
    ])
    // a Ping or Pong recorded while the database answered wins over what it said
    const times = this.#cache.peek(key) ?? {
      pingReceived: pingReceived ?? 0,
      pongReceived: pongReceived ?? 0,
    }
    this.#cache.set(key, times)
    return times
  }

  #update(key: string, change: (times: BondTimes) => void): void {
    const times = this.#cache.peek(key) ?? { pingReceived: 0, pongReceived: 0 }
    change(times)
    this.#cache.set(key, times)
  }
}
