import { generatePrivateKey } from '@devp2p/crypto'
import type { Protocol } from '@devp2p/p2p'
import { Server } from '@devp2p/p2p'
import { ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PEER_BURST_MSGS } from '../src/constants.js'
import type { AcceptedHandshake } from '../src/handshake/index.js'
import { encodeMessage } from '../src/message.js'
import { Pss } from '../src/pss.js'
import type { PssOptions } from '../src/pss-options.js'
import { stringToTopic } from '../src/topic.js'

interface TestNode {
  readonly name: string
  readonly pss: Pss
  readonly server: Server
}

// bounded: the nodes of one test
const running: Server[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

async function startNode(
  name: string,
  protocols?: (pss: Pss) => Protocol[],
  clock?: ManualClock,
  options: Omit<PssOptions, 'privateKey' | 'clock'> = {},
): Promise<TestNode> {
  const privateKey = generatePrivateKey()
  // a manual clock for pss only (the servers keep real time): token buckets do not refill
  const pss = new Pss({ privateKey, ...options, ...(clock === undefined ? {} : { clock }) })
  const server = new Server({
    privateKey,
    name,
    listenAddr: '127.0.0.1:0',
    protocols: protocols?.(pss) ?? [pss.protocol],
  })
  await server.start()
  running.push(server)
  return { name, pss, server }
}

describe('pss over real servers', () => {
  it('a message from A reaches E along the line A–B–C–D–E, forwarded once by each node between', async () => {
    const nodes = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => startNode(n)))
    for (let i = 0; i + 1 < nodes.length; i++) nodes[i]!.server.addPeer(nodes[i + 1]!.server.self())
    const expected = [1, 2, 2, 2, 1]
    await vi.waitFor(() => expect(nodes.map((n) => n.pss.peerCount)).toEqual(expected), {
      timeout: 10_000,
    })
    const [a, , , , e] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode]
    const topic = stringToTopic('chat')
    const received = e.pss.subscribe(topic)
    expect(a.pss.sendRaw(e.pss.baseAddr(), topic, new TextEncoder().encode('hello E'))).toBe(1)
    const { value } = await received.next()
    expect(new TextDecoder().decode(value?.payload)).toBe('hello E')
    expect(value?.raw).toBe(true)
    // the path: A sent it, B, C and D each forwarded it once, only E kept it
    const stats = nodes.map((n) => n.pss.stats())
    expect(stats.map((s) => s.sent)).toEqual([1, 0, 0, 0, 0])
    expect(stats.map((s) => s.forwarded)).toEqual([1, 1, 1, 1, 0])
    expect(stats.map((s) => s.delivered)).toEqual([0, 0, 0, 0, 1])
    await received.return()
  })

  it('end to end encrypted along the line: asymmetric from A to E, then a handshake and symmetric messages both ways', async () => {
    let accepted: (h: AcceptedHandshake) => void = () => {}
    const acceptedByE = new Promise<AcceptedHandshake>((r) => {
      accepted = r
    })
    const names = ['A', 'B', 'C', 'D', 'E']
    const nodes = await Promise.all(
      names.map((n) =>
        startNode(
          n,
          undefined,
          undefined,
          n === 'E' ? { acceptHandshake: () => true, onHandshakeAccepted: (h) => accepted(h) } : {},
        ),
      ),
    )
    for (let i = 0; i + 1 < nodes.length; i++) nodes[i]!.server.addPeer(nodes[i + 1]!.server.self())
    await vi.waitFor(() => expect(nodes.map((n) => n.pss.peerCount)).toEqual([1, 2, 2, 2, 1]), {
      timeout: 10_000,
    })
    const [a, , c, , e] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode]
    const topic = stringToTopic('secret')
    const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)
    const atE = e.pss.subscribe(topic)
    const atA = a.pss.subscribe(topic)
    const atC = c.pss.subscribe(topic) // on the path: forwards, cannot read

    // to everyone (an empty address): every node on the path tries to open it, only E can
    a.pss.setPeerPublicKey(e.pss.publicKey(), topic, new Uint8Array(0))
    a.pss.sendAsym(e.pss.publicKey(), topic, new TextEncoder().encode('for E only'))
    const first = (await atE.next()).value
    expect([text(first?.payload), first?.raw, first?.from]).toEqual([
      'for E only',
      false,
      a.pss.publicKey(),
    ])

    const keys = await a.pss.handshake(e.pss.publicKey(), topic)
    const theirs = await acceptedByE
    expect(theirs.peer).toEqual(a.pss.publicKey())
    a.pss.sendSym(keys.sendKeyId, topic, new TextEncoder().encode('sym to E'))
    const second = (await atE.next()).value
    expect([text(second?.payload), second?.from]).toEqual(['sym to E', a.pss.publicKey()])
    e.pss.sendSym(theirs.sendKeyId, topic, new TextEncoder().encode('sym to A'))
    const reply = (await atA.next()).value
    expect([text(reply?.payload), reply?.from]).toEqual(['sym to A', e.pss.publicKey()])

    // C relayed all of it (the handshake included) and read none of it: both messages to
    // E's empty address (the asymmetric one, and the symmetric one, routed as E's key says)
    // reached C before E (C handles a message before forwarding it), yet nothing is queued
    expect(c.pss.stats().delivered).toBe(2)
    expect(c.pss.stats().forwarded).toBeGreaterThanOrEqual(4)
    const nothing = Symbol('nothing queued')
    expect(await Promise.race([atC.next(), Promise.resolve(nothing)])).toBe(nothing)
    for (const sub of [atA, atC, atE]) await sub.return()
  })

  it('a peer sending garbage over pss/2 keeps its connection, the garbage is dropped as invalid', async () => {
    const target = await startNode('target')
    const samples = fc.sample(fc.uint8Array({ maxLength: 200 }), { numRuns: 100, seed: 7 })
    let sent = 0
    const hostile = await startNode('hostile', (pss) => [
      {
        ...pss.protocol,
        async run(_peer, rw) {
          for (const payload of samples) {
            await rw.writeMsg({ code: 0, payload })
            sent++
          }
          for await (const _ of rw) {
            // keep the connection open
          }
        },
      },
    ])
    hostile.server.addPeer(target.server.self())
    await vi.waitFor(() => expect(target.pss.stats().received).toBe(samples.length), {
      timeout: 10_000,
    })
    expect(sent).toBe(samples.length)
    expect(target.pss.stats().dropped.invalid).toBeGreaterThan(samples.length - 5)
    expect(target.server.peerCount).toBe(1)
  })

  it('a flooder is held to its burst while an honest peer of the same node gets every message through', async () => {
    const clock = new ManualClock()
    const expiry = Math.floor(clock.now() / 1000) + 60
    const floodTopic = stringToTopic('flood')
    const chatTopic = stringToTopic('chat')
    const target = await startNode('target', undefined, clock)
    const honest = await startNode('honest', undefined, clock)
    const floodCount = PEER_BURST_MSGS + 600
    const flooder = await startNode(
      'flooder',
      (pss) => [
        {
          ...pss.protocol,
          async run(_peer, rw) {
            for (let i = 0; i < floodCount; i++) {
              const payload = new Uint8Array([i & 0xff, i >> 8])
              const msg = { to: new Uint8Array(), expiry, topic: floodTopic, flags: 0, payload }
              await rw.writeMsg({ code: 0, payload: encodeMessage(msg) })
            }
            for await (const _ of rw) {
              // keep the connection open
            }
          },
        },
      ],
      clock,
    )
    const inbox = target.pss.subscribe(chatTopic)
    honest.server.addPeer(target.server.self())
    await vi.waitFor(() => expect(honest.pss.peerCount).toBe(1), { timeout: 10_000 })
    flooder.server.addPeer(target.server.self())
    // the flooder is over its budget before the honest peer says anything
    await vi.waitFor(() => expect(target.pss.stats().dropped['rate-limited']).toBeGreaterThan(0), {
      timeout: 10_000,
    })
    for (let i = 0; i < 10; i++)
      honest.pss.sendRaw(target.pss.baseAddr(), chatTopic, new Uint8Array([i]))
    const got: number[] = []
    for await (const m of inbox) {
      got.push(m.payload[0]!)
      if (got.length === 10) break
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    await vi.waitFor(() => expect(target.pss.stats().received).toBe(floodCount + 10), {
      timeout: 10_000,
    })
    expect(target.pss.stats().dropped['rate-limited']).toBe(floodCount - PEER_BURST_MSGS)
    expect(target.server.peerCount).toBe(2)
  })
})
