/**
 * Keeping the table full and alive, as go-ethereum does: seeding from the bootnodes and
 * the node database, a refresh (a self lookup and random lookups) at start and every
 * {@link REFRESH_INTERVAL_MS} (sooner, from {@link EMPTY_TABLE_RETRY_MIN_MS} with a
 * backoff, while the table is empty), and a revalidation loop that pings one table node
 * at a time and drops a node only when its liveness checks have run out.
 */
import type { Clock, Logger, TimerHandle } from '@devp2p/common'
import { ENode, type NodeDB } from '@devp2p/enode'
import {
  EMPTY_TABLE_RETRY_MIN_MS,
  REFRESH_INTERVAL_MS,
  REFRESH_RANDOM_LOOKUPS,
  REVALIDATE_INTERVAL_MS,
  SEED_COUNT,
  SEED_MAX_AGE_MS,
} from './constants.js'
import type { Kademlia } from './kademlia.js'
import type { KadProtocol } from './protocol.js'

/** Options of {@link TableMaintenance}. */
export interface MaintenanceOptions {
  readonly kad: Kademlia
  readonly protocol: KadProtocol
  /** Seeds come from here (owned by the caller). */
  readonly db: NodeDB
  /** Nodes to start from; seeded again whenever the table is empty at a refresh. */
  readonly bootnodes: readonly ENode[]
  readonly clock: Clock
  readonly random: () => number
  readonly log: Logger
}

const noop = (): void => {}

/** The seeding, refresh and revalidation loops of one table (see the module comment). */
export class TableMaintenance {
  readonly #o: MaintenanceOptions
  #refreshing: Promise<void> | undefined
  #revalidating: Promise<void> | undefined
  #refreshTimer: TimerHandle | undefined
  #revalidateTimer: TimerHandle | undefined
  /** The wait before the next refresh while the table is empty (doubles each time). */
  #emptyRetryMs = EMPTY_TABLE_RETRY_MIN_MS

  constructor(options: MaintenanceOptions) {
    this.#o = options
  }

  /** Seeds the table, then starts revalidation and the first refresh (not awaited). */
  async start(): Promise<void> {
    await this.seed()
    this.#scheduleRevalidation()
    this.#o.kad.on('node:removed', this.#onRemoved)
    this.#background(this.refresh())
  }

  /** The last node left (say the bootnodes never answered): try again soon, not in 30 min. */
  readonly #onRemoved = (): void => {
    if (this.#o.kad.table.size === 0 && this.#refreshing === undefined) this.#scheduleRefresh()
  }

  /**
   * Stops both loops; resolves when a refresh or revalidation in progress has ended (the
   * caller stops the protocol first, so their requests fail fast), so nothing of them,
   * such as a request's deadline, outlives `stop()`.
   */
  async stop(): Promise<void> {
    this.#o.kad.off('node:removed', this.#onRemoved)
    this.#o.clock.clearTimeout(this.#refreshTimer)
    this.#o.clock.clearTimeout(this.#revalidateTimer)
    await Promise.all([this.#refreshing?.catch(noop), this.#revalidating?.catch(noop)])
  }

  /** Offers the bootnodes and up to SEED_COUNT recently seen nodes of the database. */
  async seed(): Promise<void> {
    const seeds = await this.#o.db.querySeeds(SEED_COUNT, SEED_MAX_AGE_MS).catch(() => [])
    for (const node of [...this.#o.bootnodes, ...seeds]) this.#o.kad.addFound(node)
  }

  /**
   * Refreshes the table: seeds it again when it is empty, then a lookup of our own id and
   * REFRESH_RANDOM_LOOKUPS random lookups (geth's doRefresh). One at a time: a call
   * during a refresh returns the one in progress.
   */
  refresh(): Promise<void> {
    const { kad, protocol } = this.#o
    this.#refreshing ??= (async () => {
      try {
        if (kad.table.size === 0) await this.seed()
        await kad.lookup(kad.self)
        for (let i = 0; i < REFRESH_RANDOM_LOOKUPS && kad.running; i++) {
          await kad.lookup(protocol.randomTarget())
        }
      } finally {
        kad.markRefreshed()
        this.#refreshing = undefined
        this.#scheduleRefresh()
      }
    })()
    return this.#refreshing
  }

  /** The next refresh: in REFRESH_INTERVAL_MS, or sooner (with a backoff) while the table is empty. */
  #scheduleRefresh(): void {
    const { kad, clock } = this.#o
    if (!kad.running) return
    let delay = REFRESH_INTERVAL_MS
    if (kad.table.size === 0) {
      delay = this.#emptyRetryMs
      this.#emptyRetryMs = Math.min(this.#emptyRetryMs * 2, REFRESH_INTERVAL_MS)
    } else {
      this.#emptyRetryMs = EMPTY_TABLE_RETRY_MIN_MS
    }
    clock.clearTimeout(this.#refreshTimer)
    this.#refreshTimer = clock.setTimeout(() => this.#background(this.refresh()), delay)
  }

  #scheduleRevalidation(): void {
    if (!this.#o.kad.running) return
    const delay = Math.floor(this.#o.random() * REVALIDATE_INTERVAL_MS)
    this.#revalidateTimer = this.#o.clock.setTimeout(() => {
      const run = this.#revalidate().finally(() => {
        this.#revalidating = undefined
        this.#scheduleRevalidation()
      })
      this.#revalidating = run
      this.#background(run)
    }, delay)
  }

  /**
   * Pings the table node most due for a check. An answer counts as a liveness check (and
   * a newer record is fetched); a missed answer divides the node's liveness checks by 3
   * and drops it only when none are left, promoting a replacement (geth's rule: a node
   * that answered 3 checks survives one missed Pong, a node that keeps failing goes).
   */
  async #revalidate(): Promise<void> {
    const { kad, protocol } = this.#o
    const entry = kad.table.nodeToRevalidate(this.#o.random)
    if (!entry) return
    const node = entry.node
    let enrSeq: bigint | undefined
    try {
      ;({ enrSeq } = await protocol.ping(node))
    } catch {
      if (kad.running) kad.recordRevalidation(node, false)
      return
    }
    kad.recordRevalidation(node, true)
    if (enrSeq !== undefined && enrSeq > node.seq) {
      const record = await protocol.requestEnr(node).catch(() => undefined)
      if (record) kad.updateVerified(ENode.fromRecord(record))
    }
  }

  /** A loop's failure is logged, never an unhandled rejection. */
  #background(task: Promise<void>): void {
    task.catch((err: unknown) => {
      this.#o.log.warn({ err: String(err) }, 'discovery table maintenance failed')
    })
  }
}
