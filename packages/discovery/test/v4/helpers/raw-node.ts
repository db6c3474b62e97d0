import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { ManualClock, MemoryNetwork, type MemoryTransport, seededRandom } from '@devp2p/testing'
import type { Discv4 } from '../../../src/v4/index.js'
import {
  type DecodedPacket,
  decodePacket,
  encodePacket,
  expirationFrom,
  type Packet,
} from '../../../src/v4/index.js'
import { createDiscv4 } from './discv4.js'

/**
 * A hand-driven discovery node for conformance tests: it signs whatever packet a test
 * asks for, from its own address on the in-memory network, and records every reply.
 */
export class RawNode {
  readonly privateKey = generatePrivateKey()
  readonly publicKey = publicKeyFromPrivate(this.privateKey)
  readonly transport: MemoryTransport
  readonly received: DecodedPacket[] = []
  readonly #clock: ManualClock

  constructor(net: MemoryNetwork, ip: string, clock: ManualClock, port = 30303) {
    this.transport = net.bind(ip, port)
    this.#clock = clock
    this.transport.onMessage((bytes) => {
      this.received.push(decodePacket(bytes))
    })
  }

  get node(): ENode {
    const { ip, port } = this.transport.address
    return ENode.fromPublicKey(this.publicKey, { ip, udp: port, tcp: port })
  }

  /** A fresh expiration, 20 s after the test clock's now. */
  get expiration(): number {
    return expirationFrom(this.#clock.now())
  }

  /** Signs and sends `packet` to `to`; returns its hash. */
  send(packet: Packet, to: { ip: string; port: number }): Uint8Array {
    const { bytes, hash } = encodePacket(packet, this.privateKey)
    this.transport.send(bytes, to)
    return hash
  }

  sendBytes(bytes: Uint8Array, to: { ip: string; port: number }): void {
    this.transport.send(bytes, to)
  }

  /** Replies of one type, in arrival order, removed from `received`. */
  take<T extends Packet['type']>(
    type: T,
  ): (DecodedPacket & { packet: Extract<Packet, { type: T }> })[] {
    const out = this.received.filter((r) => r.packet.type === type)
    for (const r of out) this.received.splice(this.received.indexOf(r), 1)
    return out as (DecodedPacket & { packet: Extract<Packet, { type: T }> })[]
  }
}

/** Lets every datagram and the handlers they start run to completion. */
export async function settle(net: MemoryNetwork): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await net.idle()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** One of our nodes on an in-memory network with a manual clock. */
export async function startOurs(
  net: MemoryNetwork,
  clock: ManualClock,
  ip = '1.0.0.1',
  options: { bootnodes?: ENode[] } = {},
): Promise<Discv4> {
  const disc = await createDiscv4({
    privateKey: generatePrivateKey(),
    transport: net.bind(ip, 30303),
    clock,
    random: seededRandom(7),
    ...(options.bootnodes ? { bootnodes: options.bootnodes } : {}),
  })
  await disc.start()
  await disc.refresh()
  return disc
}

export { ManualClock, MemoryNetwork, seededRandom as seeded }
