/**
 * Our requests of discovery v4: Ping, FindNode and ENRRequest, each sent, signed, and
 * matched with its reply. This is the {@link KadProtocol} the shared table, lookups and
 * maintenance run on.
 */
import type { Clock } from '@devp2p/common'
import { equalBytes, keccak256 } from '@devp2p/crypto'
import {
  checkRelayIp,
  ENode,
  type Enr,
  type LocalNode,
  type NodeIdHex,
  nodeIdHex,
} from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import { BUCKET_SIZE } from '../kad/constants.js'
import type { KadProtocol, LookupTarget, NetRestrict } from '../kad/protocol.js'
import type { Bonds } from './bonds.js'
import { MAX_NEIGHBORS_PER_PACKET, PROTOCOL_VERSION } from './constants.js'
import { expirationFrom } from './expiration.js'
import { encodePacket } from './packet-encode.js'
import type { Endpoint, NeighborsNode, Packet } from './packet-types.js'
import { type ReplyMatcher, tooManyRequests } from './reply-matcher.js'
import type { Discv4Stats } from './stats.js'
import type { DatagramTransport, UdpAddress } from './transport.js'

/** What a Pong told us. */
export interface PongInfo {
  /** The sequence number of the node's record (EIP-868), when it sent one. */
  readonly enrSeq: bigint | undefined
  /** Our endpoint as the node saw it. */
  readonly to: Endpoint
}

/** Options of {@link V4Requests}. */
export interface V4RequestsOptions {
  readonly privateKey: Uint8Array
  readonly selfIdHex: NodeIdHex
  readonly localNode: LocalNode
  readonly transport: DatagramTransport
  readonly clock: Clock
  readonly random: () => number
  readonly netRestrict: NetRestrict | undefined
  readonly stats: Discv4Stats
  readonly matcher: ReplyMatcher
  /** Bonds are made before FindNode and ENRRequest (their `ping` is ours). */
  readonly bonds: Bonds
}

function endpointOf(node: { ip?: string | undefined; udp?: number | undefined }): UdpAddress {
  return { ip: node.ip ?? '', port: node.udp ?? 0 }
}

/** Sending packets and our three kinds of request (see the module comment). */
export class V4Requests implements KadProtocol {
  readonly #o: V4RequestsOptions

  constructor(options: V4RequestsOptions) {
    this.#o = options
  }

  /** Signs and sends `packet`; returns its hash (what a reply to it carries). */
  send(packet: Packet, to: UdpAddress): Uint8Array {
    const { bytes, hash } = encodePacket(packet, this.#o.privateKey)
    this.#o.stats.packetsOut++
    this.#o.stats.bytesOut += bytes.length
    this.#o.transport.send(bytes, to)
    return hash
  }

  /**
   * Pings `node` and resolves with its Pong (which also makes a bond).
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS` or `CLOSED`.
   */
  ping(node: ENode): Promise<PongInfo> {
    return new Promise((resolve, reject) => {
      // a Ping whose Pong we could not track is not signed or sent: every new sender is
      // pinged back, so under a flood of new keys this saves a signature per packet
      if (this.#o.matcher.full) {
        reject(tooManyRequests())
        return
      }
      const { localNode, clock } = this.#o
      const to = endpointOf(node)
      const self = localNode.node
      const hash = this.send(
        {
          type: 'ping',
          version: PROTOCOL_VERSION,
          from: { ip: self.ip ?? '0.0.0.0', udp: self.udp ?? 0, tcp: self.tcp ?? 0 },
          to: { ip: to.ip, udp: to.port, tcp: node.tcp ?? 0 },
          expiration: expirationFrom(clock.now()),
          enrSeq: localNode.seq,
        },
        to,
      )
      let pong: PongInfo | undefined
      this.#o.matcher.expect(
        node.idHex,
        to.ip,
        'pong',
        (packet) => {
          if (packet.type !== 'pong' || !equalBytes(packet.pingHash, hash)) {
            return { matched: false, done: false }
          }
          pong = { enrSeq: packet.enrSeq, to: packet.to }
          return { matched: true, done: true }
        },
        (error) => (error ? reject(error) : resolve(pong!)),
      )
    })
  }

