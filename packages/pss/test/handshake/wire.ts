/** Two key exchanges wired back to back through real asymmetric envelopes and a queue the test flushes. */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import type { ManualClock } from '@devp2p/testing'
import { openAsym, sealAsym } from '../../src/envelope/index.js'
import {
  type AcceptedHandshake,
  HANDSHAKE_TOPIC,
  KeyExchange,
  type KeyExchangeOptions,
} from '../../src/handshake/index.js'
import { KeyStore } from '../../src/keys/index.js'

export interface Side {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly keys: KeyStore
  readonly exchange: KeyExchange
  readonly accepted: AcceptedHandshake[]
  /** Every payload this side sent, with its recipient. */
  readonly sent: { to: Uint8Array; topic: Uint8Array; payload: Uint8Array }[]
}

export interface Wire {
  /** Delivers queued envelopes (and what they cause) until none is left; returns how many. */
  flush(): number
  /** Queues a sealed envelope from `from` (any private key) to `to`, as an attacker would. */
  inject(fromKey: Uint8Array, to: Side, payload: Uint8Array): void
}

type Extra = Partial<Omit<KeyExchangeOptions, 'keyStore' | 'sendAsym' | 'clock'>>

export function wire(
  clock: ManualClock,
  a: Extra = {},
  b: Extra = {},
): { a: Side; b: Side; net: Wire } {
  const queue: { to: Side; sealed: Uint8Array; topic: Uint8Array }[] = []
  const sides: Side[] = []
  const make = (extra: Extra): Side => {
    const privateKey = generatePrivateKey()
    const publicKey = publicKeyFromPrivate(privateKey)
    const keys = new KeyStore({ clock })
    const accepted: AcceptedHandshake[] = []
    const sent: Side['sent'] = []
    const exchange = new KeyExchange({
      keyStore: keys,
      clock,
      onAccepted: (h) => accepted.push(h),
      ...extra,
      sendAsym: (to, topic, payload) => {
        sent.push({ to, topic, payload })
        const target = sides.find((s) => s.publicKey.every((x, i) => x === to[i]))
        if (target === undefined) return
        queue.push({
          to: target,
          topic,
          sealed: sealAsym({ time: 0, to, signer: privateKey, topic, payload }),
        })
      },
    })
    const side = { privateKey, publicKey, keys, exchange, accepted, sent }
    sides.push(side)
    return side
  }
  const sa = make(a)
  const sb = make(b)
  const net: Wire = {
    flush() {
      let n = 0
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        const opened = openAsym(item.to.privateKey, item.topic, item.sealed)
        if (opened) item.to.exchange.receive(opened.from, opened.payload)
        n++
      }
      return n
    },
    inject(fromKey, to, payload) {
      const topic = HANDSHAKE_TOPIC
      queue.push({
        to,
        topic,
        sealed: sealAsym({ time: 0, to: to.publicKey, signer: fromKey, topic, payload }),
      })
    },
  }
  return { a: sa, b: sb, net }
}
