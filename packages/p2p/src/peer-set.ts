import type { NodeIdHex } from '@devp2p/enode'
import { DisconnectReason, P2pError } from './errors.js'
import { type Peer, setPeerTrusted } from './peer.js'

/** How a connection came about: it dialed us, or we dialed a static or a dynamic node. */
export type ConnKind = 'inbound' | 'static' | 'dynamic'

/** Options of {@link PeerSet}. */
export interface PeerSetOptions {
  /** Our own id: a connection to it is refused ("connected to self"). */
  readonly self: NodeIdHex
  /** Most peers at once, trusted ones not counted. */
  readonly maxPeers: number
  /** At most maxPeers / dialRatio peers are dialed by us (at least 1). */
  readonly dialRatio: number
  /** Never dial: every peer slot is for inbound connections. */
  readonly noDial: boolean
  /** The last slots of maxPeers, for peers {@link wanted} says yes to (default 0). */
  readonly reserved?: number
  /** Whether a protocol wants a connection to `id` (default: none is wanted). */
  readonly wanted?: (id: NodeIdHex) => boolean
  /** Trusted node ids (exempt from the limits). */
  readonly trusted: Iterable<NodeIdHex>
  /** Tells a connected peer it became (un)trusted (default: the Peer's own flag). */
  readonly markTrusted?: (peer: Peer, trusted: boolean) => void
}

/**
 * The connected peers and the limits on them, in one place (geth keeps them in the
 * server's run loop): the id → peer map, the inbound, dialed and trusted counts, the
 * trusted ids, and the checks a new connection passes before and after its Hello.
 *
 * Reserved slots: once maxPeers − reserved peers are connected, only a peer a protocol
 * wants is admitted: inbound within its share, dialed (dynamic) into any free slot. Our
 * own dials of wanted peers may exceed the dialed share, since we chose whom to dial
 * (and a protocol wants few: pss one per Kademlia bin); inbound peers never do, so the
 * dial ratio's defence against eclipse attacks stands.
 *
 * bounded: at most maxPeers peers, plus trusted ones (local configuration).
 */
export class PeerSet {
  readonly #self: NodeIdHex
  readonly maxPeers: number
  /** Peers we may dial: maxPeers / dialRatio, at least 1 (0 with `noDial`). */
  readonly maxDialed: number
  /** Peers that may dial us: maxPeers minus {@link maxDialed}. */
  readonly maxInbound: number
  /** The last slots of maxPeers, kept for peers a protocol wants. */
  readonly reserved: number
  readonly #wanted: (id: NodeIdHex) => boolean
  // bounded: at most maxPeers + trusted peers
  readonly #peers = new Map<NodeIdHex, Peer>()
  // bounded: local configuration (trusted ids)
  readonly #trusted: Set<NodeIdHex>
  #inbound = 0
  readonly #markTrusted: (peer: Peer, trusted: boolean) => void

  constructor(options: PeerSetOptions) {
    this.#self = options.self
    this.#markTrusted = options.markTrusted ?? setPeerTrusted
    this.maxPeers = options.maxPeers
    this.maxDialed = options.noDial
      ? 0
      : Math.max(1, Math.floor(options.maxPeers / options.dialRatio))
    this.maxInbound = Math.max(0, options.maxPeers - this.maxDialed)
    this.reserved = options.reserved ?? 0
    this.#wanted = options.wanted ?? (() => false)
    this.#trusted = new Set(options.trusted)
  }

  /** Connected peers. */
  get size(): number {
    return this.#peers.size
  }

  /** Connected peers that dialed us. */
  get inbound(): number {
    return this.#inbound
  }

  /** Connected peers we dialed. */
  get dialed(): number {
    return this.#peers.size - this.#inbound
  }

  /** Connected peers that are trusted. */
  get trustedCount(): number {
    let count = 0
    for (const peer of this.#peers.values()) if (peer.trusted) count++
    return count
  }

  has(id: NodeIdHex): boolean {
    return this.#peers.has(id)
  }

  get(id: NodeIdHex): Peer | undefined {
    return this.#peers.get(id)
  }

  values(): IterableIterator<Peer> {
    return this.#peers.values()
  }

  isTrusted(id: NodeIdHex): boolean {
    return this.#trusted.has(id)
  }

  /** Marks `id` trusted or not, the connected peer with it included. */
  setTrusted(id: NodeIdHex, trusted: boolean): void {
    if (trusted) this.#trusted.add(id)
    else this.#trusted.delete(id)
    const peer = this.#peers.get(id)
    if (peer) this.#markTrusted(peer, trusted)
  }

  /**
   * The limits and identity checks a connection from `id` passes after the RLPx handshake
   * and again after Hello (geth's postHandshakeChecks). Returns a connected peer the new
   * connection replaces: when two nodes dial each other at the same moment, both keep the
   * connection dialed by the node with the lower id, so exactly one survives (refusing
   * both ways would drop both).
   *
   * @throws P2pError `LOCAL_DISCONNECT` with "connected to self", "already connected" or
   *   "too many peers".
   */
  check(id: NodeIdHex, kind: ConnKind): Peer | undefined {
    if (id === this.#self) throw P2pError.local(DisconnectReason.Self)
    const existing = this.#peers.get(id)
    if (existing) {
      const crossed = existing.inbound !== (kind === 'inbound')
      const dialedByUs = kind !== 'inbound'
      const newWins = crossed && (dialedByUs ? this.#self < id : id < this.#self)
      if (!newWins) throw P2pError.local(DisconnectReason.AlreadyConnected)
    }
    if (this.#trusted.has(id)) return existing
    const peers = this.#peers.size - (existing ? 1 : 0)
    const inbound = this.#inbound - (existing?.inbound ? 1 : 0)
    const dialed = this.dialed - (existing && !existing.inbound ? 1 : 0)
    if (peers >= this.maxPeers) throw P2pError.local(DisconnectReason.TooManyPeers)
    if (kind === 'static') return existing
    const open = peers < this.maxPeers - this.reserved
    const share = kind === 'inbound' ? inbound < this.maxInbound : dialed < this.maxDialed
    if (open && share) return existing
    // a reserved slot, or (our dials only) one past the dialed share: for wanted peers
    // (reservedPeers 0 turns all of it off: geth's limits)
    if (this.reserved > 0 && (kind === 'dynamic' || share) && this.#wanted(id)) return existing
    throw P2pError.local(DisconnectReason.TooManyPeers)
  }

  /**
   * Registers a new peer in one step: the checks of {@link check} for its id and `kind`,
   * then counts it as connected in place of the peer it replaces. Returns the replaced
   * peer (no longer counted), which the caller disconnects with "already connected".
   *
   * @throws P2pError `LOCAL_DISCONNECT` as {@link check}; nothing is changed then.
   */
  admit(peer: Peer, kind: ConnKind): Peer | undefined {
    const replaced = this.check(peer.idHex, kind)
    this.add(peer)
    return replaced
  }

  /** Counts `peer` as connected, in place of a peer with its id (see {@link check}). */
  add(peer: Peer): void {
    const replaced = this.#peers.get(peer.idHex)
    if (replaced) this.remove(replaced)
    this.#peers.set(peer.idHex, peer)
    if (peer.inbound) this.#inbound++
  }

  /**
   * Stops counting `peer`. Idempotent, and a no-op for a peer that was replaced (the map
   * then holds its successor). Returns whether it was counted.
   */
  remove(peer: Peer): boolean {
    if (this.#peers.get(peer.idHex) !== peer) return false
    this.#peers.delete(peer.idHex)
    if (peer.inbound) this.#inbound--
    return true
  }
}
