import type { Clock, Logger, TimerHandle } from '@devp2p/common'
import { MAX_PENDING_PER_IP, MAX_WAITING_INBOUND, MAX_WAITING_PER_IP } from './constants.js'

/** What the gate needs of a socket: to stop reading it, and to close it. */
export interface GateSocket {
  destroy(): void
  pause?(): unknown
}

/** An admitted connection's hold on its slot, handed to {@link InboundGateOptions.admit}. */
export interface InboundTicket {
  /** What is left of the deadline that started at accept, in ms (at least 1). */
  readonly remainingMs: number
  /** The RLPx handshake is done: the deadline no longer applies (the slot is still held). */
  handshaken(): void
  /** The setup is over, whatever its outcome: frees the slot (idempotent). */
  release(): void
}

/** Options of {@link InboundGate}. */
export interface InboundGateOptions<S extends GateSocket> {
  /** Handshakes in progress at most (the server's `maxPendingPeers`). */
  maxPending: number
  /**
   * From accept to the end of the RLPx handshake, waiting included (the server's
   * handshake deadline): a connection still waiting or still in the handshake then is
   * closed.
   */
  deadlineMs: number
  clock: Clock
  logger: Logger
  /** Starts the setup of an admitted connection; call `ticket.release()` when it ends. */
  admit(socket: S, ticket: InboundTicket): void
  /** Tests only: other caps than the constants. */
  maxPendingPerIp?: number
  maxWaitingPerIp?: number
  maxWaiting?: number
}

/** What {@link InboundGate.offer} did with a connection. */
export type OfferOutcome = 'admitted' | 'waiting' | 'refused'

interface Entry<S> {
  readonly socket: S
  readonly ip: string
  readonly acceptedAt: number
  /** Arrival order, the tie-break among equal clock times. */
  readonly seq: number
  timer: TimerHandle | undefined
  state: 'waiting' | 'pending' | 'done'
}

interface IpState<S> {
  pending: number
  // bounded: at most maxWaitingPerIp entries
  readonly waiting: Entry<S>[]
}

/**
 * The gate between accepting an inbound TCP connection and starting its handshake: it
 * keeps at most `maxPending` handshakes in progress and lets further connections wait
 * for a slot instead of closing them, as go-ethereum does by not accepting while its
 * slots are full (the kernel's backlog then holds the rest).
 *
 * Node's `net.Server` cannot stop accepting cleanly (no pause; `maxConnections` closes
 * new connections, which is what this replaces; closing and listening again loses the
 * port and the backlog), so the waiting happens here: sockets the listener accepted
 * paused (`pauseOnConnect`: Node reads nothing from them, the kernel's buffer and TCP flow
 * control hold what the peer sends), bounded in count (per IP and in all) and in time.
 *
 * - A connection may wait and handshake for `deadlineMs` in all, counted from accept:
 *   a peer that dialed us gives up after its own handshake deadline anyway.
 * - One IP has at most {@link MAX_PENDING_PER_IP} handshakes in progress and
 *   {@link MAX_WAITING_PER_IP} connections waiting; beyond that it is closed at once.
 * - A freed slot goes to the waiting IPs in turn (round-robin, each IP's connections
 *   oldest first), so many waiters from one IP cannot starve one waiter from another.
 * - When {@link MAX_WAITING_INBOUND} connections wait, a new one takes the place of the
 *   oldest waiter of the IP with the most waiters (the oldest waiter of all when every
 *   IP has one).
 *
 * A paused socket is not read, so a waiter whose peer hung up is noticed only when it is
 * admitted (its handshake then fails at once) or at its deadline; it holds its place in
 * the queue until then, counted against its own address's caps.
 */
export class InboundGate<S extends GateSocket> {
  readonly #opts: InboundGateOptions<S>
  readonly #maxPendingPerIp: number
  readonly #maxWaitingPerIp: number
  readonly #maxWaiting: number
  // bounded: IPs with a pending or waiting connection (≤ maxPending + maxWaiting)
  readonly #ips = new Map<string, IpState<S>>()
  /** The IPs with waiters, in their turn order (a served IP goes to the back). */
  // bounded: a subset of #ips
  readonly #turns = new Map<string, IpState<S>>()
  // bounded: at most maxPending + maxWaiting entries
  readonly #entries = new Set<Entry<S>>()
  #pending = 0
  #waiting = 0
  #seq = 0
  #closed = false

  constructor(options: InboundGateOptions<S>) {
    this.#opts = options
    this.#maxPendingPerIp = options.maxPendingPerIp ?? MAX_PENDING_PER_IP
    this.#maxWaitingPerIp = options.maxWaitingPerIp ?? MAX_WAITING_PER_IP
    this.#maxWaiting = options.maxWaiting ?? MAX_WAITING_INBOUND
  }

  /** Handshakes in progress (admitted and not released). */
  get pending(): number {
    return this.#pending
  }

  /** Connections waiting for a slot. */
  get waiting(): number {
    return this.#waiting
  }

