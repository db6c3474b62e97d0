import {
  type Clock,
  type Logger,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@devp2p/common'
import {
  DB_CLEANUP_INTERVAL_MS,
  DB_MEMORY_MAX_IPS_PER_NODE,
  DB_MEMORY_MAX_NODES,
  DB_NODE_EXPIRATION_MS,
  DB_VERSION,
  NODE_ID_BYTES,
} from './constants.js'
import { EnodeError } from './errors.js'
import { type KvOp, type KvStore, MemoryStore } from './kv-store.js'
import { LevelStore } from './level-store.js'
import { ENode } from './node.js'
import { staleEntries } from './node-db-expire.js'
import {
  checkId,
  checkTime,
  decodeStoredNode,
  encodeStoredNode,
  type Field,
  ipBytes,
  itemKey,
  latin1,
  localSeqKey,
  NODE_END,
  NODE_PREFIX,
  nodeEnd,
  nodePrefix,
  readU64,
  recordKey,
  u64,
  VERSION_KEY,
} from './node-db-layout.js'
import { RecencyIndex } from './node-db-recency.js'
import { querySeeds } from './node-db-seeds.js'
import type { NodeId } from './node-id.js'

/** How to open a {@link NodeDB}. */
export interface NodeDBOptions {
  /**
   * Directory of the LevelDB database; without it the database lives in memory only.
   * LevelDB comes from the `classic-level` package, an optional peer dependency loaded
   * only when a path is given.
   */
  readonly path?: string
  readonly clock?: Clock
  readonly logger?: Logger
  /** How often `expire()` runs while open (default 1 h); 0 turns the timer off. */
  readonly expireIntervalMs?: number
  /**
   * In memory only: the most nodes held (default {@link DB_MEMORY_MAX_NODES}); a new node
   * beyond it evicts the least recently seen. Ignored with `path`.
   */
  readonly maxMemoryNodes?: number
}

/**
 * The node database: a cache of what we learned about other nodes (last ping and pong
 * time, FindNode failures, per node id and IP; the latest record) and our own record's
 * sequence number. LevelDB on disk, or a Map in memory.
 *
 * It never crashes on its own files: a corrupt database or one with another version
 * stamp is reset with a warning in the log. Entries unseen (no ping or pong) for 24 hours
 * are deleted by {@link expire}, which also runs on a timer while the database is open.
 * In memory it also holds at most {@link DB_MEMORY_MAX_NODES} nodes (option
 * `maxMemoryNodes`) of at most {@link DB_MEMORY_MAX_IPS_PER_NODE} addresses each, evicting
 * the least recently seen (a ping, a pong or a stored record), so a flood of Pings from new
 * keys cannot grow it. On disk only the expiry applies, as in geth.
 *
 * @example
 * ```ts
 * const db = await NodeDB.open({ path: './nodes' })   // or NodeDB.open() in memory
 * await db.setLastPong(node.id, node.ip!, Date.now())
 * await db.updateNode(node)
 * const seeds = await db.querySeeds(30, 5 * 24 * 3600_000)
 * await db.close()
 * ```
 */
export class NodeDB {
  readonly #store: KvStore
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #intervalMs: number
  readonly #path: string | undefined
  /** In memory only: what the store holds, least recently seen first. */
  readonly #recency: RecencyIndex | undefined
  #timer: TimerHandle | undefined
  #expiring: Promise<unknown> | undefined
  #closing: Promise<void> | undefined

  private constructor(store: KvStore, options: NodeDBOptions) {
    this.#store = store
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#intervalMs = options.expireIntervalMs ?? DB_CLEANUP_INTERVAL_MS
    this.#path = options.path
    this.#recency =
      options.path === undefined
        ? new RecencyIndex(
            options.maxMemoryNodes ?? DB_MEMORY_MAX_NODES,
            DB_MEMORY_MAX_IPS_PER_NODE,
          )
        : undefined
  }

  /**
   * Opens the database (creating it), resets it when it is corrupt or of another version,
   * and starts the expiry timer.
   *
   * @throws EnodeError `DB_UNAVAILABLE` when the directory is locked by another process
   *   or cannot be opened even after a reset.
   * @throws EnodeError `DB_LEVELDB_MISSING` when a path is given and `classic-level` (an
   *   optional peer dependency, loaded only here) is not installed.
   * @throws TypeError / RangeError for a wrong option type or a negative interval.
   */
  static async open(options: NodeDBOptions = {}): Promise<NodeDB> {
    const { path, expireIntervalMs, maxMemoryNodes } = options
    if (path !== undefined && (typeof path !== 'string' || path === '')) {
      throw new TypeError('path must be a non-empty string')
    }
    if (
      expireIntervalMs !== undefined &&
      !(Number.isFinite(expireIntervalMs) && expireIntervalMs >= 0)
    ) {
      throw new RangeError('expireIntervalMs must be a non-negative number')
    }
    if (
      maxMemoryNodes !== undefined &&
      !(Number.isSafeInteger(maxMemoryNodes) && maxMemoryNodes >= 1)
    ) {
      throw new RangeError('maxMemoryNodes must be a positive integer')
    }
    const logger = options.logger ?? silentLogger
    const store = path === undefined ? new MemoryStore() : await LevelStore.open(path, logger)
    const db = new NodeDB(store, options)
    try {
      await db.#checkVersion()
    } catch (err) {
      await store.close()
      throw new EnodeError('DB_UNAVAILABLE', 'node database cannot be read', { cause: err })
    }
    db.#schedule()
    return db
  }

  /** Whether the database is in memory (opened without a path). */
  get inMemory(): boolean {
    return this.#path === undefined
  }

  async #checkVersion(): Promise<void> {
    const stamp = readU64(await this.#store.get(VERSION_KEY))
    if (stamp === BigInt(DB_VERSION)) return
    let empty = true
    for await (const _ of this.#store.entries(new Uint8Array(0), new Uint8Array([0xff]), 1))
      empty = false
    if (!empty) {
      this.#logger.warn(
        { path: this.#path, found: stamp?.toString() ?? 'none', want: DB_VERSION },
        'node database has another version, resetting it',
      )
      await this.#store.clear()
    }
    await this.#store.batch([{ type: 'put', key: VERSION_KEY, value: u64(BigInt(DB_VERSION)) }])
  }

  #schedule(): void {
    if (this.#intervalMs === 0 || this.#closing !== undefined) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#expiring = this.expire()
        .catch((err: unknown) => this.#logger.warn({ err }, 'node database expiry failed'))
        .finally(() => {
          this.#expiring = undefined
          this.#schedule()
        })
    }, this.#intervalMs)
  }

  #check(): void {
    if (this.#closing !== undefined)
      throw new EnodeError('DB_UNAVAILABLE', 'node database is closed')
  }

  async #get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#check()
    try {
      return await this.#store.get(key)
    } catch (err) {
      throw new EnodeError('DB_UNAVAILABLE', 'node database read failed', { cause: err })
    }
  }

  async #write(ops: KvOp[]): Promise<void> {
    this.#check()
    try {
      await this.#store.batch(ops)
    } catch (err) {
      throw new EnodeError('DB_UNAVAILABLE', 'node database write failed', { cause: err })
    }
  }

  async #time(id: NodeId, ip: string, field: Field): Promise<number | undefined> {
    checkId(id)
    const value = readU64(await this.#get(itemKey(id, ipBytes(ip), field)))
    return value === undefined ? undefined : Number(value)
  }

  async #setTime(id: NodeId, ip: string, field: Field, ms: number): Promise<void> {
    checkId(id)
    checkTime(ms)
    const address = ipBytes(ip)
    await this.#write([
      { type: 'put', key: itemKey(id, address, field), value: u64(BigInt(ms)) },
      ...this.#evictions(id, address, true),
    ])
  }

  /**
   * In memory: notes a write about `id` (at `ip`) and returns the deletes that keep the
   * database within its cap (the least recently seen nodes and addresses).
   */
  #evictions(id: NodeId, ip: Uint8Array | undefined, seen: boolean): KvOp[] {
    if (this.#recency === undefined || this.#closing !== undefined) return []
    return this.#recency.touch(id, ip, seen).map((key) => ({ type: 'del', key }))
  }

  /**
   * When we last received a ping from `id` at `ip` (ms since the epoch), if ever.
   *
   * @throws EnodeError `DB_UNAVAILABLE` when the database is closed or fails.
   * @throws TypeError / RangeError for an id that is not 32 bytes or an ip that is not an IP.
   */
  lastPing(id: NodeId, ip: string): Promise<number | undefined> {
    return this.#time(id, ip, 'ping')
  }

  /** Records when we received a ping from `id` at `ip`. Throws as {@link lastPing}. */
  setLastPing(id: NodeId, ip: string, timeMs: number): Promise<void> {
    return this.#setTime(id, ip, 'ping', timeMs)
  }

  /** When we last received a pong from `id` at `ip`, if ever. Throws as {@link lastPing}. */
  lastPong(id: NodeId, ip: string): Promise<number | undefined> {
    return this.#time(id, ip, 'pong')
  }

  /** Records when we received a pong from `id` at `ip`. Throws as {@link lastPing}. */
  setLastPong(id: NodeId, ip: string, timeMs: number): Promise<void> {
    return this.#setTime(id, ip, 'pong', timeMs)
  }

  /** How many FindNode requests to `id` at `ip` failed in a row (0 when unknown). */
  async findFails(id: NodeId, ip: string): Promise<number> {
    checkId(id)
    return Number(readU64(await this.#get(itemKey(id, ipBytes(ip), 'fail'))) ?? 0n)
  }

  /** Stores the FindNode failure count of `id` at `ip`. Throws as {@link lastPing}. */
  async setFindFails(id: NodeId, ip: string, fails: number): Promise<void> {
    checkId(id)
    if (!Number.isSafeInteger(fails) || fails < 0)
      throw new RangeError('fails must be a non-negative integer')
    const address = ipBytes(ip)
    await this.#write([
      { type: 'put', key: itemKey(id, address, 'fail'), value: u64(BigInt(fails)) },
      ...this.#evictions(id, address, false),
    ])
  }

  /**
   * Stores a node (its record, or its key and address when it has no record), replacing
   * what was stored for its id. Throws as {@link lastPing}.
   */
  async updateNode(node: ENode): Promise<void> {
    if (!(node instanceof ENode)) throw new TypeError('node must be an ENode')
    const value = encodeStoredNode(node)
    await this.#write([
      { type: 'put', key: recordKey(node.id), value },
      ...this.#evictions(node.id, undefined, true),
    ])
  }

  /**
   * The stored node with this id, if any. A stored value that cannot be decoded is
   * deleted and reads as absent. Throws as {@link lastPing}.
   */
  async node(id: NodeId): Promise<ENode | undefined> {
    checkId(id)
    const key = recordKey(id)
    const value = await this.#get(key)
    if (value === undefined) return undefined
    try {
      return decodeStoredNode(value)
    } catch (err) {
      this.#logger.warn({ err }, 'node database: dropping an unreadable node entry')
      await this.#write([{ type: 'del', key }])
      return undefined
    }
  }

  /** Deletes everything stored about a node. Throws as {@link lastPing}. */
  async deleteNode(id: NodeId): Promise<void> {
    checkId(id)
    this.#check()
    const ops: KvOp[] = []
    for await (const [key] of this.#store.entries(nodePrefix(id), nodeEnd(id)))
      ops.push({ type: 'del', key })
    await this.#write(ops)
    this.#recency?.forget(id)
  }

  /**
   * How many nodes the database holds (a full scan: for tests and monitoring).
   * @throws EnodeError `DB_UNAVAILABLE` when the database is closed or fails.
   */
  async countNodes(): Promise<number> {
    this.#check()
    let count = 0
    let last = ''
    for await (const [key] of this.#store.entries(NODE_PREFIX, NODE_END)) {
      if (key.length < 3 + NODE_ID_BYTES) continue
      const id = latin1(key.subarray(2, 2 + NODE_ID_BYTES))
      if (id !== last) count++
      last = id
    }
    return count
  }

  /** The last sequence number our own record used with key `id`, if stored. */
  async localSeq(id: NodeId): Promise<bigint | undefined> {
    checkId(id)
    return readU64(await this.#get(localSeqKey(id)))
  }

  /** Stores our own record's sequence number. Throws as {@link lastPing}. */
  async storeLocalSeq(id: NodeId, seq: bigint): Promise<void> {
    checkId(id)
    if (typeof seq !== 'bigint' || seq < 0n || seq >= 1n << 64n)
      throw new RangeError('seq must be a uint64 bigint')
    await this.#write([{ type: 'put', key: localSeqKey(id), value: u64(seq) }])
  }

  /**
   * Up to `n` distinct random nodes that answered a ping (a pong) within `maxAgeMs`, to
   * seed the discovery table. Seeks to random ids, at most `5 n` times, as geth does; a
   * small database may give fewer than `n`.
   *
   * @throws EnodeError `DB_UNAVAILABLE` when the database is closed or fails.
   * @throws RangeError when `n` or `maxAgeMs` is negative or not an integer.
   */
  async querySeeds(n: number, maxAgeMs: number): Promise<ENode[]> {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('n must be a non-negative integer')
    if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 0)
      throw new RangeError('maxAgeMs must be a non-negative integer')
    this.#check()
    return querySeeds(this.#store, n, this.#clock.now() - maxAgeMs, (id) => this.node(id))
  }

  /**
   * Deletes what was not seen (no ping or pong) for 24 hours: per-address entries of
   * stale addresses, and whole nodes with no fresh address left.
   *
   * @returns how many nodes were deleted.
   * @throws EnodeError `DB_UNAVAILABLE` when the database is closed or fails.
   */
  async expire(): Promise<number> {
    this.#check()
    let removed = 0
    const threshold = this.#clock.now() - DB_NODE_EXPIRATION_MS
    for await (const stale of staleEntries(this.#store, threshold)) {
      await this.#write(stale.keys.map((key) => ({ type: 'del', key })))
      if (stale.removedNode) {
        removed++
        this.#recency?.forget(stale.id)
      } else for (const ip of stale.removedIps) this.#recency?.forgetIp(stale.id, ip)
    }
    if (removed > 0) this.#logger.debug({ removed }, 'node database: expired nodes')
    return removed
  }

  /** Stops the expiry timer, waits for a running expiry and closes the store. Idempotent. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
      this.#timer = undefined
      this.#closing = (async () => {
        await this.#expiring
        await this.#store.close()
      })()
    }
    return this.#closing
  }
}
