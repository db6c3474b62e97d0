/**
 * Our requests of discovery v5: PING, FINDNODE and TALKREQ, each matched with its
 * response. This is the {@link KadProtocol} the shared table, lookups and maintenance
 * run on: FINDNODE by distances stands in for discv4's FindNode by target, and a
 * FINDNODE of distance 0 for its ENRRequest.
 */
import {
  checkRelayIp,
  ENode,
  type Enr,
  type LocalNode,
  logDistance,
  type NodeId,
  type NodeIdHex,
} from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import type { KadProtocol, LookupTarget, NetRestrict } from '../kad/protocol.js'
import {
  LOOKUP_DISTANCES,
  MAX_DISTANCE,
  MAX_FINDNODE_DISTANCES,
  MAX_NODES_MESSAGES,
  MAX_NODES_RECORDS,
  MAX_REQUEST_MESSAGE_BYTES,
  MIN_RELAYED_UDP_PORT,
  NODE_ID_BYTES,
} from './constants.js'
import { encodeMessage } from './message-codec.js'
import type { Message } from './message-types.js'
import { verifyNodesRecords } from './nodes-messages.js'
import type { PendingRequests } from './pending-requests.js'
import type { Remote } from './session-layer.js'

/** What a PONG told us. */
export interface Discv5Pong {
  /** The sequence number of the node's record. */
  readonly enrSeq: bigint
  /** Our endpoint as the node saw it. */
  readonly ip: string
  readonly port: number
}

/** Options of {@link V5Requests}. */
export interface V5RequestsOptions {
  readonly localNode: LocalNode
  readonly pending: PendingRequests
  readonly random: () => number
  readonly netRestrict: NetRestrict | undefined
}

/**
 * The node as a session-layer remote.
 * @throws {RangeError} when it has no IP and UDP port.
 */
export function remoteOf(node: ENode): Remote {
  if (node.ip === undefined || !node.udp) {
    throw new RangeError(`node ${node.idHex.slice(0, 16)} has no UDP endpoint`)
  }
  return {
    id: node.id,
    publicKey: node.publicKey,
    record: node.record,
    addr: { ip: node.ip, port: node.udp },
  }
}

/**
 * The distances a lookup step asks `dest` for: the log distance from the target to
 * `dest`, then the distances around it, LOOKUP_DISTANCES in all, each within 1–256.
 */
export function lookupDistances(target: NodeId, dest: NodeId): number[] {
  const center = logDistance(target, dest)
  const out = [center]
  for (let i = 1; out.length < LOOKUP_DISTANCES && i <= MAX_DISTANCE; i++) {
    if (center + i <= MAX_DISTANCE) out.push(center + i)
    if (center - i > 0 && out.length < LOOKUP_DISTANCES) out.push(center - i)
  }
  return out
}

function checkDistances(distances: readonly number[]): number[] {
  if (!Array.isArray(distances) || distances.length === 0) {
    throw new RangeError('distances must be a non-empty array')
  }
  if (distances.length > MAX_FINDNODE_DISTANCES) {
    throw new RangeError(`at most ${MAX_FINDNODE_DISTANCES} distances`)
  }
  for (const d of distances) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_DISTANCE) {
      throw new RangeError(`a distance is an integer 0–${MAX_DISTANCE}, got ${d}`)
    }
  }
  return [...distances]
}

/** Our requests (see the module comment). */
export class V5Requests implements KadProtocol {
  readonly #o: V5RequestsOptions
  readonly #selfIdHex: NodeIdHex

  constructor(options: V5RequestsOptions) {
    this.#o = options
    this.#selfIdHex = options.localNode.node.idHex
  }

