import { decode, t } from '@devp2p/rlp'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DisconnectReason,
  expectMsg,
  P2pError,
  type Peer,
  type PeerEvent,
  PING_FLOOD_MAX,
  PING_RATE_MAX,
  PING_RATE_WINDOW_MS,
  type Protocol,
  send,
} from '../src/index.ts'
import { rawJoin } from './helpers/raw-peer.ts'
import {
  fooProtocol,
  holdingProtocol,
  nextEvent,
  peerCount,
  ServerPool,
} from './helpers/servers.ts'

const pool = new ServerPool()
afterEach(() => pool.stopAll())

interface Seen {
  protocol: string
  code: number
  text: string
}

/** A protocol that sends `<name>:<code>` on every code it has, then records what arrives. */
function chatty(name: string, version: number, length: number, seen: Seen[]): Protocol {
  return {
    name,
    version,
    length,
    async run(_peer, rw) {
      for (let code = 0; code < length; code++) await send(rw, code, `${name}/${version}:${code}`)
      for await (const msg of rw)
        seen.push({ protocol: name, code: msg.code, text: msg.decode(t.string) })
    },
  }
}

describe('multiplexing', () => {
  it('three shared protocols of different lengths and versions on one connection', async () => {
    const seenA: Seen[] = []
    const seenB: Seen[] = []
    const a = await pool.start({
      protocols: [
        chatty('aaa', 1, 2, seenA),
        chatty('aaa', 2, 5, seenA),
        chatty('bbb', 1, 3, seenA),
        chatty('ccc', 4, 7, seenA),
        chatty('zzz', 1, 1, seenA), // only we have it
      ],
    })
    const b = await pool.start({
      protocols: [
        chatty('ccc', 4, 7, seenB),
        chatty('bbb', 1, 3, seenB),
        chatty('aaa', 3, 9, seenB), // only they have it
        chatty('aaa', 2, 5, seenB),
      ],
    })
    b.addPeer(a.self())
    await Promise.all([peerCount(a, 1), peerCount(b, 1)])
    // the shared set: aaa/2 (0x10–0x14), bbb/1 (0x15–0x17), ccc/4 (0x18–0x1e), by name
    const offsets = (peer: Peer) =>
      peer.protocols.map((m) => `${m.protocol.name}/${m.protocol.version}@${m.offset}`)
    expect(offsets(a.peers()[0]!)).toEqual(['aaa/2@16', 'bbb/1@21', 'ccc/4@24'])
    expect(offsets(b.peers()[0]!)).toEqual(['aaa/2@16', 'bbb/1@21', 'ccc/4@24'])
    const expected = [
      ...[0, 1, 2, 3, 4].map((code) => ({ protocol: 'aaa', code, text: `aaa/2:${code}` })),
      ...[0, 1, 2].map((code) => ({ protocol: 'bbb', code, text: `bbb/1:${code}` })),
      ...[0, 1, 2, 3, 4, 5, 6].map((code) => ({ protocol: 'ccc', code, text: `ccc/4:${code}` })),
    ]
    const byKey = (x: Seen, y: Seen) => (x.text < y.text ? -1 : 1)
    while (seenA.length < expected.length || seenB.length < expected.length) {
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    expect([...seenA].sort(byKey)).toEqual(expected)
    expect([...seenB].sort(byKey)).toEqual(expected)
    expect(a.peers()[0]!.caps.map((c) => `${c.name}/${c.version}`)).toEqual([
      'ccc/4',
      'bbb/1',
      'aaa/3',
      'aaa/2',
    ])
  })

  it('a write outside the protocol length throws RangeError', async () => {
    const held = holdingProtocol({ length: 2 })
    const a = await pool.start({ protocols: [held.protocol] })
    const b = await pool.start({ protocols: [{ ...held.protocol }] })
    b.addPeer(a.self())
    const { rw } = await held.ready
    expect(() => rw.writeMsg({ code: 2, payload: Uint8Array.of(0x80) })).toThrow(RangeError)
  })
})

describe('protocol failures', () => {
  it('a run() that throws drops only its own peer, with "subprotocol error"', async () => {
    const fragile: Protocol = {
      name: 'foo',
      version: 1,
      length: 1,
      async run(peer, rw) {
        if (peer.name === 'bad') throw new Error('boom')
        for await (const msg of rw) if (msg.decode(t.string) === 'foo') await send(rw, 0, 'bar')
      },
    }
    const hub = await pool.start({ protocols: [fragile] })
    const good = await pool.start({ protocols: [fooProtocol()], name: 'good' })
    const held = holdingProtocol()
    const good2 = await pool.start({ name: 'good2', protocols: [held.protocol] })
    const bad = await pool.start({ protocols: [fooProtocol()], name: 'bad' })
    void good
    good2.addPeer(hub.self())
    const { rw: goodRw } = await held.ready
    const dropped = nextEvent(hub, (e) => e.type === 'drop')
    bad.addPeer(hub.self())
    const drop = await dropped
    expect(drop.peer).toBe(bad.self().idHex)
    expect(drop.reason).toBe(DisconnectReason.SubprotocolError)
    expect(hub.peers().map((p) => p.name)).toEqual(['good2'])
    await send(goodRw, 0, 'foo')
    await expectMsg(goodRw, 0, 'bar')
  })

  it('a run() that returns ends the peer with "client quitting"; a decode error is a breach', async () => {
    const quits: Protocol = { name: 'foo', version: 1, length: 1, run: async () => {} }
    const a = await pool.start({ protocols: [quits] })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const droppedB = nextEvent(b, (e) => e.type === 'drop')
    b.addPeer(a.self())
    expect((await droppedB).reason).toBe(DisconnectReason.Quitting)

    const strict: Protocol = {
      name: 'bar',
      version: 1,
      length: 1,
      async run(_peer, rw) {
        for await (const msg of rw) msg.decode(t.uint)
      },
    }
    const sender: Protocol = {
      name: 'bar',
      version: 1,
      length: 1,
      async run(peer, rw) {
        await send(rw, 0, ['not', 'a', 'number'])
        await new Promise<void>((done) => peer.signal.addEventListener('abort', () => done()))
      },
    }
    const c = await pool.start({ protocols: [strict] })
    const d = await pool.start({ protocols: [sender] })
    const droppedD = nextEvent(d, (e) => e.type === 'drop')
    d.addPeer(c.self())
    expect((await droppedD).reason).toBe(DisconnectReason.ProtocolError)
  })

  it('a message code outside every capability range is a breach', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    const peer = await rawJoin(server)
    const dropped = nextEvent(server, (e) => e.type === 'drop')
    await peer.conn.writeMsg(0x11, Uint8Array.of(0xc0)) // foo/1 has only 0x10
    expect((await dropped).reason).toBe(DisconnectReason.ProtocolError)
  })
})

