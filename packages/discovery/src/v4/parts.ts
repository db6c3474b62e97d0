/**
 * How the parts of one running discovery v4 service fit together; the facade
 * (`discv4.ts`) calls {@link composeParts} once the socket is bound.
 */
import type { Clock, Logger } from '@devp2p/common'
import type { ENode, LocalNode, NodeDB } from '@devp2p/enode'
import { Kademlia } from '../kad/kademlia.js'
import { TableMaintenance } from '../kad/maintenance.js'
import type { NetRestrict } from '../kad/protocol.js'
import { Bonds } from './bonds.js'
import { PacketHandlers } from './handlers.js'
import { ReplyMatcher } from './reply-matcher.js'
import { V4Requests } from './requests.js'
import type { Discv4Stats } from './stats.js'
import type { DatagramTransport } from './transport.js'

/** What the parts are made of: the facade's options, resolved, and the bound transport. */
export interface PartsConfig {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly localNode: LocalNode
  readonly db: NodeDB
  readonly transport: DatagramTransport
  readonly bootnodes: readonly ENode[]
  readonly clock: Clock
  readonly log: Logger
  readonly random: () => number
  readonly netRestrict: NetRestrict | undefined
  readonly stats: Discv4Stats
  /** Aborted when the service stops. */
  readonly signal: AbortSignal
}

/** The parts of a running service. */
export interface Discv4Parts {
  readonly transport: DatagramTransport
  readonly matcher: ReplyMatcher
  readonly bonds: Bonds
  readonly requests: V4Requests
  readonly kad: Kademlia
  readonly maintenance: TableMaintenance
  readonly handlers: PacketHandlers
}

/**
 * Builds the parts and wires them: the table runs on our requests (the protocol seam),
 * requests make bonds with our Ping, and incoming packets reach the handlers.
 */
export function composeParts(config: PartsConfig): Discv4Parts {
  const { clock, stats, signal, db, localNode, random, netRestrict } = config
  const matcher = new ReplyMatcher(clock, stats, signal)
  let requests: V4Requests | undefined
  const bonds = new Bonds({ db, clock, stats, signal, ping: (node) => requests!.ping(node) })
  requests = new V4Requests({
    privateKey: config.privateKey,
    selfIdHex: localNode.node.idHex,
    localNode,
    transport: config.transport,
    clock,
    random,
    netRestrict,
    stats,
    matcher,
    bonds,
  })
  const kad = new Kademlia({
    self: { id: localNode.id, key: config.publicKey },
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
    log: config.log,
  })
  const handlers = new PacketHandlers({
    selfIdHex: kad.selfIdHex,
    localNode,
    clock,
    log: config.log,
    stats,
    matcher,
    bonds,
    requests,
    kad,
  })
  config.transport.onMessage((bytes, from) => handlers.onMessage(bytes, from))
  return { transport: config.transport, matcher, bonds, requests, kad, maintenance, handlers }
}
