/**
 * How the parts of one running discovery v5 service fit together; the facade
 * (`discv5.ts`) calls {@link composeParts} once the socket is bound.
 */
import type { Clock, Logger } from '@devp2p/common'
import type { ENode, LocalNode, NodeDB } from '@devp2p/enode'
import { Kademlia } from '../kad/kademlia.js'
import { TableMaintenance } from '../kad/maintenance.js'
import type { NetRestrict } from '../kad/protocol.js'
import type { DatagramTransport } from '../v4/transport.js'
import { Challenges } from './challenges.js'
import { MessageHandlers } from './handlers.js'
import { PendingRequests } from './pending-requests.js'
import { V5Requests } from './requests.js'
import { SessionCache } from './session-cache.js'
import { SessionLayer } from './session-layer.js'
import type { Discv5Stats } from './stats.js'
import type { TalkProtocols } from './talk.js'

/** What the parts are made of: the facade's options, resolved, and the bound transport. */
export interface V5PartsConfig {
  readonly privateKey: Uint8Array
  readonly localNode: LocalNode
  readonly db: NodeDB
  readonly transport: DatagramTransport
  readonly bootnodes: readonly ENode[]
  readonly clock: Clock
  readonly log: Logger
  readonly random: () => number
  readonly netRestrict: NetRestrict | undefined
  readonly stats: Discv5Stats
  readonly talk: TalkProtocols
  readonly maxSessions: number | undefined
  /** Aborted when the service stops. */
  readonly signal: AbortSignal
}

/** The parts of a running service. */
export interface Discv5Parts {
  readonly sessions: SessionCache
  readonly challenges: Challenges
  readonly layer: SessionLayer
  readonly pending: PendingRequests
  readonly requests: V5Requests
  readonly kad: Kademlia
  readonly maintenance: TableMaintenance
  readonly handlers: MessageHandlers
}

/**
 * Builds the parts and wires them: datagrams reach the session layer, opened messages
 * the handlers, responses the pending requests; the table runs on our requests.
 */
export function composeParts(config: V5PartsConfig): Discv5Parts {
  const { clock, stats, signal, db, localNode, random, netRestrict, log } = config
  const sessions = new SessionCache(
    config.maxSessions === undefined ? {} : { maxEntries: config.maxSessions },
  )
  const challenges = new Challenges({ clock })
  let kad: Kademlia | undefined
  let handlers: MessageHandlers | undefined
  const layer = new SessionLayer({
    privateKey: config.privateKey,
    localNode,
    transport: config.transport,
    sessions,
    challenges,
    log,
    stats,
    knownRecord: (id) => kad?.table.get(id)?.node.record,
    onMessage: (inbound) => handlers?.onMessage(inbound),
    signal,
  })
  const pending = new PendingRequests(clock, stats, signal, layer)
  const requests = new V5Requests({ localNode, pending, random, netRestrict })
  kad = new Kademlia({
    self: { id: localNode.id, key: localNode.id },
    protocol: requests,
    db,
    clock,
    random,
    netRestrict,
    signal,
  })
  const maintenance = new TableMaintenance({
    kad,
    protocol: requests,
    db,
    bootnodes: config.bootnodes,
    clock,
    random,
    log,
  })
  handlers = new MessageHandlers({
    localNode,
    clock,
    log,
    stats,
    layer,
    pending,
    talk: config.talk,
    kad,
  })
  config.transport.onMessage((bytes, from) => {
    if (!signal.aborted) layer.receive(bytes, from)
  })
  return { sessions, challenges, layer, pending, requests, kad, maintenance, handlers }
}
