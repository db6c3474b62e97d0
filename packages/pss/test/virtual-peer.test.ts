/**
 * A virtual peer on its own, fed directly: whatever bytes an authenticated remote sends
 * become a message for the protocol or a typed VIRTUAL_PEER_BREACH, never another
 * exception, and the queue never holds more than its bound.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import type { Protocol } from '@devp2p/p2p'
import { decode, encode } from '@devp2p/rlp'
import { ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PssError } from '../src/errors.js'
import { stringToTopic } from '../src/topic.js'
import { createVirtualPeer, receiveVirtual, virtualReadWriter } from '../src/virtual-peer.js'

const protocol: Protocol = { name: 'fuzz', version: 1, length: 3, run: async () => {} }
const remote = publicKeyFromPrivate(generatePrivateKey())

function peer(max = 4, sent: Uint8Array[] = []) {
  return createVirtualPeer({
    protocol,
    remote,
    topic: stringToTopic('fuzz/1'),
    inbound: false,
    maxQueuedMsgs: max,
    clock: new ManualClock(),
    send: (encoded) => sent.push(encoded),
  })
}

describe('VirtualPeer', () => {
  it('random and mutated input from the remote is a message below the length or VIRTUAL_PEER_BREACH', () => {
    const valid = fc
      .tuple(fc.nat({ max: 5 }), fc.uint8Array({ maxLength: 40 }))
      .map(([code, payload]) => encode([code, payload]))
    const input = fc.oneof(fc.uint8Array({ maxLength: 60 }), valid)
    fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const p = peer()
        receiveVirtual(p, bytes)
        if (p.error !== undefined) {
          expect(p.error).toBeInstanceOf(PssError)
          expect((p.error as PssError).code).toBe('VIRTUAL_PEER_BREACH')
          return
        }
        const msg = await virtualReadWriter(p).readMsg()
        expect(msg.code).toBeLessThan(protocol.length)
        // what the protocol gets is exactly what the remote wrote, [code, payload]
        expect(encode([msg.code, msg.payload])).toEqual(bytes)
      }),
      { numRuns: 500, seed: 19 },
    )
  })

  it('writes [code, payload] RLP, and the queue drops what is over its bound', async () => {
    const sent: Uint8Array[] = []
    const p = peer(2, sent)
    const rw = virtualReadWriter(p)
    await rw.writeMsg({ code: 2, payload: encode('hi') })
    expect(decode(sent[0]!)).toEqual([new Uint8Array([2]), encode('hi')])
    for (let i = 0; i < 5; i++) receiveVirtual(p, encode([1, encode(i)]))
    expect(p.dropped).toBe(3)
    expect((await rw.readMsg()).payload).toEqual(encode(0))
    expect((await rw.readMsg()).payload).toEqual(encode(1))
  })
})
