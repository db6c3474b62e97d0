/**
 * The service's packet handler under arbitrary input: random bytes, headers that unmask
 * correctly with random contents, and bit-flipped real packets (handshakes and sealed
 * messages of a live session). It never throws, nothing rejects unhandled, and the
 * service still answers afterwards.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { ManualClock, MemoryNetwork, type MemoryTransport, seededRandom } from '@devp2p/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { DatagramTransport, Discv5, UdpAddress } from '../../src/v5/index.js'
import { createDiscv5, stopDiscv5 } from './helpers/discv5.js'
import { openSession, ping, RawV5, settle } from './helpers/raw-v5.js'
import { rawPacket } from './helpers.js'

/** A transport whose receive handler a test can call directly, synchronously. */
class CapturingTransport implements DatagramTransport {
  handler: ((bytes: Uint8Array, from: UdpAddress) => void) | undefined
  readonly #inner: MemoryTransport

  constructor(inner: MemoryTransport) {
    this.#inner = inner
  }

  get address(): UdpAddress {
    return this.#inner.address
  }

  send(bytes: Uint8Array, to: UdpAddress): void {
    this.#inner.send(bytes, to)
  }

  onMessage(handler: (bytes: Uint8Array, from: UdpAddress) => void): void {
    this.handler = handler
    this.#inner.onMessage(handler)
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}

const running: Discv5[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => stopDiscv5(d)))
})

async function setup() {
  const net = new MemoryNetwork()
  const clock = new ManualClock()
  const transport = new CapturingTransport(net.bind('1.0.0.1', 30303))
  const t = await createDiscv5({
    privateKey: generatePrivateKey(),
    transport,
    clock,
    random: seededRandom(5),
  })
  running.push(t)
  await t.start()
  const raw = new RawV5(net, '2.0.0.1')
  const from = raw.transport.address
  const deliver = (bytes: Uint8Array) => transport.handler!(bytes, from)
  return { net, clock, t, raw, deliver }
}

/** The service still answers a PING in a fresh session afterwards. */
async function stillServes(t: Discv5, net: MemoryNetwork): Promise<void> {
  const raw = new RawV5(net, '9.0.0.1')
  const session = await openSession(raw, t, net)
  raw.send(raw.sealed(t, session, ping(2)), t)
  await settle(net)
  expect(raw.takeMessages(session).map((m) => m.type)).toEqual(['pong'])
}

describe('the service’s packet handler', () => {
  it('random bytes: never throws, counted as invalid', async () => {
    const { t, net, deliver } = await setup()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (bytes) => {
        const before = t.stats.invalid
        expect(() => deliver(bytes)).not.toThrow()
        expect(t.stats.invalid).toBe(before + 1)
      }),
      { numRuns: 300 },
    )
    await settle(net)
    await stillServes(t, net)
  })

  it('well-masked headers with random flags, authdata and messages: never throws', async () => {
    const { t, net, deliver } = await setup()
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        (flag, authdata, message, nonce) => {
          const bytes = rawPacket({ destId: t.id, flag, authdata, message, nonce })
          expect(() => deliver(bytes)).not.toThrow()
        },
      ),
      { numRuns: 300 },
    )
    await settle(net)
    await stillServes(t, net)
  })

  it('bit-flipped handshakes and session messages: never throws', async () => {
    const { t, net, raw, deliver } = await setup()
    const session = await openSession(raw, t, net)
    raw.sendRandom(t) // a live challenge for the mutated handshakes to meet
    await settle(net)
    const [challenge] = raw.takeWhoareyous()
    const handshake = raw.handshake(t, challenge!.packet, ping(3)).bytes
    const sealed = raw.sealed(t, session, ping(4))
    fc.assert(
      fc.property(
        fc.constantFrom(handshake, sealed),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (original, flips) => {
          const bytes = original.slice()
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask
          expect(() => deliver(bytes)).not.toThrow()
        },
      ),
      { numRuns: 300 },
    )
    await settle(net)
    await stillServes(t, net)
  })
})
