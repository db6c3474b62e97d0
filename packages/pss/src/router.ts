import { type Clock, ExpiringSet, type Logger, silentLogger } from '@devp2p/common'
import { compareXor, matchesPrefix, proximity, toHex } from './address.js'
import {
  DEFAULT_BIN_PEERS,
  DEFAULT_FANOUT,
  DIGEST_TTL_MS,
  MAX_ADDRESS_BYTES,
  MAX_DIGESTS,
  MAX_FORWARDS_PER_MESSAGE,
  MAX_MESSAGE_BYTES,
  MAX_TTL_S,
  PEER_BURST_BYTES,
  PEER_BURST_MSGS,
  PEER_RATE_BYTES_PER_S,
  PEER_RATE_MSGS_PER_S,
} from './constants.js'
import { PssError } from './errors.js'
import { decodeMessage, messageDigest, type PssMessage } from './message.js'
import { TokenBucket } from './token-bucket.js'

/** Why the router dropped a message (a counter in {@link PssStats}). */
export type DropReason =
  /** the sender is not a peer added with `addPeer` */
  | 'unknown-peer'
  /** over the sending peer's receive rate (messages or bytes) */
  | 'rate-limited'
  /** not a pss message (a `PssError`; `MESSAGE_TOO_LARGE` included) */
  | 'invalid'
  /** its expiry has passed */
  | 'expired'
  /** its expiry is further than `maxTtlS` ahead */
  | 'ttl-too-long'
  /** its digest was seen within `digestTtlMs` */
  | 'repeat'
  /** a forward that a peer's full outbox refused (the message may still have gone elsewhere) */
  | 'outbox-full'

const DROP_REASONS: readonly DropReason[] = [
  'unknown-peer',
  'rate-limited',
  'invalid',
  'expired',
  'ttl-too-long',
  'repeat',
  'outbox-full',
]

/** The router's counters since it was made. */
export interface PssStats {
  /** Messages handed to `handle` (from peers). */
  readonly received: number
  /** Messages addressed to us (`handle` returned `deliver`). */
  readonly delivered: number
  /** Sends to peers that their outbox took, forwards and our own messages. */
  readonly forwarded: number
  /** Our own messages given to `send`. */
  readonly sent: number
  readonly dropped: Readonly<Record<DropReason, number>>
}

/** What became of one message given to {@link PssRouter.handle} or {@link PssRouter.send}. */
export interface RouteResult {
  /** Set when the message is for us: its address matches our own (empty matches everyone). */
  readonly deliver?: PssMessage
  /** How many peers' outboxes took it. */
  readonly forwards: number
  /** Set when the message was dropped before routing. */
  readonly dropped?: DropReason
  /** The decoding error, when `dropped` is `invalid`. */
  readonly error?: PssError
}

/** Options of {@link PssRouter}; every limit defaults to its constant. */
export interface PssRouterOptions {
  /** Our overlay address: our 32-byte node id. */
  readonly self: Uint8Array
  /** Only `now` is used (default the system clock's `Date.now`). */
  readonly clock?: Pick<Clock, 'now'>
  readonly logger?: Logger
  /**
   * Whether a node that a full (32-byte) address names still forwards the message, as
   * any other node would (default `true`): then the traffic around a node does not show
   * that it was the one who read the message. `false` saves the transmissions after the
   * recipient. Partial and empty addresses are spread inside their neighbourhood either way.
   */
  readonly forwardOwn?: boolean
  /** Peers a message routed toward an address is handed to, closest first (`DEFAULT_FANOUT`). */
  readonly fanout?: number
  /** `MAX_FORWARDS_PER_MESSAGE`: sends tried per message, all kinds. */
  readonly maxForwardsPerMessage?: number
  readonly digestTtlMs?: number
  readonly maxDigests?: number
  readonly maxTtlS?: number
  readonly peerRateMsgsPerS?: number
  readonly peerBurstMsgs?: number
  readonly peerRateBytesPerS?: number
  readonly peerBurstBytes?: number
}

/** Hands an encoded message to a peer's outbox; `false` when the outbox is full. */
export type PeerSend = (encoded: Uint8Array) => boolean

interface RouterPeer {
  readonly id: Uint8Array
  readonly send: PeerSend
  readonly msgs: TokenBucket
  readonly bytes: TokenBucket
}

