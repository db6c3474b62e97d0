import { generatePrivateKey } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { ManualClock, MemoryNetwork, seededRandom } from '@devp2p/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Discv5, MAX_TALK_HANDLERS_IN_FLIGHT } from '../../src/v5/index.js'
import { createDiscv5, stopDiscv5 } from './helpers/discv5.js'
import { openSession, ping, RawV5, settle } from './helpers/raw-v5.js'

const running: Discv5[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(running.splice(0).map((d) => stopDiscv5(d)))
})

async function target(
  net: MemoryNetwork,
  clock: ManualClock,
  options: { maxSessions?: number } = {},
): Promise<Discv5> {
  const disc = await createDiscv5({
    privateKey: generatePrivateKey(),
    transport: net.bind('1.0.0.1', 30303),
    clock,
    random: seededRandom(3),
    ...options,
  })
  running.push(disc)
  await disc.start()
  return disc
}

function setup() {
  return { net: new MemoryNetwork(), clock: new ManualClock() }
}

describe('challenges', () => {
  it('a WHOAREYOU is 63 bytes, smaller than the smallest packet that can cause one', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    const raw = new RawV5(net, '2.0.0.1')
    const sent = raw.sendRandom(t)
    await settle(net)
    const [w] = raw.takeWhoareyous()
    expect(sent.length).toBe(16 + 23 + 32 + 20) // the smallest message packet: 20 random bytes
    expect(w?.bytes.length).toBe(63)
    expect(t.stats.bytesOut).toBeLessThanOrEqual(t.stats.bytesIn)
  })

  it('a repeated challenge is identical while it lives, and new once it expired', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    const raw = new RawV5(net, '2.0.0.1')
    raw.sendRandom(t)
    raw.sendRandom(t)
    await settle(net)
    const [first, second] = raw.takeWhoareyous()
    expect(second?.bytes).toEqual(first?.bytes)
    clock.advance(1001)
    raw.sendRandom(t)
    await settle(net)
    const [third] = raw.takeWhoareyous()
    expect(third?.packet.idNonce).not.toEqual(first?.packet.idNonce)
  })

  it('a handshake flood answering one challenge: only the first is accepted', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    const raw = new RawV5(net, '2.0.0.1')
    raw.sendRandom(t)
    await settle(net)
    const [challenge] = raw.takeWhoareyous()
    const answers = Array.from({ length: 50 }, (_, i) =>
      raw.handshake(t, challenge!.packet, ping(i)),
    )
    for (const { bytes } of answers) raw.send(bytes, t)
    await settle(net)
    expect(t.stats.handshakes).toBe(1)
    expect(t.stats.ignored).toBe(49)
    expect(t.sessionCount).toBe(1)
    const pongs = raw.takeMessages(answers[0]!.session)
    expect(pongs.map((m) => m.type)).toEqual(['pong'])
  })

  it('a handshake after its challenge expired is refused', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    const raw = new RawV5(net, '2.0.0.1')
    raw.sendRandom(t)
    await settle(net)
    const [challenge] = raw.takeWhoareyous()
    clock.advance(1001)
    raw.send(raw.handshake(t, challenge!.packet, ping(1)).bytes, t)
    await settle(net)
    expect(t.stats.handshakes).toBe(0)
    expect(t.sessionCount).toBe(0)
  })
})

describe('floods', () => {
  it('sessions from many addresses stay at the cache bound; a real peer is still served', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock, { maxSessions: 16 })
    for (let i = 0; i < 40; i++) await openSession(new RawV5(net, `2.0.${i}.1`), t, net)
    expect(t.stats.handshakes).toBe(40)
    expect(t.sessionCount).toBe(16)
    const peer = await createDiscv5({
      privateKey: generatePrivateKey(),
      transport: net.bind('3.0.0.1', 30303),
      clock,
    })
    running.push(peer)
    await peer.start()
    const pong = peer.ping(t.self())
    await settle(net)
    expect((await pong).enrSeq).toBe(t.localNode.seq)
  })

  it('an unsolicited NODES costs no record decoding or signature check; a solicited one does', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    const raw = new RawV5(net, '2.0.0.1')
    const session = await openSession(raw, t, net)
    const others = Array.from({ length: 4 }, () =>
      Enr.create(generatePrivateKey(), { ip: '5.0.0.1', udp: 30303 }).encode(),
    )
    const decode = vi.spyOn(Enr, 'decode')
    const ignored = t.stats.ignored
    for (let i = 0; i < 20; i++) {
      const nodes = { type: 'nodes', requestId: Uint8Array.of(9, i), total: 1, records: others }
      raw.send(raw.sealed(t, session, nodes as never), t)
    }
    await settle(net)
    expect(decode).not.toHaveBeenCalled()
    expect(t.stats.ignored).toBe(ignored + 20)
    // the same records answering a FINDNODE of ours are decoded (distance 0: our own record)
    const found = t.findNode(raw.node, [0])
    await settle(net)
    const [request] = raw.takeMessages(session)
    expect(request?.type).toBe('findnode')
    const answer = {
      type: 'nodes',
      requestId: request!.requestId,
      total: 1,
      records: [raw.record.encode(), ...others],
    }
    raw.send(raw.sealed(t, session, answer as never), t)
    await settle(net)
    expect((await found).map((n) => n.idHex)).toEqual([raw.node.idHex]) // others: wrong distance
    expect(decode).toHaveBeenCalledTimes(5)
  })

  it('a TALKREQ flood runs at most MAX_TALK_HANDLERS_IN_FLIGHT handlers; PING is still answered', async () => {
    const { net, clock } = setup()
    const t = await target(net, clock)
    let calls = 0
    t.registerTalkProtocol('slow', () => {
      calls++
      return new Promise<Uint8Array>(() => {}) // never answers
    })
    const raw = new RawV5(net, '2.0.0.1')
    const session = await openSession(raw, t, net)
    const talk = (n: number) => ({
      type: 'talkreq',
      requestId: Uint8Array.of(n & 0xff, n >> 8),
      protocol: new TextEncoder().encode('slow'),
      request: Uint8Array.of(1),
    })
    for (let i = 0; i < 300; i++) raw.send(raw.sealed(t, session, talk(i) as never), t)
    raw.send(raw.sealed(t, session, ping(7)), t)
    await settle(net)
    expect(calls).toBe(MAX_TALK_HANDLERS_IN_FLIGHT)
    expect(raw.takeMessages(session).map((m) => m.type)).toEqual(['pong'])
    // slow handlers give their slots back after TALK_HANDLER_TIMEOUT_MS
    clock.advance(1000)
    raw.send(raw.sealed(t, session, talk(1000) as never), t)
    await settle(net)
    expect(calls).toBe(MAX_TALK_HANDLERS_IN_FLIGHT + 1)
  })
})
