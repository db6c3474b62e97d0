/** Random and mutated bytes into the handshake decoder and state machine: ignored, never thrown. */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HANDSHAKE_TOPIC, KeyExchange } from '../../src/handshake/index.js'
import { decodeHandshake, encodeHandshake } from '../../src/handshake/message.js'
import { KeyStore } from '../../src/keys/index.js'

const message = fc.record({
  kind: fc.constantFrom(1 as const, 2 as const),
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  topic: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  keyExpiry: fc.nat({ max: 2 ** 32 }),
  validUntil: fc.nat({ max: 2 ** 32 }),
})

describe('handshake message property tests', () => {
  it('round-trips every valid message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeHandshake(encodeHandshake(m))).toEqual(m)
      }),
    )
  })

  it('the topic is the first 4 bytes of keccak256("pss-handshake")', () => {
    // keccak256("pss-handshake") = 0x9b5b4f10…, computed with @noble/hashes' keccak_256
    expect(HANDSHAKE_TOPIC).toEqual(Uint8Array.of(0x9b, 0x5b, 0x4f, 0x10))
  })

  it('random bytes and mutated messages decode to undefined or a message, never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeHandshake(bytes)
        if (decoded !== undefined)
          expect(decodeHandshake(encodeHandshake(decoded))).toEqual(decoded)
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, xor) => {
        const bytes = encodeHandshake(m)
        bytes[at % bytes.length]! ^= xor
        decodeHandshake(bytes)
        decodeHandshake(bytes.subarray(0, at % bytes.length))
      }),
      { numRuns: 500 },
    )
  })

  it('the state machine ignores random input and never throws, answering only valid requests', () => {
    const clock = new ManualClock()
    const keys = new KeyStore({ clock })
    const sent: Uint8Array[] = []
    const exchange = new KeyExchange({
      keyStore: keys,
      clock,
      accept: () => true,
      sendAsym: (_to, _topic, payload) => {
        sent.push(payload)
      },
    })
    const from = publicKeyFromPrivate(generatePrivateKey())
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        exchange.receive(from, bytes)
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(message, (m) => {
        exchange.receive(from, encodeHandshake(m))
      }),
      { numRuns: 300 },
    )
    // random validUntil values are almost never within 2 minutes of the clock: nothing answered
    expect(sent.length).toBeLessThanOrEqual(1)
    expect(keys.symKeyCount).toBeLessThanOrEqual(2)
  })
})
