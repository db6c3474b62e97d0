import { generatePrivateKey } from '@devp2p/crypto'
import { Server } from '@devp2p/p2p'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Pss } from '../src/pss.js'
import type { PssRouteEvent } from '../src/route-trace.js'
import { stringToTopic } from '../src/topic.js'

// bounded: the servers of one test
const running: Server[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

async function startNode(onRoute: (event: PssRouteEvent) => void) {
  const privateKey = generatePrivateKey()
  const pss = new Pss({ privateKey, onRoute })
  const server = new Server({
    privateKey,
    name: 'trace',
    listenAddr: '127.0.0.1:0',
    protocols: [pss.protocol],
  })
  await server.start()
  running.push(server)
  return { pss, server, id: server.nodeInfo().id }
}

/** A – B – C, each node's route events collected in `events[i]`. */
async function line(throwAt?: number) {
  const events: PssRouteEvent[][] = [[], [], []]
  const nodes = await Promise.all(
    [0, 1, 2].map((i) =>
      startNode((event) => {
        events[i]!.push(event)
        if (i === throwAt) throw new Error('a broken hook')
      }),
    ),
  )
  const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
  a.server.addPeer(b.server.self())
  b.server.addPeer(c.server.self())
  await vi.waitFor(() => expect(nodes.map((n) => n.pss.peerCount)).toEqual([1, 2, 1]), {
    timeout: 10_000,
  })
  return { a, b, c, events }
}

describe('the onRoute hook', () => {
  it('tells each node on the path where a message came from and which peers took it', async () => {
    const { a, b, c, events } = await line()
    const topic = stringToTopic('trace')
    const inbox = c.pss.subscribe(topic)
    a.pss.sendRaw(c.pss.baseAddr(), topic, new TextEncoder().encode('hi'))
    await inbox.next()
    const [atA, atB, atC] = events as [PssRouteEvent[], PssRouteEvent[], PssRouteEvent[]]
    expect(atA).toHaveLength(1)
    const digest = atA[0]!.digest
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    // ours: no `from`; B took it. B: from A, on to C. C: from B, for C, nobody left to take it
    expect(atA).toEqual([{ digest, to: [b.id], delivered: false }])
    expect(atB).toEqual([{ digest, from: a.id, to: [c.id], delivered: false }])
    expect(atC).toEqual([{ digest, from: b.id, to: [], delivered: true }])
    expect(hex(c.pss.baseAddr())).toBe(c.id)
    await inbox.return()
  })

  it('a message each way has its own digest, and the reply runs the path backwards', async () => {
    const { a, b, c, events } = await line()
    const topic = stringToTopic('trace')
    const atA = a.pss.subscribe(topic)
    const atC = c.pss.subscribe(topic)
    a.pss.sendAsym(c.pss.publicKey(), topic, new TextEncoder().encode('to C'))
    await atC.next()
    c.pss.sendAsym(a.pss.publicKey(), topic, new TextEncoder().encode('to A'))
    await atA.next()
    const [there, back] = [events[0]![0]!.digest, events[2]![1]!.digest]
    expect(there).not.toBe(back)
    expect(events[2]![1]).toEqual({ digest: back, to: [b.id], delivered: false })
    expect(events[1]![1]).toEqual({ digest: back, from: c.id, to: [a.id], delivered: false })
    expect(events[0]![1]).toEqual({ digest: back, from: b.id, to: [], delivered: true })
    await atA.return()
    await atC.return()
  })

  it('a hook that throws does not stop the message', async () => {
    const { a, c, events } = await line(1)
    const topic = stringToTopic('trace')
    const inbox = c.pss.subscribe(topic)
    a.pss.sendRaw(c.pss.baseAddr(), topic, new TextEncoder().encode('still here'))
    const { value } = await inbox.next()
    expect(new TextDecoder().decode(value?.payload)).toBe('still here')
    expect(events[1]).toHaveLength(1)
    await inbox.return()
  })
})
