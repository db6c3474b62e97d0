import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { publicKeyFromPrivate } from '@devp2p/crypto'
import type { RlpInput } from '@devp2p/rlp'
import { EventEmitter } from 'eventemitter3'
import { type Endpoint, EndpointPredictor } from './endpoint-predictor.js'
import { Enr } from './enr.js'
import { ipFromBytes, ipToBytes } from './ip.js'
import { ENode } from './node.js'
import type { NodeDB } from './node-db.js'
import { type NodeId, nodeIdFromPublicKey, nodeIdHex } from './node-id.js'

/** Our own endpoints as the record carries them; `null` removes an entry. */
export interface LocalEndpoints {
  readonly ip?: string | null
  readonly tcp?: number | null
  readonly udp?: number | null
  readonly ip6?: string | null
  readonly tcp6?: number | null
  readonly udp6?: number | null
}

/** Options of {@link LocalNode.create}. */
export interface LocalNodeOptions extends LocalEndpoints {
  /** Our node key (32 bytes). */
  readonly privateKey: Uint8Array
  /** Where the sequence number is kept across restarts (in memory only without it). */
  readonly db?: NodeDB
  readonly clock?: Clock
  readonly logger?: Logger
  /**
   * Keep the configured `ip`/`ip6` even when peers report another one (a known public
   * address). Predicted UDP ports are still ignored for a static address. Default false.
   */
  readonly staticIp?: boolean
  /** Other entries (e.g. `eth`), RLP-encoded as given. */
  readonly entries?: Readonly<Record<string, RlpInput>>
}

/** The payload of `record:updated`. */
export interface RecordUpdatedEvent {
  readonly record: Enr
  readonly node: ENode
}

/** Events of a {@link LocalNode}. */
export type LocalNodeEvents = {
  /** The record changed and was re-signed with a higher seq. */
  'record:updated': [RecordUpdatedEvent]
}

interface EndpointValues {
  ip: string | undefined
  tcp: number | undefined
  udp: number | undefined
  ip6: string | undefined
  tcp6: number | undefined
  udp6: number | undefined
}

const TYPED = new Set(['ip', 'tcp', 'udp', 'ip6', 'tcp6', 'udp6', 'id', 'secp256k1'])

/**
 * Our own node record. Every change re-signs it with the next sequence number, which is
 * stored in the node database and starts from the clock in milliseconds, so it never
 * goes down across restarts, even when the database is lost. Feed it what peers say
 * they see ({@link addEndpointStatement}); when enough agree, the record's `ip`/`udp`
 * (or `ip6`/`udp6`) follow. Emits `record:updated` after every change.
 *
 * @example
 * ```ts
 * const local = await LocalNode.create({ privateKey, db, tcp: 30303, udp: 30303 })
 * local.on('record:updated', ({ record }) => log.info({ seq: record.seq }, 'new record'))
 * local.set('eth', [[forkHash, 0]])
 * discv4.on('pong', (p) => local.addEndpointStatement(p.fromId, p.to.ip, p.to.udp))
 * ```
 */
export class LocalNode extends EventEmitter<LocalNodeEvents> {
  readonly id: NodeId
  readonly #privateKey: Uint8Array
  readonly #db: NodeDB | undefined
  readonly #logger: Logger
  readonly #staticIp: boolean
  readonly #predictors: { 4: EndpointPredictor; 6: EndpointPredictor }
  // bounded: the record is at most 300 bytes, so it has at most ~150 entries.
  readonly #entries = new Map<string, RlpInput>()
  #endpoints: EndpointValues
  #record: Enr
  #node: ENode
  #persisted: Promise<void> = Promise.resolve()

  private constructor(options: LocalNodeOptions, seq: bigint) {
    super()
    // a copy also when the key is a Buffer, whose slice() is a view of the caller's key
    this.#privateKey = new Uint8Array(options.privateKey)
    this.id = nodeIdFromPublicKey(publicKeyFromPrivate(this.#privateKey))
    this.#db = options.db
    this.#logger = options.logger ?? silentLogger
    this.#staticIp = options.staticIp ?? false
    const clock = options.clock ?? systemClock
    this.#predictors = { 4: new EndpointPredictor({ clock }), 6: new EndpointPredictor({ clock }) }
    this.#endpoints = {
      ip: undefined,
      tcp: undefined,
      udp: undefined,
      ip6: undefined,
      tcp6: undefined,
      udp6: undefined,
    }
    this.#applyEndpoints(options)
    for (const [key, value] of Object.entries(options.entries ?? {}))
      this.#checkKey(key).#entries.set(key, value)
    this.#record = this.#sign(seq)
    this.#node = ENode.fromRecord(this.#record)
  }

  /**
   * Creates our node: reads the last sequence number from `db`, starts from
   * max(stored, clock ms) + 1, signs the first record and stores its seq.
   *
   * @throws TypeError / RangeError for an invalid key, endpoint or entry, or a record
   *   larger than 300 bytes.
   * @throws EnodeError `DB_UNAVAILABLE` when the database fails.
   */
  static async create(options: LocalNodeOptions): Promise<LocalNode> {
    if (!(options.privateKey instanceof Uint8Array))
      throw new TypeError('privateKey must be a Uint8Array')
    const id = nodeIdFromPublicKey(publicKeyFromPrivate(options.privateKey))
    const stored = (await options.db?.localSeq(id)) ?? 0n
    const now = BigInt(Math.floor((options.clock ?? systemClock).now()))
    const local = new LocalNode(options, (stored > now ? stored : now) + 1n)
    await options.db?.storeLocalSeq(id, local.seq)
    return local
  }

  /** The current signed record. */
  get record(): Enr {
    return this.#record
  }

  /** The current record as an {@link ENode}. */
  get node(): ENode {
    return this.#node
  }

  /** The current sequence number. */
  get seq(): bigint {
    return this.#record.seq
  }

  #checkKey(key: string): this {
    if (typeof key !== 'string' || key === '') throw new TypeError('key must be a non-empty string')
    if (TYPED.has(key)) throw new RangeError(`"${key}" is set with setEndpoints or by the scheme`)
    return this
  }