  /**
   * Takes an accepted connection from `ip`: admits it when a slot is free and its IP is
   * under its cap, else lets it wait, else closes it.
   */
  offer(socket: S, ip: string): OfferOutcome {
    if (this.#closed) {
      socket.destroy()
      return 'refused'
    }
    const state = this.#ips.get(ip) ?? { pending: 0, waiting: [] }
    const entry: Entry<S> = {
      socket,
      ip,
      acceptedAt: this.#opts.clock.now(),
      seq: this.#seq++,
      timer: undefined,
      state: 'waiting',
    }
    // Nobody who waits could take a free slot (each pass of #pump admits all who can),
    // so a connection that may take one now skips no one.
    if (this.#pending < this.#opts.maxPending && state.pending < this.#maxPendingPerIp) {
      this.#ips.set(ip, state)
      this.#track(entry)
      this.#admit(entry, state)
      return 'admitted'
    }
    if (state.waiting.length >= this.#maxWaitingPerIp) {
      this.#opts.logger.debug({ ip }, 'inbound connection refused: too many waiting from its IP')
      socket.destroy()
      return 'refused'
    }
    if (this.#waiting >= this.#maxWaiting) this.#evictFor(ip)
    this.#ips.set(ip, state)
    socket.pause?.()
    state.waiting.push(entry)
    this.#waiting++
    if (!this.#turns.has(ip)) this.#turns.set(ip, state)
    this.#track(entry)
    return 'waiting'
  }

  /** Closes every waiting connection and clears every deadline; later offers are refused. */
  close(): void {
    this.#closed = true
    for (const entry of [...this.#entries]) {
      this.#opts.clock.clearTimeout(entry.timer)
      entry.timer = undefined
      if (entry.state === 'waiting') this.#drop(entry, 'the server is stopping')
    }
  }

  #track(entry: Entry<S>): void {
    this.#entries.add(entry)
    entry.timer = this.#opts.clock.setTimeout(() => this.#expire(entry), this.#opts.deadlineMs)
  }

  #expire(entry: Entry<S>): void {
    entry.timer = undefined
    if (entry.state === 'waiting') {
      this.#drop(entry, 'no slot within the handshake deadline')
    } else if (entry.state === 'pending') {
      // the handshake fails on the closed socket and its setup releases the slot
      this.#opts.logger.debug({ ip: entry.ip }, 'inbound handshake deadline passed')
      entry.socket.destroy()
    }
  }

  /** Removes a waiting entry and closes its socket. */
  #drop(entry: Entry<S>, why: string): void {
    const state = this.#ips.get(entry.ip)!
    const at = state.waiting.indexOf(entry)
    state.waiting.splice(at, 1)
    this.#waiting--
    if (state.waiting.length === 0) this.#turns.delete(entry.ip)
    this.#finish(entry, state)
    this.#opts.logger.debug({ ip: entry.ip, why }, 'waiting inbound connection closed')
    entry.socket.destroy()
  }

  /** Makes room for one more waiter from `ip` (see the class comment for who goes). */
  #evictFor(ip: string): void {
    let victim: Entry<S> | undefined
    let most = 0
    for (const [other, state] of this.#turns) {
      const count = state.waiting.length + (other === ip ? 1 : 0)
      const head = state.waiting[0]!
      if (count > most || (count === most && victim !== undefined && head.seq < victim.seq)) {
        most = count
        victim = head
      }
    }
    if (victim) this.#drop(victim, 'the wait queue is full')
  }

  #admit(entry: Entry<S>, state: IpState<S>): void {
    entry.state = 'pending'
    state.pending++
    this.#pending++
    const gate = this
    const ticket: InboundTicket = {
      // at most deadlineMs: a wall clock stepping back must not lengthen it
      remainingMs: Math.min(
        this.#opts.deadlineMs,
        Math.max(1, entry.acceptedAt + this.#opts.deadlineMs - this.#opts.clock.now()),
      ),
      handshaken() {
        gate.#opts.clock.clearTimeout(entry.timer)
        entry.timer = undefined
      },
      release() {
        gate.#release(entry)
      },
    }
    this.#opts.admit(entry.socket, ticket)
  }

  #release(entry: Entry<S>): void {
    if (entry.state !== 'pending') return
    const state = this.#ips.get(entry.ip)!
    state.pending--
    this.#pending--
    this.#finish(entry, state)
    this.#pump()
  }

  /** Forgets a waiting or pending entry (its counts are already taken off). */
  #finish(entry: Entry<S>, state: IpState<S>): void {
    entry.state = 'done'
    this.#opts.clock.clearTimeout(entry.timer)
    entry.timer = undefined
    this.#entries.delete(entry)
    if (state.pending === 0 && state.waiting.length === 0) this.#ips.delete(entry.ip)
  }

  /** Admits waiters, IP by IP in turn, while slots are free and their IPs are under cap. */
  #pump(): void {
    while (!this.#closed && this.#pending < this.#opts.maxPending && this.#waiting > 0) {
      let next: Entry<S> | undefined
      for (const [ip, state] of this.#turns) {
        if (state.pending >= this.#maxPendingPerIp) continue
        next = state.waiting.shift()!
        this.#waiting--
        this.#turns.delete(ip)
        if (state.waiting.length > 0) this.#turns.set(ip, state)
        this.#admit(next, state)
        break
      }
      if (!next) return
    }
  }
}
