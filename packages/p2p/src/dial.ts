import { lookup } from 'node:dns/promises'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { type Clock, ExpiringSet, type Logger, type TimerHandle } from '@devp2p/common'
import { ENode, type NetList, type NodeIdHex } from '@devp2p/enode'
import {
  DIAL_HISTORY_MAX_IDS,
  DIAL_HISTORY_MS,
  RESOLVE_BACKOFF_MAX_MS,
  RESOLVE_BACKOFF_MIN_MS,
} from './constants.js'
import { P2pError } from './errors.js'
import type { NodeSource } from './protocol.js'

/**
 * Opens the byte stream to a node, as geth's `NodeDialer`: the server runs the RLPx
 * handshake over what it returns. The default dials TCP ({@link tcpDialer}); a test or an
 * application may give its own (an in-memory pipe, a proxy, a simulated network).
 */
export interface NodeDialer {
  /**
   * Resolves with a connected stream to `node` (its `ip` and `tcp` are set), or rejects.
   * Must give up, destroying what it opened, when `signal` aborts (the server stops).
   */
  dial(node: ENode, options: { readonly signal: AbortSignal }): Promise<Duplex>
}

/**
 * The default {@link NodeDialer}: a TCP connection with Nagle off, given up after
 * `timeoutMs` on `clock`.
 *
 * @throws P2pError `DIAL_FAILED` (from `dial`) when the connection fails, times out or
 *   the signal aborts.
 */
export function tcpDialer(options: {
  readonly clock: Clock
  readonly timeoutMs: number
}): NodeDialer {
  const { clock, timeoutMs } = options
  return {
    dial(node, { signal }) {
      return new Promise<Duplex>((resolve, reject) => {
        if (signal.aborted) {
          reject(new P2pError('DIAL_FAILED', 'dial aborted', { cause: signal.reason }))
          return
        }
        const socket = connect({ host: node.ip!, port: node.tcp!, noDelay: true })
        const fail = (err: P2pError): void => {
          deadline.cancel()
          signal.removeEventListener('abort', onAbort)
          socket.off('connect', onConnect).off('error', onError).off('close', onClose)
          socket.destroy()
          reject(err)
        }
        const onConnect = (): void => {
          deadline.cancel()
          signal.removeEventListener('abort', onAbort)
          socket.off('error', onError).off('close', onClose)
          resolve(socket)
        }
        const onError = (err: Error): void =>
          fail(new P2pError('DIAL_FAILED', `cannot connect: ${err.message}`, { cause: err }))
        const onClose = (): void => onError(new Error('socket closed'))
        const onAbort = (): void =>
          fail(new P2pError('DIAL_FAILED', 'dial aborted', { cause: signal.reason }))
        const deadline = clock.deadline(timeoutMs, () =>
          fail(new P2pError('DIAL_FAILED', `TCP connect timed out after ${timeoutMs} ms`)),
        )
        signal.addEventListener('abort', onAbort, { once: true })
        socket.once('connect', onConnect).once('error', onError).once('close', onClose)
      })
    },
  }
}

/** Why a dial target is skipped. */
export type DialSkip = 'self' | 'connected' | 'dialing' | 'recent' | 'no-address' | 'restricted'

/** What the scheduler reads of the connected peers (the server's `PeerSet`). */
export interface DialPeers {
  has(id: NodeIdHex): boolean
  /** Connected peers we dialed. */
  readonly dialed: number
  /** Peers we may dial (MaxPeers / DialRatio). */
  readonly maxDialed: number
  /** Connected peers. */
  readonly size: number
  readonly maxPeers: number
  /** The last slots of maxPeers, for peers a protocol wants (see `PeerSet`). */
  readonly reserved: number
}

/** A source of dial candidates; a preferred one's may use the reserved slots. */
export interface DialSource {
  readonly source: NodeSource
  readonly preferred: boolean
}