  #applyEndpoints(changes: LocalEndpoints): void {
    const next = { ...this.#endpoints }
    for (const key of ['ip', 'tcp', 'udp', 'ip6', 'tcp6', 'udp6'] as const) {
      const value = changes[key]
      if (value === undefined) continue
      ;(next as Record<string, unknown>)[key] = value ?? undefined
    }
    this.#endpoints = next
  }

  #sign(seq: bigint): Enr {
    return Enr.create(this.#privateKey, { seq, ...this.#endpoints, entries: this.#entries })
  }

  /** Re-signs with the next seq, stores the seq, emits `record:updated`. */
  #update(): void {
    const record = this.#sign(this.#record.seq + 1n)
    this.#record = record
    this.#node = ENode.fromRecord(record)
    const db = this.#db
    if (db !== undefined) {
      this.#persisted = this.#persisted
        .then(() => db.storeLocalSeq(this.id, record.seq))
        .catch((err: unknown) => this.#logger.warn({ err }, 'local node: storing seq failed'))
    }
    this.emit('record:updated', { record, node: this.#node })
  }

  /** Runs `change`; if the record would be invalid, nothing changes and the error is thrown. */
  #transaction(change: () => void): void {
    const entries = new Map(this.#entries)
    const endpoints = this.#endpoints
    try {
      change()
      this.#update()
    } catch (err) {
      this.#entries.clear()
      for (const [k, v] of entries) this.#entries.set(k, v)
      this.#endpoints = endpoints
      throw err
    }
  }

  /**
   * Sets any entry but the typed ones (use {@link setEndpoints}) and re-signs.
   *
   * @throws TypeError / RangeError for a typed or invalid key, a value RLP cannot encode,
   *   or a record larger than 300 bytes (the record is then unchanged).
   */
  set(key: string, value: RlpInput): void {
    this.#checkKey(key)
    this.#transaction(() => this.#entries.set(key, value))
  }

  /** Removes an entry set with {@link set} and re-signs; `false` when it was not there. */
  delete(key: string): boolean {
    this.#checkKey(key)
    if (!this.#entries.has(key)) return false
    this.#transaction(() => this.#entries.delete(key))
    return true
  }

  /**
   * Changes endpoints (`undefined` leaves one as it is, `null` removes it) and re-signs.
   *
   * @throws RangeError for an `ip` that is not IPv4, an `ip6` that is not IPv6, or a port
   *   outside 0–65535 (the record is then unchanged).
   */
  setEndpoints(changes: LocalEndpoints): void {
    this.#transaction(() => this.#applyEndpoints(changes))
  }

  /**
   * Records that peer `fromId` sees us at `ip`:`port` (UDP). When at least 10 recent
   * statements exist and most of them agree on an endpoint that differs from the record,
   * the record's `ip`/`udp` (or `ip6`/`udp6`) are updated and re-signed.
   *
   * @throws TypeError / RangeError for an id that is not 32 bytes; a statement with an
   *   invalid IP or port is ignored (it comes from a peer).
   */
  addEndpointStatement(fromId: NodeId, ip: string, port: number): void {
    const from = nodeIdHex(fromId)
    const bytes = typeof ip === 'string' ? ipToBytes(ip) : undefined
    if (bytes === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return
    const family = bytes.length === 4 ? 4 : 6
    this.#predictors[family].addStatement(from, ipFromBytes(bytes), port)
    const predicted = this.predictedEndpoint(family)
    if (predicted === undefined || this.#staticIp) return
    const [ipKey, udpKey] = family === 4 ? (['ip', 'udp'] as const) : (['ip6', 'udp6'] as const)
    if (this.#endpoints[ipKey] === predicted.ip && this.#endpoints[udpKey] === predicted.port)
      return
    this.#logger.info(
      { ip: predicted.ip, port: predicted.port },
      'local node: external endpoint predicted',
    )
    this.setEndpoints({ [ipKey]: predicted.ip, [udpKey]: predicted.port })
  }

  /** The endpoint peers agree they see us at, for IPv4 (default) or IPv6. */
  predictedEndpoint(family: 4 | 6 = 4): Endpoint | undefined {
    const predicted = this.#predictors[family].predict()
    if (predicted === undefined) return undefined
    const bytes = ipToBytes(predicted.ip)
    return bytes?.length === (family === 4 ? 4 : 16) ? predicted : undefined
  }

  /** Waits until every sequence number so far is stored. */
  flush(): Promise<void> {
    return this.#persisted
  }
}
