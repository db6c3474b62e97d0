import { createServer, type Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, type NodeIdHex } from '@devp2p/enode'
import { duplexPair, ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type NodeDialer, type NodeSource, type Server, tcpDialer } from '../src/index.ts'
import { acceptInbound } from '../src/server.ts'
import { fooProtocol, nextEvent, peerCount, ServerPool } from './helpers/servers.ts'

const pool = new ServerPool()
afterEach(() => pool.stopAll())

/** A node source that yields `nodes` and then waits until aborted; counts pulls. */
function listSource(nodes: ENode[]): NodeSource & { pulled: number; ended: Promise<void> } {
  let endedResolve: () => void = () => {}
  const source = {
    pulled: 0,
    ended: new Promise<void>((resolve) => {
      endedResolve = resolve
    }),
    async *randomNodes({ signal }: { signal: AbortSignal }): AsyncGenerator<ENode> {
      try {
        for (const node of nodes) {
          source.pulled++
          yield node
        }
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve()
          else signal.addEventListener('abort', () => resolve(), { once: true })
        })
      } finally {
        endedResolve()
      }
    },
  }
  return source
}

async function targets(count: number): Promise<Server[]> {
  const out: Server[] = []
  for (let i = 0; i < count; i++) out.push(await pool.start({ protocols: [fooProtocol()] }))
  return out
}

describe('dialing', () => {
  it('dials candidates from nodeSource only while dial slots are free, and ends the source on stop', async () => {
    const others = await targets(4)
    const source = listSource(others.map((s) => s.self()))
    // maxPeers 6 / dialRatio 3 → 2 dialed peers
    const server = await pool.start({ protocols: [fooProtocol()], maxPeers: 6, nodeSource: source })
    await peerCount(server, 2)
    expect(server.peers().every((p) => !p.inbound && !p.static)).toBe(true)
    // at most one candidate is held back waiting for a slot; none beyond it is pulled
    expect(source.pulled).toBeLessThanOrEqual(4)
    const dialed = new Set(server.peers().map((p) => p.idHex))
    const reached = others.filter((o) => dialed.has(o.self().idHex))
    expect(reached).toHaveLength(2)
    await Promise.all(reached.map((o) => peerCount(o, 1)))
    await server.stop()
    await source.ended
  })

  it('addNodeSource after start() adds candidates to dial', async () => {
    const [other] = await targets(1)
    const server = await pool.start({ protocols: [fooProtocol()] })
    const source = listSource([other!.self()])
    server.addNodeSource(source)
    const added = await nextEvent(server, (e) => e.type === 'add')
    expect(added.peer).toBe(other!.self().idHex)
    expect(() => server.addNodeSource({} as NodeSource)).toThrow(TypeError)
  })

  it('reserved slots: plain candidates stop at maxPeers − reservedPeers, a preferred source fills the rest', async () => {
    const others = await targets(5)
    const [plainA, plainB, plainC, wantedA, wantedB] = others.map((o) => o.self())
    const wanted = new Set([wantedA!.idHex, wantedB!.idHex])
    const protocol = {
      ...fooProtocol(),
      wantsPeer: (id: Uint8Array) => wanted.has(Buffer.from(id).toString('hex') as NodeIdHex),
    }
    // maxPeers 4, all of them ours to dial (dialRatio 1), the last 2 reserved
    const server = await pool.start({
      ...{ protocols: [protocol], maxPeers: 4, dialRatio: 1, reservedPeers: 2 },
      nodeSource: listSource([plainA!, plainB!, plainC!]),
    })
    expect(server.reservedPeers).toBe(2)
    await peerCount(server, 2)
    server.addNodeSource(listSource([wantedA!, wantedB!]), { preferred: true })
    await peerCount(server, 4)
    const ids = server.peers().map((p) => p.idHex)
    expect(ids).toEqual(expect.arrayContaining([wantedA!.idHex, wantedB!.idHex]))
    expect(ids.filter((id) => !wanted.has(id))).toHaveLength(2)
  })

  it('reservedPeers defaults to maxPeers / 5 when a protocol has wantsPeer, else 0', async () => {
    const wanting = { ...fooProtocol(), wantsPeer: () => false }
    const a = await pool.start({ protocols: [wanting], maxPeers: 25 })
    const b = await pool.start({ protocols: [fooProtocol()], maxPeers: 25 })
    expect([a.reservedPeers, b.reservedPeers]).toEqual([5, 0])
    await expect(
      pool.start({ protocols: [fooProtocol()], maxPeers: 2, reservedPeers: 3 }),
    ).rejects.toThrow(RangeError)
  })

  it('skips candidates outside netRestrict, ourselves and nodes without an address', async () => {
    const [other] = await targets(1)
    const key = generatePrivateKey()
    const self = ENode.fromPublicKey(publicKeyFromPrivate(key), { ip: '127.0.0.1', tcp: 1 })
    const restricted = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '10.1.2.3',
      tcp: 30303,
    })
    const noAddress = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()))
    const source = listSource([self, restricted, noAddress, other!.self()])
    const server = await pool.start({
      privateKey: key,
      protocols: [fooProtocol()],
      nodeSource: source,
      netRestrict: '127.0.0.0/8',
    })
    const added = await nextEvent(server, (e) => e.type === 'add')
    expect(added.peer).toBe(other!.self().idHex)
    expect(server.peerCount).toBe(1)
  })

  it('a static node that refuses the TCP connection is retried, not fatal', async () => {
    // a port that is closed: bind one, remember it, close it
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const ghost = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '127.0.0.1',
      tcp: port,
    })
    const [other] = await targets(1)
    const server = await pool.start({
      protocols: [fooProtocol()],
      staticNodes: [ghost, other!.self()],
    })
    await peerCount(server, 1)
    expect(server.peers()[0]!.idHex).toBe(other!.self().idHex)
    expect(server.peers()[0]!.static).toBe(true)
  })

  it('noDial: addPeer is accepted but nothing is dialed; inbound still works', async () => {
    const server = await pool.start({ protocols: [fooProtocol()], noDial: true })
    expect(server.maxDialedPeers).toBe(0)
    const [other] = await targets(1)
    server.addPeer(other!.self())
    other!.addPeer(server.self())
    await peerCount(server, 1)
    expect(server.peers()[0]!.inbound).toBe(true)
  })
})

