/**
 * Incoming packets: decoded, checked (expiration, not from ourselves), and handed to the
 * reply matcher (Pong, Neighbors, ENRResponse) or to the handler of a request (Ping,
 * FindNode, ENRRequest), at most MAX_HANDLERS_IN_FLIGHT at once.
 */
import type { Clock, Logger } from '@devp2p/common'
import {
  checkRelayIp,
  ENode,
  type LocalNode,
  type NodeIdHex,
  nodeIdFromPublicKey,
} from '@devp2p/enode'
import { BUCKET_SIZE } from '../kad/constants.js'
import type { Kademlia } from '../kad/kademlia.js'
import type { Bonds } from './bonds.js'
import { MAX_HANDLERS_IN_FLIGHT, MAX_NEIGHBORS_PER_PACKET } from './constants.js'
import { expirationFrom, isExpired } from './expiration.js'
import { decodePacket } from './packet-decode.js'
import type { DecodedPacket, EnrRequestPacket, FindNodePacket, PingPacket } from './packet-types.js'
import type { ReplyMatcher } from './reply-matcher.js'
import type { V4Requests } from './requests.js'
import type { Discv4Stats } from './stats.js'
import type { UdpAddress } from './transport.js'

/** What the handlers work with: the other parts of one running service. */
export interface HandlerContext {
  readonly selfIdHex: NodeIdHex
  readonly localNode: LocalNode
  readonly clock: Clock
  readonly log: Logger
  readonly stats: Discv4Stats
  readonly matcher: ReplyMatcher
  readonly bonds: Bonds
  readonly requests: V4Requests
  readonly kad: Kademlia
}

/** The receiving side of discovery v4 (see the module comment). */
export class PacketHandlers {
  readonly #c: HandlerContext
  // bounded: MAX_HANDLERS_IN_FLIGHT; handlers wait on the node database, which on disk
  // can be slower than a flood of packets arrives
  #inFlight = 0

  constructor(context: HandlerContext) {
    this.#c = context
  }

  /** One datagram from the transport. Never throws: a bad packet is counted and dropped. */
  onMessage(bytes: Uint8Array, from: UdpAddress): void {
    const { stats, kad } = this.#c
    stats.packetsIn++
    stats.bytesIn += bytes.length
    if (!kad.running) return
    let decoded: DecodedPacket
    try {
      decoded = decodePacket(bytes)
    } catch {
      stats.invalid++
      return
    }
    const { packet } = decoded
    if ('expiration' in packet && isExpired(packet.expiration, this.#c.clock.now())) {
      stats.ignored++
      return
    }
    if (decoded.nodeIdHex === this.#c.selfIdHex) {
      stats.ignored++
      return
    }
    if (packet.type === 'pong' || packet.type === 'neighbors' || packet.type === 'enrresponse') {
      if (!this.#c.matcher.deliver(packet, decoded, from)) {
        stats.ignored++ // unsolicited: never enters the table
        return
      }
      if (packet.type === 'pong') {
        this.#c.bonds.recordPong(decoded.nodeId, decoded.nodeIdHex, from.ip)
        if (packet.to.ip !== '') {
          this.#c.localNode.addEndpointStatement(decoded.nodeId, packet.to.ip, packet.to.udp)
        }
      }
      return
    }
    if (this.#inFlight >= MAX_HANDLERS_IN_FLIGHT) {
      stats.ignored++
      return
    }
    this.#inFlight++
    const task =
      packet.type === 'ping'
        ? this.#onPing(packet, decoded, from)
        : packet.type === 'findnode'
          ? this.#onFindNode(packet, decoded, from)
          : this.#onEnrRequest(packet, decoded, from)
    task
      .catch((err: unknown) => {
        this.#c.log.warn({ err: String(err) }, 'discv4 packet handler failed')
      })
      .finally(() => this.#inFlight--)
  }

  async #onPing(packet: PingPacket, decoded: DecodedPacket, from: UdpAddress): Promise<void> {
    const { bonds, kad, localNode } = this.#c
    const { nodeId, nodeIdHex: id, publicKey } = decoded
    const bonded = await bonds.hasBond(id, from.ip)
    if (!bonded && !bonds.allowUnbonded(from.ip)) {
      this.#c.stats.ignored++
      return
    }
    if (!kad.running) return
    this.#c.requests.send(
      {
        type: 'pong',
        to: { ip: from.ip, udp: from.port, tcp: packet.from.tcp },
        pingHash: decoded.hash,
        expiration: expirationFrom(this.#c.clock.now()),
        enrSeq: localNode.seq,
      },
      from,
    )
    bonds.recordPing(nodeId, id, from.ip)
    if (packet.to.ip !== '') localNode.addEndpointStatement(nodeId, packet.to.ip, packet.to.udp)
    let node: ENode
    try {
      node = ENode.fromPublicKey(publicKey, { ip: from.ip, udp: from.port, tcp: packet.from.tcp })
    } catch {
      return
    }
    if (bonded) kad.addInbound(node)
    // make the bond both ways before the node may enter the table
    else bonds.pingBack(node, () => kad.addInbound(node))
  }

  async #onFindNode(
    packet: FindNodePacket,
    decoded: DecodedPacket,
    from: UdpAddress,
  ): Promise<void> {
    if (!(await this.#bonded(decoded, from))) return
    const target = nodeIdFromPublicKey(packet.target)
    const closest = this.#c.kad.table
      .closest(target, BUCKET_SIZE)
      .filter((entry) => checkRelayIp(from.ip, entry.node.ip ?? ''))
    const expiration = expirationFrom(this.#c.clock.now())
    for (let i = 0; i < closest.length || i === 0; i += MAX_NEIGHBORS_PER_PACKET) {
      const chunk = closest.slice(i, i + MAX_NEIGHBORS_PER_PACKET).map(({ node }) => ({
        ip: node.ip!,
        udp: node.udp!,
        tcp: node.tcp ?? 0,
        publicKey: node.publicKey,
      }))
      this.#c.requests.send({ type: 'neighbors', nodes: chunk, expiration }, from)
    }
  }

  async #onEnrRequest(
    _packet: EnrRequestPacket,
    decoded: DecodedPacket,
    from: UdpAddress,
  ): Promise<void> {
    if (!(await this.#bonded(decoded, from))) return
    this.#c.requests.send(
      { type: 'enrresponse', requestHash: decoded.hash, record: this.#c.localNode.record },
      from,
    )
  }

  /**
   * Whether the sender has an endpoint proof and the service still runs. Without a
   * proof, answering would make us an amplifier: the packet is dropped.
   */
  async #bonded(decoded: DecodedPacket, from: UdpAddress): Promise<boolean> {
    if (!(await this.#c.bonds.hasBond(decoded.nodeIdHex, from.ip))) {
      this.#c.stats.ignored++
      return false
    }
    return this.#c.kad.running
  }
}
