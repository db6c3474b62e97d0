import { generatePrivateKey, keccak256, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { encode } from '@devp2p/rlp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Discv4, encodePacket } from '../../src/v4/index.js'
import { ManualClock, MemoryNetwork, RawNode, settle, startOurs } from './helpers/raw-node.js'
import { seal } from './helpers.js'

/**
 * Conformance checks modelled on go-ethereum's `devp2p discv4 test` suite: a hand-driven
 * node sends well-formed and ill-formed packets to one of ours over an in-memory network
 * and checks what comes back (or that nothing does).
 */

let net: MemoryNetwork
let clock: ManualClock
let ours: Discv4
let raw: RawNode
const OURS = { ip: '1.0.0.1', port: 30303 }

beforeEach(async () => {
  net = new MemoryNetwork()
  clock = new ManualClock()
  ours = await startOurs(net, clock, OURS.ip)
  raw = new RawNode(net, '2.0.0.1', clock)
})
afterEach(() => ours.stop())

const ourEndpoint = { ip: OURS.ip, udp: OURS.port, tcp: 0 }
const rawEndpoint = { ip: '2.0.0.1', udp: 30303, tcp: 30303 }

function ping(overrides: Record<string, unknown> = {}) {
  return {
    type: 'ping' as const,
    version: 4,
    from: rawEndpoint,
    to: ourEndpoint,
    expiration: raw.expiration,
    ...overrides,
  }
}

/** Completes the endpoint proof: we ping, they pong, they answer our ping back. */
async function bond(node: RawNode = raw): Promise<void> {
  node.send(ping({ from: { ip: node.transport.address.ip, udp: 30303, tcp: 30303 } }), OURS)
  await settle(net)
  const theirPing = node.take('ping')
  expect(theirPing).toHaveLength(1)
  node.send(
    {
      type: 'pong',
      to: { ip: node.transport.address.ip, udp: 30303, tcp: 0 },
      pingHash: theirPing[0]!.hash,
      expiration: node.expiration,
    },
    OURS,
  )
  await settle(net)
  node.received.length = 0
}

describe('Ping', () => {
  it('is answered with a Pong carrying its hash, our seq and where it came from', async () => {
    const hash = raw.send(ping(), OURS)
    await settle(net)
    const [pong] = raw.take('pong')
    expect(pong!.packet.pingHash).toEqual(hash)
    expect(pong!.packet.to).toEqual({ ip: '2.0.0.1', udp: 30303, tcp: 30303 })
    expect(pong!.packet.enrSeq).toBe(ours.self().seq)
    expect(pong!.packet.expiration * 1000).toBeGreaterThan(clock.now())
    expect(pong!.nodeIdHex).toBe(ours.idHex)
    // and, having no bond with the sender yet, we ping it back
    expect(raw.take('ping')).toHaveLength(1)
  })

  it('a wrong `to` is ignored: Pong', async () => {
    raw.send(ping({ to: { ip: '9.9.9.9', udp: 1, tcp: 1 } }), OURS)
    await settle(net)
    expect(raw.take('pong')).toHaveLength(1)
  })

  it('a wrong `from` is ignored: the Pong goes to the real source address', async () => {
    raw.send(ping({ from: { ip: '8.8.8.8', udp: 9999, tcp: 1234 } }), OURS)
    await settle(net)
    const [pong] = raw.take('pong')
    expect(pong!.packet.to).toEqual({ ip: '2.0.0.1', udp: 30303, tcp: 1234 })
  })

  it('extra list elements are ignored (EIP-8): Pong', async () => {
    // Ping [version, from, to, expiration, enr-seq, extra, extra] built by hand
    const ep = (ip: number[], port: number) => [Uint8Array.from(ip), port, port]
    const data = encode([
      4,
      ep([2, 0, 0, 1], 30303),
      ep([1, 0, 0, 1], 30303),
      raw.expiration,
      1,
      'x',
      [1, 2],
    ])
    raw.sendBytes(seal(1, data, raw.privateKey), OURS)
    await settle(net)
    expect(raw.take('pong')).toHaveLength(1)
  })

  it('a wrong `from` after a bond still gets a Pong', async () => {
    await bond()
    raw.send(ping({ from: { ip: '7.7.7.7', udp: 1, tcp: 1 } }), OURS)
    await settle(net)
    expect(raw.take('pong')).toHaveLength(1)
  })

  it('past its expiration: no reply', async () => {
    raw.send(ping({ expiration: Math.floor(clock.now() / 1000) - 1 }), OURS)
    await settle(net)
    expect(raw.received).toEqual([])
  })

  it("an expiration that is the two's complement of a future time is past: no reply", async () => {
    // geth's `devp2p discv4 test` Ping/PastExpiration: `-futureExpiration()` as a uint64
    const wire = (1n << 64n) - BigInt(raw.expiration)
    const ep = (ip: number[], port: number) => [Uint8Array.from(ip), port, port]
    raw.sendBytes(
      seal(1, encode([4, ep([2, 0, 0, 1], 30303), ep([1, 0, 0, 1], 30303), wire]), raw.privateKey),
      OURS,
    )
    await settle(net)
    expect(raw.received).toEqual([])
    expect(ours.stats.ignored).toBe(1)
  })

  it('an unknown packet type with a valid hash and signature: no reply', async () => {
    raw.sendBytes(seal(0x07, encode([raw.expiration]), raw.privateKey), OURS)
    raw.sendBytes(seal(0xff, encode([4]), raw.privateKey), OURS)
    await settle(net)
    expect(raw.received).toEqual([])
    expect(ours.stats.invalid).toBe(2)
  })

  it('a reply type sent as a request (an unsolicited Pong or ENRResponse): no reply', async () => {
    raw.send(
      { type: 'pong', to: ourEndpoint, pingHash: randomBytes(32), expiration: raw.expiration },
      OURS,
    )
    raw.send(
      {
        type: 'enrresponse',
        requestHash: randomBytes(32),
        record: Enr.create(raw.privateKey, { seq: 1n }),
      },
      OURS,
    )
    await settle(net)
    expect(raw.received).toEqual([])
    expect(ours.stats.ignored).toBe(2)
  })
})

describe('endpoint proof', () => {
  it('FindNode without an endpoint proof gets nothing', async () => {
    raw.send({ type: 'findnode', target: raw.publicKey, expiration: raw.expiration }, OURS)
    await settle(net)
    expect(raw.received).toEqual([])
  })

  it('ENRRequest without an endpoint proof gets nothing; with one, our record', async () => {
    raw.send({ type: 'enrrequest', expiration: raw.expiration }, OURS)
    await settle(net)
    expect(raw.received).toEqual([])
    await bond()
    const hash = raw.send({ type: 'enrrequest', expiration: raw.expiration }, OURS)
    await settle(net)
    const [response] = raw.take('enrresponse')
    expect(response!.packet.requestHash).toEqual(hash)
    expect(response!.packet.record.encodeText()).toBe(ours.self().toEnrText())
    expect(response!.packet.record.udp).toBe(30303)
  })

  it('after a bond, FindNode is answered with Neighbors: at most 12 per packet, 16 in all', async () => {
    // fill our table with 20 nodes through bonds, one /24 each
    const others: RawNode[] = []
    for (let i = 0; i < 20; i++) {
      const other = new RawNode(net, `3.0.${i}.1`, clock)
      await bond(other)
      others.push(other)
    }
    expect(ours.tableSize).toBe(20)
    await bond()
    raw.send({ type: 'findnode', target: raw.publicKey, expiration: raw.expiration }, OURS)
    await settle(net)
    const packets = raw.take('neighbors')
    expect(packets.map((p) => p.packet.nodes.length)).toEqual([12, 4])
    const returned = packets.flatMap((p) => p.packet.nodes.map((n) => n.ip))
    expect(new Set(returned).size).toBe(16)
    // the 16 closest to the target, by the XOR metric
    const target = keccak256(raw.publicKey)
    const distance = (ip: string) => {
      const node = [...others, raw].find((o) => o.transport.address.ip === ip)!.node
      return BigInt(`0x${Buffer.from(node.id.map((b, i) => b ^ target[i]!)).toString('hex')}`)
    }
    const expected = others
      .map((o) => o.transport.address.ip)
      .concat(raw.transport.address.ip)
      .sort((a, b) => (distance(a) < distance(b) ? -1 : 1))
      .slice(0, 16)
    expect([...returned].sort()).toEqual([...expected].sort())
  })

  it('FindNode past its expiration gets nothing, even with a bond', async () => {
    await bond()
    raw.send(
      { type: 'findnode', target: raw.publicKey, expiration: Math.floor(clock.now() / 1000) - 1 },
      OURS,
    )
    await settle(net)
    expect(raw.received).toEqual([])
  })

  it("FindNode with a two's complement expiration gets nothing, even with a bond", async () => {
    await bond()
    const wire = (1n << 64n) - BigInt(raw.expiration)
    raw.sendBytes(seal(3, encode([raw.publicKey, wire]), raw.privateKey), OURS)
    await settle(net)
    expect(raw.received).toEqual([])
  })

  it('a Pong with the wrong ping hash makes no bond', async () => {
    raw.send(ping(), OURS)
    await settle(net)
    raw.take('ping')
    raw.send(
      {
        type: 'pong',
        to: { ip: '2.0.0.1', udp: 30303, tcp: 0 },
        pingHash: randomBytes(32),
        expiration: raw.expiration,
      },
      OURS,
    )
    await settle(net)
    raw.received.length = 0
    raw.send({ type: 'findnode', target: raw.publicKey, expiration: raw.expiration }, OURS)
    await settle(net)
    expect(raw.received).toEqual([])
  })

  it('a Pong from another IP (same key) makes no bond', async () => {
    raw.send(ping(), OURS)
    await settle(net)
    const [theirPing] = raw.take('ping')
    raw.received.length = 0
    // the same node, answering from another address
    const impostor = new RawNode(net, '5.0.0.1', clock)
    const { bytes } = encodePacket(
      {
        type: 'pong',
        to: { ip: '2.0.0.1', udp: 30303, tcp: 0 },
        pingHash: theirPing!.hash,
        expiration: raw.expiration,
      },
      raw.privateKey,
    )
    impostor.sendBytes(bytes, OURS)
    await settle(net)
    raw.send({ type: 'findnode', target: raw.publicKey, expiration: raw.expiration }, OURS)
    await settle(net)
    expect(raw.received).toEqual([])
  })
})

describe('our external address', () => {
  it('what ten peers say they see us as becomes our predicted endpoint and our record', async () => {
    for (let i = 0; i < 10; i++) {
      const peer = new RawNode(net, `6.0.${i}.1`, clock)
      peer.send(
        ping({
          from: { ip: `6.0.${i}.1`, udp: 30303, tcp: 0 },
          to: { ip: '9.9.9.9', udp: 30303, tcp: 0 },
        }),
        OURS,
      )
    }
    await settle(net)
    expect(ours.localNode.predictedEndpoint()).toEqual({ ip: '9.9.9.9', port: 30303 })
    expect(ours.self().ip).toBe('9.9.9.9')
  })
})

describe('unsolicited and malformed packets', () => {
  it('unsolicited Neighbors are ignored and never enter the table', async () => {
    await bond()
    const fakeKey = publicKeyFromPrivate(generatePrivateKey())
    raw.send(
      {
        type: 'neighbors',
        nodes: [{ ip: '4.4.4.4', udp: 30303, tcp: 30303, publicKey: fakeKey }],
        expiration: raw.expiration,
      },
      OURS,
    )
    await settle(net)
    expect(ours.tableNodes().some((n) => n.ip === '4.4.4.4')).toBe(false)
    raw.send({ type: 'findnode', target: fakeKey, expiration: raw.expiration }, OURS)
    await settle(net)
    const returned = raw.take('neighbors').flatMap((p) => p.packet.nodes.map((n) => n.ip))
    expect(returned).not.toContain('4.4.4.4')
  })

  it('random bytes, truncations and bit flips of every packet type are dropped without harm', async () => {
    await bond()
    const valid = [
      encodeFor(ping()),
      encodeFor({ type: 'findnode', target: raw.publicKey, expiration: raw.expiration }),
      encodeFor({ type: 'enrrequest', expiration: raw.expiration }),
      encodeFor({ type: 'neighbors', nodes: [], expiration: raw.expiration }),
      encodeFor({
        type: 'pong',
        to: ourEndpoint,
        pingHash: randomBytes(32),
        expiration: raw.expiration,
      }),
    ]
    let sent = 0
    for (const packet of valid) {
      for (let i = 0; i < packet.length; i += 7) {
        const flipped = packet.slice()
        flipped[i]! ^= 0x01
        raw.sendBytes(flipped, OURS)
        raw.sendBytes(packet.subarray(0, i), OURS)
        sent += 2
      }
    }
    for (let i = 0; i < 50; i++) raw.sendBytes(randomBytes(1 + ((i * 37) % 1400)), OURS)
    await settle(net)
    expect(raw.received).toEqual([])
    expect(ours.stats.invalid + ours.stats.ignored).toBeGreaterThanOrEqual(sent)
    // still healthy
    raw.send(ping(), OURS)
    await settle(net)
    expect(raw.take('pong')).toHaveLength(1)
  })

  it('a flood of pings from one IP without a bond is answered at a bounded rate', async () => {
    for (let i = 0; i < 50; i++) raw.send(ping(), OURS)
    await settle(net)
    expect(raw.take('pong').length).toBe(10)
    clock.advance(1000)
    raw.send(ping(), OURS)
    await settle(net)
    expect(raw.take('pong')).toHaveLength(1)
  })
})

function encodeFor(packet: Parameters<RawNode['send']>[0]): Uint8Array {
  return encodePacket(packet, raw.privateKey).bytes
}
