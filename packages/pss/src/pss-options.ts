/** The types of `Pss`'s options, counters and node service (pss.ts holds the class). */
import type { Clock, Logger } from '@devp2p/common'
import type { NodeSource, Protocol } from '@devp2p/p2p'
import type { pssApiSpec } from './api.js'
import type { EnvelopeDrops } from './encryption.js'
import type { AcceptedHandshake } from './handshake/index.js'
import type { PssRouteEvent } from './route-trace.js'
import type { PssRouterOptions, PssStats } from './router.js'

/** Options of {@link Pss}. Routing limits are {@link PssRouterOptions}'. */
export interface PssOptions extends Omit<PssRouterOptions, 'self' | 'clock' | 'logger'> {
  /** The node's key: our overlay address is its node id. */
  readonly privateKey: Uint8Array
  readonly clock?: Clock
  /** Default silent; pino or `consoleLogger` from `@devp2p/common` fit. */
  readonly logger?: Logger
  /**
   * Whether to answer a node's key-exchange request for `topic` (see `Pss.handshake`).
   * Default: answer none, so a stranger cannot make us store keys; a chat passes
   * `() => true` or checks a list of public keys.
   */
  readonly acceptHandshake?: (publicKey: Uint8Array, topic: Uint8Array) => boolean
  /**
   * Told of each key-exchange request we answered: the peer, the topic and the key ids
   * (`sendSym(h.sendKeyId, h.topic, …)` answers the peer).
   */
  readonly onHandshakeAccepted?: (handshake: AcceptedHandshake) => void
  /**
   * Told what this node did with every message, ours and received: its digest, the peer
   * it came from, the peers that took it, whether it was for us or why it was dropped.
   * For watching routing (the demo draws each message's path with it); it costs a
   * keccak256 per message, so leave it unset otherwise. A hook that throws is logged.
   */
  readonly onRoute?: (event: PssRouteEvent) => void
  /** `MAX_OUTBOX_MESSAGES` per peer. */
  readonly maxOutboxMessages?: number
  /** `MAX_OUTBOX_BYTES` per peer. */
  readonly maxOutboxBytes?: number
  /** `MAX_SUBSCRIPTION_BUFFER` messages per subscription. */
  readonly maxSubscriptionBuffer?: number
  /**
   * Where to find peers, e.g. a `Discv4` (its `randomNodes()`): `pss.protocol` then offers
   * the server, as its `dialCandidates`, those of them that fill one of our Kademlia bins
   * (`PssRouter.wantsPeer`), the topology pss's routing needs (the README's
   * Simulation: over uniformly random peers, messages dead-end).
   */
  readonly dialCandidates?: NodeSource
}

/** {@link PssStats} plus the counters of the parts around the router. */
export interface PssNodeStats extends PssStats, EnvelopeDrops {
  /** Messages dropped from subscriptions whose consumer was behind. */
  readonly subscriptionDropped: number
}

/** A node service: what `node.register(pss.service())` takes. */
export interface PssService {
  readonly protocols: readonly Protocol[]
  readonly apis: readonly {
    readonly namespace: string
    readonly service: object
    readonly spec?: typeof pssApiSpec
  }[]
  /**
   * The node's discovery candidates that fill one of our Kademlia bins, dialed besides
   * discovery's own (`Pss.wantsPeer`): the topology pss's routing needs.
   */
  dialCandidates(discovery: NodeSource): NodeSource
  stop(): void
}