  /**
   * PINGs `node`; resolves with its PONG, whose endpoint statement goes to our record's
   * endpoint prediction.
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS` or `CLOSED`.
   */
  ping(node: ENode): Promise<Discv5Pong> {
    const remote = remoteOf(node)
    const { localNode } = this.#o
    return new Promise((resolve, reject) => {
      let pong: Discv5Pong | undefined
      this.#o.pending.request(
        remote,
        (requestId) => ({ type: 'ping', requestId, enrSeq: localNode.seq }),
        'pong',
        (message) => {
          if (message.type !== 'pong') return false
          pong = { enrSeq: message.enrSeq, ip: message.ip, port: message.port }
          return true
        },
        (error) => {
          if (error) return reject(error)
          localNode.addEndpointStatement(node.id, pong!.ip, pong!.port)
          resolve(pong!)
        },
      )
    })
  }

  /**
   * FINDNODE to `node` for `distances`: resolves with the nodes of its NODES answer
   * that are usable — valid records at one of the distances (from `node`), each once,
   * with an address we may contact (geth's relay rules, a UDP port above 1024,
   * `netRestrict`), not ourselves. Records are verified only once the answer matches
   * this request, and at most MAX_NODES_RECORDS of them.
   * @throws DiscoveryError `TIMEOUT` (no NODES came), `TOO_MANY_REQUESTS` or `CLOSED`.
   * @throws {RangeError} for distances out of range.
   */
  async findNodeDistances(node: ENode, distances: readonly number[]): Promise<ENode[]> {
    const wanted = new Set(checkDistances(distances))
    const remote = remoteOf(node)
    const found: ENode[] = []
    const seen = new Set<NodeIdHex>()
    let total = 0
    let received = 0
    let checked = 0
    return new Promise<ENode[]>((resolve, reject) => {
      this.#o.pending.request(
        remote,
        (requestId) => ({ type: 'findnode', requestId, distances: [...wanted] }),
        'nodes',
        (message) => {
          if (message.type !== 'nodes') return false
          received++
          // the first NODES sets the count; at most MAX_NODES_MESSAGES are waited for
          if (total === 0) total = Math.min(Math.max(message.total, 1), MAX_NODES_MESSAGES)
          const budget = MAX_NODES_RECORDS - checked
          const records = message.records.slice(0, Math.max(0, budget))
          checked += records.length
          for (const record of verifyNodesRecords({ records }).records) {
            const usable = this.#usable(record, node, wanted, seen)
            if (usable) found.push(usable)
          }
          return received >= total
        },
        (error) => {
          // a node that sent part of its answer is not a failure
          if (error && !(received > 0 && error.code === 'TIMEOUT')) reject(error)
          else resolve(found)
        },
      )
    })
  }

  /** The kad seam: one lookup step, the distances around the target's from `node`. */
  findNode(node: ENode, target: LookupTarget): Promise<ENode[]> {
    return this.findNodeDistances(node, lookupDistances(target.id, node.id))
  }

  /**
   * Asks `node` for its current record: FINDNODE of distance 0.
   * @throws DiscoveryError `INVALID_RESPONSE` when it sent none of its own, `TIMEOUT`,
   *   `TOO_MANY_REQUESTS` or `CLOSED`.
   */
  async requestEnr(node: ENode): Promise<Enr> {
    const nodes = await this.findNodeDistances(node, [0])
    const own = nodes.find((n) => n.idHex === node.idHex)?.record
    if (!own) throw new DiscoveryError('INVALID_RESPONSE', 'no record of the node itself')
    return own
  }

  /**
   * TALKREQ for `protocol` to `node`; resolves with the TALKRESP's payload (empty when
   * the node does not speak the protocol).
   * @throws DiscoveryError `TIMEOUT`, `TOO_MANY_REQUESTS` or `CLOSED`.
   * @throws {RangeError} when the request does not fit a packet (MAX_REQUEST_MESSAGE_BYTES).
   */
  talkRequest(node: ENode, protocol: Uint8Array, request: Uint8Array): Promise<Uint8Array> {
    const remote = remoteOf(node)
    const probe: Message = { type: 'talkreq', requestId: new Uint8Array(8), protocol, request }
    const size = encodeMessage(probe).length
    if (size > MAX_REQUEST_MESSAGE_BYTES) {
      throw new RangeError(`TALKREQ of ${size} bytes, more than ${MAX_REQUEST_MESSAGE_BYTES}`)
    }
    return new Promise((resolve, reject) => {
      let response: Uint8Array | undefined
      this.#o.pending.request(
        remote,
        (requestId) => ({ type: 'talkreq', requestId, protocol, request }),
        'talkresp',
        (message) => {
          if (message.type !== 'talkresp') return false
          response = message.response
          return true
        },
        (error) => (error ? reject(error) : resolve(response!)),
      )
    })
  }

  /** A random lookup target: in v5 the target is a node id (the key is the id itself). */
  randomTarget(): LookupTarget {
    const id = new Uint8Array(NODE_ID_BYTES)
    for (let i = 0; i < NODE_ID_BYTES; i++) id[i] = Math.floor(this.#o.random() * 256)
    return { id, key: id }
  }

  /** A record of a NODES answer as a node we may use, or undefined (geth's verifyResponseNode). */
  #usable(
    record: Enr,
    from: ENode,
    wanted: ReadonlySet<number>,
    seen: Set<NodeIdHex>,
  ): ENode | undefined {
    if (!wanted.has(logDistance(from.id, record.nodeId))) return undefined
    const node = ENode.fromRecord(record)
    if (node.ip === undefined || !node.udp || node.udp <= MIN_RELAYED_UDP_PORT) return undefined
    if (!checkRelayIp(from.ip ?? '', node.ip)) return undefined
    if (this.#o.netRestrict && !this.#o.netRestrict.contains(node.ip)) return undefined
    if (node.idHex === this.#selfIdHex || seen.has(node.idHex)) return undefined
    seen.add(node.idHex)
    return node
  }
}
