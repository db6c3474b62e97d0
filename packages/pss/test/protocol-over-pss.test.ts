/**
 * Protocols over pss: an ordinary devp2p `Protocol` run with a node we are not connected
 * to, through the servers between us, as a virtual peer.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { type Msg, type MsgReadWriter, P2pError, type Protocol, Server, send } from '@devp2p/p2p'
import { encode, t } from '@devp2p/rlp'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_MESSAGE_BYTES } from '../src/constants.js'
import { PssError } from '../src/errors.js'
import { protocolTopic } from '../src/protocol-over-pss.js'
import { Pss } from '../src/pss.js'
import { stringToTopic } from '../src/topic.js'
import type { VirtualPeer } from '../src/virtual-peer.js'

interface TestNode {
  readonly pss: Pss
  readonly server: Server
}

// bounded: the nodes of one test
const running: TestNode[] = []
afterEach(async () => {
  const nodes = running.splice(0)
  for (const node of nodes) node.pss.stop()
  await Promise.all(nodes.map((n) => n.server.stop()))
})

/** `count` real servers on loopback in a line: each knows only its neighbours. */
async function line(count: number, clock?: ManualClock): Promise<TestNode[]> {
  const nodes = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const privateKey = generatePrivateKey()
      // a manual clock for pss only, when given (the servers keep real time)
      const pss = new Pss({ privateKey, ...(clock === undefined ? {} : { clock }) })
      const server = new Server({
        privateKey,
        name: `node${i}`,
        listenAddr: '127.0.0.1:0',
        protocols: [pss.protocol],
      })
      await server.start()
      const node = { pss, server }
      running.push(node)
      return node
    }),
  )
  for (let i = 0; i + 1 < count; i++) nodes[i]!.server.addPeer(nodes[i + 1]!.server.self())
  const expected = nodes.map((_, i) => (i === 0 || i === count - 1 ? 1 : 2))
  await vi.waitFor(() => expect(nodes.map((n) => n.pss.peerCount)).toEqual(expected), {
    timeout: 10_000,
  })
  return nodes
}

const text = (msg: Msg): string => msg.decode(t.string)

/**
 * The tutorial's protocol: "foo" is answered with "bar". The opener says "foo" first and
 * returns once it heard "bar"; every text heard goes to `heard`.
 */
function fooBar(heard: string[], opener: boolean): Protocol {
  return {
    name: 'foo',
    version: 1,
    length: 1,
    async run(_peer, rw) {
      if (opener) await send(rw, 0, 'foo')
      for await (const msg of rw) {
        heard.push(text(msg))
        if (text(msg) === 'foo') await send(rw, 0, 'bar')
        else if (opener) return
      }
    },
  }
}

/** A protocol that hands out its peer and rw and reads nothing until told. */
function captured(
  length = 2,
  name = 'cap',
): {
  protocol: Protocol
  peer: Promise<{ peer: VirtualPeer; rw: MsgReadWriter }>
} {
  let resolve: (value: { peer: VirtualPeer; rw: MsgReadWriter }) => void = () => {}
  const peer = new Promise<{ peer: VirtualPeer; rw: MsgReadWriter }>((r) => {
    resolve = r
  })
  const protocol: Protocol = {
    name,
    version: 3,
    length,
    run(p, rw) {
      const virtual = p as unknown as VirtualPeer
      resolve({ peer: virtual, rw })
      return new Promise<void>((done) => virtual.signal.addEventListener('abort', () => done()))
    },
  }
  return { protocol, peer }
}