describe('ping and pong', () => {
  it('pings every 15 s and answers a ping', async () => {
    const clock = new ManualClock()
    const server = await pool.start({ protocols: [fooProtocol()], clock })
    const peer = await rawJoin(server)
    clock.advance(14_999)
    await peer.conn.writeMsg(0x02, Uint8Array.of(0xc0))
    expect((await peer.conn.readMsg()).code).toBe(0x03) // our ping answered first
    clock.advance(1)
    expect((await peer.conn.readMsg()).code).toBe(0x02)
    clock.advance(15_000)
    expect((await peer.conn.readMsg()).code).toBe(0x02)
  })

  it('answers PING_RATE_MAX pings per window and drops a peer that keeps pinging', async () => {
    const clock = new ManualClock()
    const server = await pool.start({ protocols: [fooProtocol()], clock })
    const peer = await rawJoin(server)
    const ours = server.peers()[0]!
    const ping = () => peer.conn.writeMsg(0x02, Uint8Array.of(0xc0))
    const pongs = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await peer.conn.readMsg()).code).toBe(0x03)
    }
    for (let i = 0; i < PING_RATE_MAX; i++) await ping()
    await pongs(PING_RATE_MAX)
    // a new window: as many again are answered
    clock.advance(PING_RATE_WINDOW_MS)
    for (let i = 0; i < PING_RATE_MAX; i++) await ping()
    await pongs(PING_RATE_MAX)
    // past the rate in the same window: no Pong, and at PING_FLOOD_MAX the peer is dropped
    const dropped = nextEvent(server, (e) => e.type === 'drop')
    for (let i = PING_RATE_MAX; i < PING_FLOOD_MAX; i++) await ping()
    const next = await peer.conn.readMsg()
    expect(next.code).toBe(0x01) // Disconnect, not a Pong
    expect(decode(next.payload)).toEqual([Uint8Array.of(DisconnectReason.ProtocolError)])
    const event = await dropped
    expect(event.reason).toBe(DisconnectReason.ProtocolError)
    expect(ours.error).toBeInstanceOf(P2pError)
    expect((ours.error as P2pError).code).toBe('PING_FLOOD')
  })
})