/** @internal What the scheduler needs from the server. */
export interface DialSchedulerOptions {
  readonly self: NodeIdHex
  /** The connected peers: counts and slots come from here, not from a copy. */
  readonly peers: DialPeers
  /** Dials in progress at most (MaxPendingPeers). */
  readonly maxActiveDials: number
  readonly clock: Clock
  readonly logger: Logger
  readonly netRestrict?: NetList | undefined
  readonly sources: readonly DialSource[]
  /** Opens and sets up a connection; resolves when it is a peer or has failed. */
  readonly dial: (node: ENode, kind: 'static' | 'dynamic') => Promise<void>
}

interface StaticEntry {
  node: ENode
  /** When a host name may be resolved again. */
  notBefore: number
  backoffMs: number
}

/**
 * @internal Decides whom to dial, as geth's `dialScheduler`: static nodes whenever they
 * are not connected, dynamic candidates from the node sources while dial slots are free,
 * never the same node twice within {@link DIAL_HISTORY_MS}, never ourselves or outside
 * the net restriction.
 *
 * bounded: statics are local configuration; `dialing` ≤ maxActiveDials; the history is
 * an {@link ExpiringSet} of at most {@link DIAL_HISTORY_MAX_IDS} ids.
 */
export class DialScheduler {
  readonly #o: DialSchedulerOptions
  // bounded: local configuration (the server's sources)
  readonly #sources: DialSource[]
  // bounded: local configuration (static nodes)
  readonly #statics = new Map<NodeIdHex, StaticEntry>()
  // bounded: at most maxActiveDials
  readonly #dialing = new Map<NodeIdHex, 'static' | 'dynamic'>()
  // bounded: DIAL_HISTORY_MAX_IDS
  readonly #history: ExpiringSet<NodeIdHex>
  // bounded: one per node source pump
  #slotWaiters: (() => void)[] = []
  #timer: TimerHandle | undefined
  #timerAt = Number.POSITIVE_INFINITY
  readonly #abort = new AbortController()
  #running = false