  /**
   * Asks `node` for its current record (EIP-868), after making sure we have a bond.
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS`, `CLOSED` or `INVALID_RESPONSE`.
   */
  async requestEnr(node: ENode): Promise<Enr> {
    await this.#o.bonds.ensureBond(node)
    return new Promise<Enr>((resolve, reject) => {
      const to = endpointOf(node)
      const hash = this.send(
        { type: 'enrrequest', expiration: expirationFrom(this.#o.clock.now()) },
        to,
      )
      let record: Enr | undefined
      this.#o.matcher.expect(
        node.idHex,
        to.ip,
        'enrresponse',
        (packet) => {
          if (packet.type !== 'enrresponse' || !equalBytes(packet.requestHash, hash)) {
            return { matched: false, done: false }
          }
          record = packet.record
          return { matched: true, done: true }
        },
        (error) => {
          if (error) return reject(error)
          if (!record || record.nodeId === undefined || nodeIdHex(record.nodeId) !== node.idHex) {
            return reject(new DiscoveryError('INVALID_RESPONSE', 'record of another node'))
          }
          resolve(record)
        },
      )
    })
  }

  /**
   * FindNode to `node` for `target.key` (a 64-byte public key); resolves with the usable
   * nodes it sent. An answer ends with 16 nodes or a packet of fewer than 12.
   * @throws DiscoveryError `TIMEOUT` (nothing came), `TOO_MANY_REQUESTS` or `CLOSED`.
   */
  async findNode(node: ENode, target: LookupTarget): Promise<ENode[]> {
    await this.#o.bonds.ensureBond(node)
    const to = endpointOf(node)
    const found: ENode[] = []
    let received = 0
    return new Promise<ENode[]>((resolve, reject) => {
      this.send(
        { type: 'findnode', target: target.key, expiration: expirationFrom(this.#o.clock.now()) },
        to,
      )
      this.#o.matcher.expect(
        node.idHex,
        to.ip,
        'neighbors',
        (packet) => {
          if (packet.type !== 'neighbors') return { matched: false, done: false }
          const entries = packet.nodes.length + (packet.skipped ?? 0)
          received += entries
          for (const entry of packet.nodes) {
            const valid = this.#nodeFromNeighbors(entry, to.ip)
            if (valid) found.push(valid)
          }
          // Senders fill packets of 12 and send the rest last, so a short packet ends
          // the answer: no need to wait out the timeout as geth does (a sender that
          // splits otherwise loses us the nodes after its first short packet)
          return {
            matched: true,
            done: received >= BUCKET_SIZE || entries < MAX_NEIGHBORS_PER_PACKET,
          }
        },
        (error) => {
          // a node with fewer than 16 nodes to give is not a failure
          if (error && !(received > 0 && error.code === 'TIMEOUT')) reject(error)
          else resolve(found)
        },
      )
    })
  }

  /** A random lookup target: 64 random bytes (need not be a valid key, as in geth). */
  randomTarget(): LookupTarget {
    const key = new Uint8Array(64)
    for (let i = 0; i < 64; i++) key[i] = Math.floor(this.#o.random() * 256)
    return { id: keccak256(key), key }
  }

  /** A Neighbors entry as a node we may use, or undefined (geth's nodeFromRPC + checks). */
  #nodeFromNeighbors(entry: NeighborsNode, senderIp: string): ENode | undefined {
    if (entry.udp <= 1024) return undefined
    if (!checkRelayIp(senderIp, entry.ip)) return undefined
    if (this.#o.netRestrict && !this.#o.netRestrict.contains(entry.ip)) return undefined
    let node: ENode
    try {
      node = ENode.fromPublicKey(entry.publicKey, { ip: entry.ip, udp: entry.udp, tcp: entry.tcp })
    } catch {
      return undefined
    }
    return node.idHex === this.#o.selfIdHex ? undefined : node
  }
}