describe('protocols over pss', () => {
  it('refuses what a Server would refuse: a bad protocol value, a topic that is not 4 bytes, a bad key', () => {
    const pss = new Pss({ privateKey: generatePrivateKey() })
    const remote = new Pss({ privateKey: generatePrivateKey() }).publicKey()
    const good = fooBar([], false)
    expect(() => pss.runProtocol({ ...good, length: 0 }, remote)).toThrow(RangeError)
    expect(() => pss.runProtocol({ ...good, name: '' }, remote)).toThrow(TypeError)
    expect(() => pss.runProtocol(good, remote, { topic: new Uint8Array(3) })).toThrow(RangeError)
    expect(() => pss.runProtocol(good, remote, { maxQueuedMsgs: 0 })).toThrow(RangeError)
    expect(() => pss.runProtocol(good, new Uint8Array(64))).toThrow(
      expect.objectContaining({ name: 'CryptoError' }),
    )
    expect(() =>
      pss.runProtocol(good, { accept: undefined } as unknown as { accept: () => boolean }),
    ).toThrow(TypeError)
  })

  it('foo/bar between the ends of a line of four servers, both directions', async () => {
    const [a, , , d] = (await line(4)) as [TestNode, TestNode, TestNode, TestNode]
    expect(a.server.peers().some((p) => p.idHex === d.server.self().idHex)).toBe(false)

    // A opens with D's key; D runs the same protocol with A's key
    const heardByA: string[] = []
    const heardByD: string[] = []
    const stopD = new AbortController()
    const atD = d.pss.runProtocol(fooBar(heardByD, false), a.pss.publicKey(), {
      signal: stopD.signal,
    })
    await a.pss.runProtocol(fooBar(heardByA, true), d.pss.publicKey())
    expect(heardByA).toEqual(['bar'])
    expect(heardByD).toEqual(['foo'])
    stopD.abort()
    await expect(atD).resolves.toBeUndefined()

    // the other way: D opens, A accepts whoever writes on the topic
    const heardByA2: string[] = []
    const heardByD2: string[] = []
    const accepted: Uint8Array[] = []
    const stopA = new AbortController()
    const atA = a.pss.runProtocol(
      fooBar(heardByA2, false),
      {
        accept: (key) => {
          accepted.push(key)
          return true
        },
      },
      { signal: stopA.signal },
    )
    await d.pss.runProtocol(fooBar(heardByD2, true), a.pss.publicKey())
    expect([heardByD2, heardByA2, accepted]).toEqual([['bar'], ['foo'], [d.pss.publicKey()]])
    stopA.abort()
    await expect(atA).resolves.toBeUndefined()
  })

  it("the virtual peer carries the remote's identity, and the messages go on the topic of name/version", async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured()
    const stop = new AbortController()
    const run = a.pss.runProtocol(protocol, c.pss.publicKey(), { signal: stop.signal })
    const { peer: virtual } = await peer
    expect(virtual.publicKey).toEqual(c.pss.publicKey())
    expect(virtual.idHex).toBe(c.server.self().idHex)
    expect(virtual.id).toEqual(c.pss.baseAddr())
    expect(virtual.caps).toEqual([{ name: 'cap', version: 3 }])
    expect(virtual.inbound).toBe(false)
    expect(virtual.topic).toEqual(stringToTopic('cap/3'))
    expect(protocolTopic(protocol)).toEqual(stringToTopic('cap/3'))
    // a message pss cannot carry (over MAX_MESSAGE_BYTES once sealed) is refused
    const { rw } = await peer
    await expect(
      rw.writeMsg({ code: 0, payload: new Uint8Array(MAX_MESSAGE_BYTES) }),
    ).rejects.toThrow(RangeError)
    expect(virtual.error).toBeUndefined()
    stop.abort()
    await run
    expect(virtual.signal.aborted).toBe(true)
    expect(virtual.error).toBeInstanceOf(PssError)
  })

  it('a message code at or over the protocol length ends the virtual peer with VIRTUAL_PEER_BREACH', async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured(2)
    const run = a.pss.runProtocol(protocol, c.pss.publicKey())
    const { rw } = await peer
    const reading = rw.readMsg()
    c.pss.sendAsym(a.pss.publicKey(), protocolTopic(protocol), encode([2, encode('too far')]))
    await expect(run).rejects.toMatchObject({ name: 'PssError', code: 'VIRTUAL_PEER_BREACH' })
    await expect(reading).rejects.toMatchObject({ name: 'P2pError', code: 'PEER_CLOSED' })
    // our own writes are checked too, synchronously, as a p2p peer's
    expect(() => rw.writeMsg({ code: 2, payload: encode('x') })).toThrow(RangeError)
  })

  it('a message that is not [code, payload] ends the virtual peer with VIRTUAL_PEER_BREACH', async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol } = captured()
    const run = a.pss.runProtocol(protocol, c.pss.publicKey())
    c.pss.sendAsym(a.pss.publicKey(), protocolTopic(protocol), encode([[1], 'x', 'y']))
    await expect(run).rejects.toMatchObject({ name: 'PssError', code: 'VIRTUAL_PEER_BREACH' })
  })

  it('forged messages (another signer, raw) are ignored, the genuine remote still gets through', async () => {
    const [a, b, c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured(2)
    const topic = protocolTopic(protocol)
    const stop = new AbortController()
    const run = a.pss.runProtocol(protocol, c.pss.publicKey(), { signal: stop.signal })
    const { peer: virtual, rw } = await peer
    const before = a.pss.stats().delivered
    // B signs its own messages: a code over the length would end the peer were it from C
    b.pss.sendAsym(a.pss.publicKey(), topic, encode([9, encode('forged')]))
    b.pss.sendAsym(a.pss.publicKey(), topic, encode([0, encode('forged')]))
    b.pss.sendRaw(a.pss.baseAddr(), topic, encode([0, encode('raw')]))
    await vi.waitFor(() => expect(a.pss.stats().delivered).toBe(before + 3), { timeout: 10_000 })
    c.pss.sendAsym(a.pss.publicKey(), topic, encode([1, encode('genuine')]))
    const msg = await rw.readMsg()
    expect([msg.code, text(msg)]).toEqual([1, 'genuine'])
    expect(virtual.error).toBeUndefined()
    stop.abort()
    await expect(run).resolves.toBeUndefined()
  })

  it('the inbound queue holds maxQueuedMsgs for a protocol that does not read; more are dropped and counted', async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured()
    const stop = new AbortController()
    const run = a.pss.runProtocol(protocol, c.pss.publicKey(), {
      signal: stop.signal,
      maxQueuedMsgs: 2,
    })
    const { peer: virtual, rw } = await peer
    const before = a.pss.stats().delivered
    for (const word of ['one', 'two', 'three', 'four', 'five'])
      c.pss.sendAsym(a.pss.publicKey(), protocolTopic(protocol), encode([0, encode(word)]))
    await vi.waitFor(() => expect(a.pss.stats().delivered).toBe(before + 5), { timeout: 10_000 })
    expect(virtual.dropped).toBe(3)
    expect(text(await rw.readMsg())).toBe('one')
    expect(text(await rw.readMsg())).toBe('two')
    stop.abort()
    await run
    await expect(rw.readMsg()).rejects.toBeInstanceOf(P2pError)
  })

  it('an accepting run starts at most maxPeers virtual peers; the same remote twice is VIRTUAL_PEER_BUSY', async () => {
    const [a, b, c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const heard: string[] = []
    const stop = new AbortController()
    const accepting = a.pss.runProtocol(
      fooBar(heard, false),
      { accept: () => true, maxPeers: 1 },
      { signal: stop.signal },
    )
    const heardByC: string[] = []
    await c.pss.runProtocol(fooBar(heardByC, true), a.pss.publicKey())
    expect(heardByC).toEqual(['bar'])
    // C's virtual peer at A still runs (its run has not returned): B is one too many
    const before = a.pss.stats().delivered
    b.pss.sendAsym(a.pss.publicKey(), protocolTopic(fooBar([], false)), encode([0, encode('foo')]))
    await vi.waitFor(() => expect(a.pss.stats().delivered).toBe(before + 1), { timeout: 10_000 })
    expect(heard).toEqual(['foo'])
    expect(() => a.pss.runProtocol(fooBar([], false), c.pss.publicKey())).toThrow(
      expect.objectContaining({ code: 'VIRTUAL_PEER_BUSY' }),
    )
    stop.abort()
    await expect(accepting).resolves.toBeUndefined()
  })

  it('an accepted virtual peer whose remote is silent for idleTimeoutMs ends; each message restarts the wait', async () => {
    const clock = new ManualClock()
    const [a, , c] = (await line(3, clock)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured(1, 'idle')
    const stop = new AbortController()
    const accepting = a.pss.runProtocol(
      protocol,
      { accept: () => true, idleTimeoutMs: 60_000 },
      { signal: stop.signal },
    )
    const topic = protocolTopic(protocol)
    c.pss.sendAsym(a.pss.publicKey(), topic, encode([0, encode('first')]))
    const { peer: virtual, rw } = await peer
    expect(virtual.inbound).toBe(true)
    expect(text(await rw.readMsg())).toBe('first')
    clock.advance(40_000)
    c.pss.sendAsym(a.pss.publicKey(), topic, encode([0, encode('second')]))
    expect(text(await rw.readMsg())).toBe('second')
    clock.advance(40_000) // 80 s after the first message, 40 s after the last
    expect(virtual.signal.aborted).toBe(false)
    clock.advance(20_000)
    expect(virtual.signal.aborted).toBe(true)
    expect(virtual.error).toMatchObject({ code: 'LOCAL_DISCONNECT', reason: 0x0b })
    stop.abort()
    await expect(accepting).resolves.toBeUndefined()
  })

  it('pss.stop() ends a run cleanly, its reads fail with PEER_CLOSED', async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const { protocol, peer } = captured()
    const run = a.pss.runProtocol(protocol, c.pss.publicKey())
    const { rw } = await peer
    const reading = rw.readMsg()
    a.pss.stop()
    await expect(run).resolves.toBeUndefined()
    await expect(reading).rejects.toMatchObject({ code: 'PEER_CLOSED' })
  })

  it('a run that throws rejects with its error; disconnect() resolves', async () => {
    const [a, , c] = (await line(3)) as [TestNode, TestNode, TestNode]
    const boom = new Error('boom')
    const throwing: Protocol = {
      name: 'x',
      version: 1,
      length: 1,
      run: async () => {
        throw boom
      },
    }
    await expect(a.pss.runProtocol(throwing, c.pss.publicKey())).rejects.toBe(boom)
    const leaving: Protocol = {
      name: 'y',
      version: 1,
      length: 1,
      run: async (peer, rw) => {
        ;(peer as unknown as VirtualPeer).disconnect()
        for await (const _ of rw) {
          // ends at once: the peer is gone
        }
      },
    }
    await expect(a.pss.runProtocol(leaving, c.pss.publicKey())).resolves.toBeUndefined()
  })
})