describe('the dialer seam', () => {
  it('a replaced dialer carries every dial: in-memory pipes to a server that does not listen', async () => {
    const target = await pool.start({ protocols: [fooProtocol()], listenAddr: '' })
    const dialed: string[] = []
    const dialer: NodeDialer = {
      async dial(node, { signal }) {
        expect(signal.aborted).toBe(false)
        dialed.push(node.idHex)
        const [ours, theirs] = duplexPair()
        Object.defineProperties(theirs, {
          remoteAddress: { value: '127.0.0.1' },
          remotePort: { value: 40000 },
        })
        acceptInbound(target, theirs as Socket)
        return ours
      },
    }
    const server = await pool.start({ protocols: [fooProtocol()], listenAddr: '', dialer })
    // the target has no TCP port; any address passes the scheduler, the dialer decides
    const where = ENode.fromPublicKey(target.self().publicKey, { ip: '127.0.0.1', tcp: 9 })
    server.addPeer(where)
    await Promise.all([peerCount(server, 1), peerCount(target, 1)])
    expect(dialed).toEqual([target.self().idHex])
    expect(server.peers()[0]!.remoteAddress).toBe('127.0.0.1:9') // the pipe has no address
    expect(target.peers()[0]!.inbound).toBe(true)
  })

  it('a dialer that fails is a failed dial, retried later, not fatal', async () => {
    const clock = new ManualClock()
    let attempts = 0
    const dialer: NodeDialer = {
      async dial() {
        attempts++
        throw new Error('no route')
      },
    }
    const server = await pool.start({ protocols: [fooProtocol()], dialer, clock })
    const ghost = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '127.0.0.1',
      tcp: 9,
    })
    server.addPeer(ghost)
    while (attempts < 1) await new Promise<void>((resolve) => setImmediate(resolve))
    clock.advance(36_000) // past the dial history
    while (attempts < 2) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(server.running).toBe(true)
    expect(server.pendingHandshakes).toBe(0)
  })

  it('tcpDialer: the connect deadline runs on the given clock', async () => {
    const accepted: Socket[] = []
    const listener = createServer((socket) => accepted.push(socket))
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    const port = (listener.address() as { port: number }).port
    const node = ENode.fromPublicKey(publicKeyFromPrivate(generatePrivateKey()), {
      ip: '127.0.0.1',
      tcp: port,
    })
    const clock = new ManualClock()
    const dialer = tcpDialer({ clock, timeoutMs: 15_000 })
    const signal = new AbortController().signal
    // the connect event comes on a later turn of the event loop: the fake clock decides
    const early = dialer.dial(node, { signal })
    clock.advance(14_999)
    const socket = await early
    socket.destroy()
    const late = dialer.dial(node, { signal })
    clock.advance(15_000)
    await expect(late).rejects.toMatchObject({ code: 'DIAL_FAILED', message: /timed out/ })
    const controller = new AbortController()
    const aborted = dialer.dial(node, { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'DIAL_FAILED', message: /aborted/ })
    expect(clock.pending).toBe(0)
    for (const socket of accepted) socket.destroy()
    await new Promise<void>((resolve) => listener.close(() => resolve()))
  })
})
