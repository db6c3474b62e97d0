import type { Logger } from '@devp2p/common'
import type { Service } from '@devp2p/node'
import { type Protocol, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

import { FOO_INFO_LOGS_PER_PEER } from './constants.js'

/**
 * The devp2p tutorial's protocol, `foo/1` (one message code), as interop/geth's refpeer
 * runs it: on connect each side sends the RLP string "foo"; a received "foo" is answered
 * with "bar"; any other text is only reported. Each message received is logged
 * (`foo message received {peer, text}`): the first {@link FOO_INFO_LOGS_PER_PEER} of each
 * peer at info, the rest at debug. A message that is not an RLP string ends the protocol
 * with that error, so the peer is dropped, as geth's `msg.Decode` failing does.
 */
export function fooProtocol(logger: Logger): Protocol {
  return {
    name: 'foo',
    version: 1,
    length: 1,
    async run(peer, rw) {
      await send(rw, 0, 'foo')
      let received = 0
      for await (const msg of rw) {
        const text = msg.decode(t.string)
        received++
        const level = received <= FOO_INFO_LOGS_PER_PEER ? 'info' : 'debug'
        logger[level]({ peer: peer.idHex, text }, 'foo message received')
        if (received === FOO_INFO_LOGS_PER_PEER) {
          logger.info({ peer: peer.idHex }, 'further foo messages of this peer are logged at debug')
        }
        if (text === 'foo') await send(rw, 0, 'bar')
      }
    },
  }
}

/** `devp2p node --foobar`: a service that runs {@link fooProtocol} on every peer. */
export function fooBarService(logger: Logger): Service {
  return { protocols: [fooProtocol(logger)] }
}