const systemNow = { now: () => Date.now() }

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`)
  return value
}

/**
 * The routing rules of pss, without I/O: peers are send functions, time is an injected
 * clock, so a test or a simulation drives it directly.
 *
 * - A message whose address our id starts with is for us (`deliver`); an empty address
 *   is for everyone.
 * - Outside the address's neighbourhood, it goes to the `fanout` connected peers closest
 *   to the address by XOR distance (over the address's bytes), never back to the peer it
 *   came from; a full outbox passes it to the next closest.
 * - Inside a partial address's neighbourhood, it goes to every peer inside it; an empty
 *   address goes to every peer. A full address naming us is forwarded as from outside
 *   (see `forwardOwn`).
 * - Never more than `maxForwardsPerMessage` sends per message; repeats (same digest
 *   within `digestTtlMs`), expired messages and ones expiring more than `maxTtlS` ahead
 *   are dropped; each peer's receive rate is a token bucket in messages and in bytes.
 */
export class PssRouter {
  readonly #self: Uint8Array
  readonly #clock: Pick<Clock, 'now'>
  readonly #log: Logger
  readonly #forwardOwn: boolean
  readonly #fanout: number
  readonly #maxForwards: number
  readonly #digestTtlMs: number
  readonly #maxTtlMs: number
  readonly #rates: readonly [number, number, number, number]
  // bounded: one entry per connected peer; the p2p server's maxPeers bounds the connections
  readonly #peers = new Map<string, RouterPeer>()
  // bounded: at most maxDigests (MAX_DIGESTS) entries; the soonest to expire goes first
  readonly #digests: ExpiringSet<string>
  #cursor = 0
  #received = 0
  #delivered = 0
  #forwarded = 0
  #sent = 0
  readonly #dropped: Record<DropReason, number>

  /** @throws RangeError for a `self` that is not 32 bytes or a limit that is not positive. */
  constructor(options: PssRouterOptions) {
    const { self } = options
    if (!(self instanceof Uint8Array) || self.length !== MAX_ADDRESS_BYTES)
      throw new RangeError('self must be a 32-byte node id')
    this.#self = self.slice()
    this.#clock = options.clock ?? systemNow
    this.#log = options.logger ?? silentLogger
    this.#forwardOwn = options.forwardOwn ?? true
    this.#fanout = positiveInt('fanout', options.fanout ?? DEFAULT_FANOUT)
    this.#maxForwards = positiveInt(
      'maxForwardsPerMessage',
      options.maxForwardsPerMessage ?? MAX_FORWARDS_PER_MESSAGE,
    )
    this.#digestTtlMs = positiveInt('digestTtlMs', options.digestTtlMs ?? DIGEST_TTL_MS)
    this.#maxTtlMs = positiveInt('maxTtlS', options.maxTtlS ?? MAX_TTL_S) * 1000
    this.#rates = [
      options.peerRateMsgsPerS ?? PEER_RATE_MSGS_PER_S,
      options.peerBurstMsgs ?? PEER_BURST_MSGS,
      options.peerRateBytesPerS ?? PEER_RATE_BYTES_PER_S,
      options.peerBurstBytes ?? PEER_BURST_BYTES,
    ]
    this.#digests = new ExpiringSet({
      clock: this.#clock,
      maxSize: positiveInt('maxDigests', options.maxDigests ?? MAX_DIGESTS),
    })
    this.#dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
      DropReason,
      number
    >
  }

  /** Our overlay address (a copy). */
  get self(): Uint8Array {
    return this.#self.slice()
  }

  /** The number of peers added and not removed. */
  get peerCount(): number {
    return this.#peers.size
  }

  /**
   * Adds a connected peer (replacing one with the same id), with a fresh receive bucket.
   *
   * @throws RangeError for an id that is not 32 bytes.
   */
  addPeer(id: Uint8Array, send: PeerSend): void {
    if (!(id instanceof Uint8Array) || id.length !== MAX_ADDRESS_BYTES)
      throw new RangeError('a peer id must be 32 bytes')
    const [msgRate, msgBurst, byteRate, byteBurst] = this.#rates
    this.#peers.set(toHex(id), {
      id: id.slice(),
      send,
      msgs: new TokenBucket(this.#clock, msgRate, msgBurst),
      bytes: new TokenBucket(this.#clock, byteRate, byteBurst),
    })
  }

  /**
   * A hint for whoever chooses which nodes to dial (discovery's candidates): whether a
   * connection to `id` would fill a Kademlia bin, i.e. fewer than `binPeers` connected peers
   * share exactly as many leading bits with us as `id` does, or whether `id` is in our
   * nearest neighbourhood (a bin as deep as our deepest peer's, or deeper), which is
   * connected in full as Swarm's hive did. Routing by XOR distance needs that shape: with
   * a peer in every bin, each hop shares at least one more bit with the destination, and
   * the last hops run among neighbours; over uniformly random peers it dead-ends (see
   * the README's Simulation). `false` for our own id and for a peer already connected.
   */
  wantsPeer(id: Uint8Array, binPeers = DEFAULT_BIN_PEERS): boolean {
    if (id.length !== MAX_ADDRESS_BYTES || this.#peers.has(toHex(id))) return false
    const bin = proximity(this.#self, id)
    if (bin === MAX_ADDRESS_BYTES * 8) return false
    let inBin = 0
    let deepest = -1
    for (const p of this.#peers.values()) {
      const po = proximity(this.#self, p.id)
      if (po === bin) inBin++
      if (po > deepest) deepest = po
    }
    // our nearest neighbourhood (as deep as our deepest peer, or deeper) is connected in
    // full, as Swarm's hive did: the last hops of a message run inside it
    return inBin < binPeers || bin >= deepest
  }

  /** Removes a peer; whether it was there. */
  removePeer(id: Uint8Array): boolean {
    return this.#peers.delete(toHex(id))
  }

  /**
   * Routes a message received from peer `from`: counts it, drops it (and says why) or
   * forwards it, and says whether it is for us. Never throws for bad bytes.
   */
  handle(from: Uint8Array, encoded: Uint8Array): RouteResult {
    this.#received++
    const peer = this.#peers.get(toHex(from))
    if (peer === undefined) return this.#drop('unknown-peer')
    // both buckets are checked before either is charged, so a refused message costs nothing
    const size = Math.min(encoded.length, MAX_MESSAGE_BYTES)
    if (!peer.msgs.has(1) || !peer.bytes.has(size)) return this.#drop('rate-limited')
    peer.msgs.take(1)
    peer.bytes.take(size)
    let message: PssMessage
    try {
      message = decodeMessage(encoded)
    } catch (err) {
      if (!(err instanceof PssError)) throw err
      this.#log.debug({ peer: toHex(from), code: err.code }, 'pss: invalid message dropped')
      return { ...this.#drop('invalid'), error: err }
    }
    const age = this.#checkAge(message)
    if (age !== undefined) return this.#drop(age)
    const digest = toHex(messageDigest(encoded))
    if (this.#digests.has(digest)) return this.#drop('repeat')
    this.#digests.add(digest, this.#digestTtlMs)
    const forMe = matchesPrefix(message.to, this.#self)
    if (forMe) this.#delivered++
    const forwards = this.#route(message, encoded, peer, forMe)
    return forMe ? { deliver: message, forwards } : { forwards }
  }

  /**
   * Routes a message of our own: remembers its digest (so an echo is a repeat) and
   * forwards it by the same rules as a received one; it is not delivered to us.
   *
   * @throws PssError when `encoded` is not a pss message, RangeError when it has expired
   *   or expires more than `maxTtlS` ahead.
   */
  send(encoded: Uint8Array): RouteResult {
    const message = decodeMessage(encoded)
    const age = this.#checkAge(message)
    if (age !== undefined) throw new RangeError(`message not sent: ${age}`)
    this.#sent++
    this.#digests.add(toHex(messageDigest(encoded)), this.#digestTtlMs)
    const inside = matchesPrefix(message.to, this.#self)
    return { forwards: this.#route(message, encoded, undefined, inside) }
  }

  /** The counters (a snapshot). */
  stats(): PssStats {
    return {
      received: this.#received,
      delivered: this.#delivered,
      forwarded: this.#forwarded,
      sent: this.#sent,
      dropped: { ...this.#dropped },
    }
  }

  #drop(reason: DropReason): RouteResult {
    this.#dropped[reason]++
    return { forwards: 0, dropped: reason }
  }

  #checkAge(message: PssMessage): 'expired' | 'ttl-too-long' | undefined {
    const now = this.#clock.now()
    const expiryMs = message.expiry * 1000
    if (expiryMs < now) return 'expired'
    if (expiryMs > now + this.#maxTtlMs) return 'ttl-too-long'
    return undefined
  }

  /** Sends to the peers the rules choose; how many took it. */
  #route(
    message: PssMessage,
    encoded: Uint8Array,
    from: RouterPeer | undefined,
    forMe: boolean,
  ): number {
    const { to } = message
    const others: RouterPeer[] = []
    for (const p of this.#peers.values()) if (p !== from) others.push(p)
    if (others.length === 0) return 0
    const spread = to.length === 0 || (forMe && to.length < MAX_ADDRESS_BYTES)
    if (spread) {
      // every peer inside the neighbourhood (all of them for an empty address), starting
      // at a rotating offset so a bounded flood does not always favour the same peers
      const inside = to.length === 0 ? others : others.filter((p) => matchesPrefix(to, p.id))
      if (inside.length === 0) return 0
      const start = this.#cursor % inside.length
      // the next flood starts where this one stopped
      this.#cursor = start + Math.min(inside.length, this.#maxForwards)
      let sent = 0
      for (let i = 0; i < inside.length && i < this.#maxForwards; i++) {
        if (this.#trySend(inside[(start + i) % inside.length]!, encoded)) sent++
      }
      return sent
    }
    if (forMe && !this.#forwardOwn) return 0
    others.sort((a, b) => compareXor(to, a.id, b.id))
    let sent = 0
    for (let i = 0; i < others.length && i < this.#maxForwards && sent < this.#fanout; i++) {
      if (this.#trySend(others[i]!, encoded)) sent++
    }
    return sent
  }

  #trySend(peer: RouterPeer, encoded: Uint8Array): boolean {
    let ok = false
    try {
      ok = peer.send(encoded)
    } catch (err) {
      this.#log.warn({ peer: toHex(peer.id), err }, 'pss: a peer send function threw')
    }
    if (ok) this.#forwarded++
    else this.#dropped['outbox-full']++
    return ok
  }
}