describe('events and info', () => {
  it('msgsend and msgrecv events with geth’s fields, only when enabled', async () => {
    const a = await pool.start({ protocols: [fooProtocol()], enableMsgEvents: true })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const eventsA: PeerEvent[] = []
    const eventsB: PeerEvent[] = []
    a.on('peer', (e) => eventsA.push(e))
    b.on('peer', (e) => eventsB.push(e))
    const held = holdingProtocol()
    const c = await pool.start({ protocols: [held.protocol] })
    c.addPeer(a.self())
    b.addPeer(a.self())
    const { rw } = await held.ready
    await Promise.all([peerCount(a, 2), peerCount(b, 1)])
    const sent = nextEvent(a, (e) => e.type === 'msgsend')
    await send(rw, 0, 'foo')
    await sent // a received "foo" before it sent "bar"
    const recv = eventsA.find((e) => e.type === 'msgrecv')
    expect(recv).toEqual({
      type: 'msgrecv',
      peer: c.self().idHex,
      protocol: 'foo',
      msgCode: 0,
      msgSize: 4, // rlp("foo")
      localAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    })
    expect(eventsA.find((e) => e.type === 'msgsend')).toMatchObject({
      type: 'msgsend',
      protocol: 'foo',
      msgCode: 0,
      msgSize: 4,
    })
    await expectMsg(rw, 0, 'bar')
    expect(eventsB.map((e) => e.type)).toEqual(['add'])
  })

  it('a peer listener that throws is logged and changes nothing', async () => {
    const errors: string[] = []
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_o: object, m?: string) => errors.push(m ?? ''),
    }
    const a = await pool.start({ protocols: [fooProtocol()], logger })
    const b = await pool.start({ protocols: [fooProtocol()] })
    a.on('peer', () => {
      throw new Error('listener bug')
    })
    const controller = new AbortController()
    const events = a.subscribeEvents({ signal: controller.signal })[Symbol.asyncIterator]()
    b.addPeer(a.self())
    expect((await events.next()).value).toMatchObject({ type: 'add', peer: b.self().idHex })
    controller.abort()
    expect(a.peerCount).toBe(1)
    expect(errors).toContain('peer event listener threw')
  })

  it('subscribeEvents yields add and drop, and ends on abort', async () => {
    const a = await pool.start({ protocols: [fooProtocol()] })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const controller = new AbortController()
    const types: string[] = []
    const reading = (async () => {
      for await (const event of a.subscribeEvents({ signal: controller.signal })) {
        types.push(`${event.type}:${event.peer === b.self().idHex}`)
        if (types.length === 2) controller.abort()
      }
    })()
    b.addPeer(a.self())
    await peerCount(b, 1)
    b.peers()[0]!.disconnect()
    await reading
    expect(types).toEqual(['add:true', 'drop:true'])
  })

  it('nodeInfo and peersInfo in geth’s shapes', async () => {
    const a = await pool.start({
      name: 'alpha',
      protocols: [
        { ...fooProtocol(), nodeInfo: () => ({ network: 7 }), peerInfo: () => ({ v: 1 }) },
      ],
    })
    const b = await pool.start({ protocols: [fooProtocol()], name: 'beta' })
    b.addPeer(a.self())
    await Promise.all([peerCount(a, 1), peerCount(b, 1)])
    const info = a.nodeInfo()
    const port = a.self().tcp
    expect(info).toEqual({
      id: a.self().idHex,
      name: 'alpha',
      enode: `enode://${Buffer.from(a.self().publicKey).toString('hex')}@127.0.0.1:${port}`,
      enr: expect.stringMatching(/^enr:/),
      ip: '127.0.0.1',
      ports: { discovery: 0, listener: port },
      listenAddr: `127.0.0.1:${port}`,
      protocols: { foo: { network: 7 } },
    })
    const [peer] = a.peersInfo()
    expect(peer).toEqual({
      enode: expect.stringMatching(/^enode:\/\//),
      id: b.self().idHex,
      name: 'beta',
      caps: ['foo/1'],
      network: {
        localAddress: `127.0.0.1:${port}`,
        remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        inbound: true,
        trusted: false,
        static: false,
      },
      protocols: { foo: { v: 1 } },
    })
    expect(b.peersInfo()[0]!.network.static).toBe(true)
  })
})
