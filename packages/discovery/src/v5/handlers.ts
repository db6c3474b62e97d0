/**
 * The messages that arrive through the session layer: responses go to the request they
 * answer (or are dropped unverified), requests are answered — PING with PONG, FINDNODE
 * with NODES from the shared table, TALKREQ through the registered talk protocols — and
 * a node that completed a handshake with us may enter the table.
 */
import type { Clock, Logger } from '@devp2p/common'
import { checkRelayIp, ENode, type Enr, type LocalNode, logDistance } from '@devp2p/enode'
import type { Kademlia } from '../kad/kademlia.js'
import { MAX_NODES_RECORDS } from './constants.js'
import type { FindNodeMessage, Message } from './message-types.js'
import { nodesMessages } from './nodes-messages.js'
import type { PendingRequests } from './pending-requests.js'
import type { InboundMessage, SessionLayer } from './session-layer.js'
import type { Discv5Stats } from './stats.js'
import type { TalkProtocols } from './talk.js'

/** What the handlers work with: the other parts of one running service. */
export interface V5HandlerContext {
  readonly localNode: LocalNode
  readonly clock: Clock
  readonly log: Logger
  readonly stats: Discv5Stats
  readonly layer: SessionLayer
  readonly pending: PendingRequests
  readonly talk: TalkProtocols
  readonly kad: Kademlia
}

/** The receiving side of discovery v5 (see the module comment). */
export class MessageHandlers {
  readonly #c: V5HandlerContext

  constructor(context: V5HandlerContext) {
    this.#c = context
  }

  /** One opened message. Never throws: a message we cannot use is counted and dropped. */
  onMessage(inbound: InboundMessage): void {
    const { stats, kad } = this.#c
    if (!kad.running) return
    if (inbound.handshake && inbound.record) this.#offerInbound(inbound.record, inbound)
    const { message } = inbound
    try {
      switch (message.type) {
        case 'pong':
        case 'nodes':
        case 'talkresp':
          // unsolicited: dropped before any record in it is verified
          if (!this.#c.pending.deliver(inbound)) stats.ignored++
          return
        case 'ping':
          this.#respond(inbound, {
            type: 'pong',
            requestId: message.requestId,
            enrSeq: this.#c.localNode.seq,
            ip: inbound.from.ip,
            port: inbound.from.port,
          })
          return
        case 'findnode':
          this.#onFindNode(message, inbound)
          return
        case 'talkreq':
          this.#c.talk.handle(
            message,
            { id: inbound.srcId, addr: inbound.from, record: inbound.record },
            (response) =>
              this.#respond(inbound, { type: 'talkresp', requestId: message.requestId, response }),
            this.#c,
          )
          return
      }
    } catch (err) {
      stats.invalid++
      this.#c.log.warn({ err: String(err) }, 'discv5 message handler failed')
    }
  }

  /**
   * Answers FINDNODE: for each requested distance (once each), our record at 0 and the
   * table's nodes at that log distance from us, only those whose address the asker may
   * be told of (relay rules), at most MAX_NODES_RECORDS, in as many NODES as they need.
   */
  #onFindNode(message: FindNodeMessage, inbound: InboundMessage): void {
    const { kad, localNode } = this.#c
    const wanted = new Set(message.distances)
    const records: Enr[] = []
    if (wanted.has(0)) records.push(localNode.record)
    if (wanted.size > (wanted.has(0) ? 1 : 0)) {
      for (const { node } of kad.table.nodes()) {
        if (records.length >= MAX_NODES_RECORDS) break
        if (!node.record || node.ip === undefined) continue
        if (!wanted.has(logDistance(localNode.id, node.id))) continue
        if (!checkRelayIp(inbound.from.ip, node.ip)) continue
        records.push(node.record)
      }
    }
    for (const nodes of nodesMessages(message.requestId, records)) this.#respond(inbound, nodes)
  }

  #respond(inbound: InboundMessage, message: Message): void {
    if (!this.#c.kad.running) return
    try {
      this.#c.layer.respond({ id: inbound.srcId, addr: inbound.from }, message)
    } catch (err) {
      // a TALKRESP too large for a packet: the application's mistake, logged
      this.#c.log.warn({ err: String(err) }, 'discv5 response not sent')
    }
  }

  /**
   * A node that proved its key in a handshake may enter the table (once the first
   * refresh is done), when its record's endpoint is the one it wrote from: the record
   * of someone else's address would otherwise make us send them traffic.
   */
  #offerInbound(record: Enr, inbound: InboundMessage): void {
    const node = ENode.fromRecord(record)
    if (node.ip !== inbound.from.ip || node.udp !== inbound.from.port) return
    this.#c.kad.addInbound(node)
  }
}
