import type { Logger } from '@devp2p/common'
import type { Peer, Protocol } from '@devp2p/p2p'
import {
  MAX_MESSAGE_BYTES,
  PSS_MSG_CODE,
  PSS_PROTOCOL_LENGTH,
  PSS_PROTOCOL_NAME,
  PSS_PROTOCOL_VERSION,
} from './constants.js'
import type { PssMessage } from './message.js'
import { Outbox } from './outbox.js'
import type { RouteTracer } from './route-trace.js'
import type { PssRouter } from './router.js'

/** What the protocol needs from its `Pss`. */
export interface PssProtocolDeps {
  readonly router: PssRouter
  readonly logger: Logger
  readonly maxOutboxMessages: number
  readonly maxOutboxBytes: number
  /** A message for us arrived from `peer`. */
  onDeliver(message: PssMessage, peer: Peer): void
  /** A peer's outbox refused a message (full or closed). */
  onOutboxRefused(): void
  /** Told which peers took each message, when `Pss` has an `onRoute` hook. */
  readonly tracer?: RouteTracer
}

/**
 * The `pss/2` devp2p protocol: one message code (0, a pss message). For each peer it adds
 * the peer to the router with a bounded outbox and one writer, and hands every message the
 * peer sends to the router. A message that is not valid pss is dropped (counted as
 * `invalid`, logged at debug), not the peer: the rate limit bounds what garbage costs.
 */
export function pssProtocol(deps: PssProtocolDeps): Protocol {
  const { router, logger, tracer } = deps
  // bounded: one entry per connected peer (the p2p server's maxPeers bounds them): which
  // run owns the peer's router entry, so an older connection ending does not remove the
  // newer one that replaced it (p2p keeps the newer of two crossed connections)
  const owners = new Map<string, symbol>()
  return {
    name: PSS_PROTOCOL_NAME,
    version: PSS_PROTOCOL_VERSION,
    length: PSS_PROTOCOL_LENGTH,
    async run(peer, rw) {
      const outbox = new Outbox(
        (payload) => rw.writeMsg({ code: PSS_MSG_CODE, payload }),
        { maxMessages: deps.maxOutboxMessages, maxBytes: deps.maxOutboxBytes },
        logger,
      )
      const owner = Symbol(peer.idHex)
      owners.set(peer.idHex, owner)
      router.addPeer(peer.id, (encoded) => {
        const ok = outbox.push(encoded)
        if (ok) tracer?.took(peer.id)
        else deps.onOutboxRefused()
        return ok
      })
      logger.debug({ peer: peer.idHex }, 'pss: peer added')
      try {
        for await (const msg of rw) {
          // the payload is kept in other peers' outboxes and by subscribers: own a copy,
          // but never of more than the largest message (the router refuses it unread)
          const payload = msg.size > MAX_MESSAGE_BYTES ? msg.payload : msg.payload.slice()
          const result = tracer
            ? tracer.trace(payload, peer.id, () => router.handle(peer.id, payload))
            : router.handle(peer.id, payload)
          if (result.deliver !== undefined) deps.onDeliver(result.deliver, peer)
        }
      } finally {
        if (owners.get(peer.idHex) === owner) {
          owners.delete(peer.idHex)
          router.removePeer(peer.id)
        }
        outbox.close()
        logger.debug({ peer: peer.idHex }, 'pss: peer removed')
      }
    },
    nodeInfo: () => ({ address: Buffer.from(router.self).toString('hex') }),
  }
}
