import { generatePrivateKey } from '@devp2p/crypto'
import type { Protocol } from '@devp2p/p2p'
import { Server } from '@devp2p/p2p'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Pss } from '../src/pss.js'
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

async function startNode(name: string, protocols?: (pss: Pss) => Protocol[]): Promise<TestNode> {
  const privateKey = generatePrivateKey()
  const pss = new Pss({ privateKey })
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
})