  constructor(options: DialSchedulerOptions) {
    this.#o = options
    this.#sources = [...options.sources]
    this.#history = new ExpiringSet({ clock: options.clock, maxSize: DIAL_HISTORY_MAX_IDS })
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    for (const source of this.#sources) void this.#pump(source)
    this.#tick()
  }

  stop(): void {
    if (!this.#running) return
    this.#running = false
    this.#abort.abort()
    this.#o.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    for (const wake of this.#slotWaiters.splice(0)) wake()
  }

  /** Adds a source of dial candidates; it is pulled while dial slots are free for it. */
  addSource(source: DialSource): void {
    this.#sources.push(source)
    if (this.#running) void this.#pump(source)
  }

  /** Dials in progress. */
  get dialing(): number {
    return this.#dialing.size
  }

  addStatic(node: ENode): void {
    if (node.idHex === this.#o.self || this.#statics.has(node.idHex)) return
    this.#statics.set(node.idHex, { node, notBefore: 0, backoffMs: RESOLVE_BACKOFF_MIN_MS })
    this.#tick()
  }

  removeStatic(id: NodeIdHex): boolean {
    return this.#statics.delete(id)
  }

  isStatic(id: NodeIdHex): boolean {
    return this.#statics.has(id)
  }

  /** A peer dropped: a dial slot may be free, and a static node may need a redial. */
  peerRemoved(): void {
    this.#slotFreed()
    this.#tick()
  }

  /** Why `node` would not be dialed now, or `undefined` when it would. */
  check(node: ENode): DialSkip | undefined {
    if (node.idHex === this.#o.self) return 'self'
    if (this.#o.peers.has(node.idHex)) return 'connected'
    if (this.#dialing.has(node.idHex)) return 'dialing'
    if (this.#history.has(node.idHex)) return 'recent'
    if ((node.ip === undefined && node.hostname === undefined) || !node.tcp) return 'no-address'
    if (node.ip !== undefined && this.#o.netRestrict && !this.#o.netRestrict.contains(node.ip)) {
      return 'restricted'
    }
    return undefined
  }

  /**
   * Dials that may start now: twice the free dialed slots (some dials fail), at most
   * maxActiveDials in flight. A preferred source (nodes a protocol wants) may dial into
   * any free slot, past the dialed share; a plain one gets none once only reserved slots
   * are left. Static nodes: as before.
   */
  #freeSlots(kind: 'static' | 'preferred' | 'plain'): number {
    const { maxDialed, dialed, size, maxPeers, reserved } = this.#o.peers
    if (kind === 'plain' && size >= maxPeers - reserved) return 0
    const free = kind === 'preferred' && reserved > 0 ? maxPeers - size : maxDialed - dialed
    const slots = Math.min(free * 2, this.#o.maxActiveDials)
    return slots - this.#dialing.size
  }

  #slotFreed(): void {
    for (const wake of this.#slotWaiters.splice(0)) wake()
  }

  #tick(): void {
    if (!this.#running) return
    const now = this.#o.clock.now()
    let next = Number.POSITIVE_INFINITY
    for (const entry of this.#statics.values()) {
      if (this.#freeSlots('static') <= 0) break
      const skip = this.check(entry.node)
      if (skip === 'recent') {
        next = Math.min(next, now + 1000)
        continue
      }
      if (skip !== undefined) continue
      if (entry.notBefore > now) {
        next = Math.min(next, entry.notBefore)
        continue
      }
      this.#start(entry.node, 'static', entry)
    }
    if (next < this.#timerAt) {
      this.#o.clock.clearTimeout(this.#timer)
      this.#timerAt = next
      this.#timer = this.#o.clock.setTimeout(
        () => {
          this.#timerAt = Number.POSITIVE_INFINITY
          this.#timer = undefined
          this.#tick()
        },
        Math.max(0, next - now),
      )
    }
  }

  #start(node: ENode, kind: 'static' | 'dynamic', entry?: StaticEntry): void {
    this.#dialing.set(node.idHex, kind)
    this.#history.add(node.idHex, DIAL_HISTORY_MS)
    void this.#run(node, kind, entry).finally(() => {
      this.#dialing.delete(node.idHex)
      this.#slotFreed()
      this.#tick()
    })
  }

  async #run(node: ENode, kind: 'static' | 'dynamic', entry?: StaticEntry): Promise<void> {
    let target = node
    if (node.ip === undefined && node.hostname !== undefined) {
      try {
        const { address } = await lookup(node.hostname)
        target = ENode.fromPublicKey(node.publicKey, { ip: address, tcp: node.tcp, udp: node.udp })
        if (entry) entry.backoffMs = RESOLVE_BACKOFF_MIN_MS
      } catch (err) {
        this.#o.logger.debug({ node: node.idHex, err: String(err) }, 'cannot resolve host name')
        if (entry) {
          entry.notBefore = this.#o.clock.now() + entry.backoffMs
          entry.backoffMs = Math.min(entry.backoffMs * 2, RESOLVE_BACKOFF_MAX_MS)
        }
        return
      }
      if (this.#o.netRestrict && !this.#o.netRestrict.contains(target.ip!)) return
    }
    if (!this.#running) return
    await this.#o.dial(target, kind)
  }

  async #pump({ source, preferred }: DialSource): Promise<void> {
    const signal = this.#abort.signal
    try {
      for await (const node of source.randomNodes({ signal })) {
        if (!this.#running) break
        while (this.#running && this.#freeSlots(preferred ? 'preferred' : 'plain') <= 0) {
          await new Promise<void>((resolve) => this.#slotWaiters.push(resolve))
        }
        if (!this.#running) break
        if (this.#statics.has(node.idHex)) continue
        if (this.check(node) === undefined) this.#start(node, 'dynamic')
      }
    } catch (err) {
      if (!signal.aborted) this.#o.logger.warn({ err: String(err) }, 'node source failed')
    }
  }
}
