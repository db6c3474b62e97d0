import { generatePrivateKey } from '@devp2p/crypto'
import { ENode, logDistance } from '@devp2p/enode'
import {
  activeHandles,
  extraHandles,
  ManualClock,
  MemoryNetwork,
  seededRandom,
  settleEventLoop,
} from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DiscoveryError, type Discv5 } from '../../src/v5/index.js'
import { createDiscv5, stopDiscv5 } from './helpers/discv5.js'

const running: Discv5[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => stopDiscv5(d)))
})

const ipOf = (i: number) => `1.${(i >> 8) & 255}.${i & 255}.1`

async function node(net: MemoryNetwork, i: number, bootnodes: ENode[] = []): Promise<Discv5> {
  const disc = await createDiscv5({
    privateKey: generatePrivateKey(),
    transport: net.bind(ipOf(i), 30303),
    bootnodes,
    random: seededRandom(i + 1),
  })
  running.push(disc)
  return disc
}

async function pair() {
  const net = new MemoryNetwork()
  const a = await node(net, 1)
  const b = await node(net, 2)
  await Promise.all([a.start(), b.start()])
  return { net, a, b }
}

/** A bootnode and `count` nodes that know only it, each refreshed once. */
async function network(count: number) {
  const net = new MemoryNetwork()
  const boot = await node(net, 0)
  await boot.start()
  const nodes: Discv5[] = []
  for (let i = 1; i <= count; i++) nodes.push(await node(net, i, [boot.self()]))
  await Promise.all(nodes.map((n) => n.start()))
  await Promise.all(nodes.map((n) => n.refresh()))
  return { net, boot, nodes }
}

describe('Discv5 between two of our nodes', () => {
  it('PING makes a handshake; the answer carries the seq and our endpoint as seen', async () => {
    const { a, b } = await pair()
    const pong = await a.ping(b.self())
    expect(pong.enrSeq).toBe(b.localNode.seq)
    expect(pong.ip).toBe(ipOf(1))
    expect(pong.port).toBe(30303)
    expect(a.stats.handshakes).toBe(1) // a answered b's WHOAREYOU
    expect(b.stats.handshakes).toBe(1) // b accepted it
    expect(b.stats.whoareyouSent).toBe(1)
  })

  it('the session works both ways: the other side pings back without a new handshake', async () => {
    const { a, b } = await pair()
    await a.ping(b.self())
    const pong = await b.ping(a.self())
    expect(pong.enrSeq).toBe(a.localNode.seq)
    expect(pong.ip).toBe(ipOf(2))
    expect(a.stats.handshakes + b.stats.handshakes).toBe(2)
    expect(a.stats.whoareyouSent + b.stats.whoareyouSent).toBe(1)
    expect(a.sessionCount).toBe(1)
    expect(b.sessionCount).toBe(1)
  })

  it('a handshake started from either side works (the other starts without a session)', async () => {
    const { a, b } = await pair()
    await b.ping(a.self())
    await a.ping(b.self())
    expect(a.stats.whoareyouSent).toBe(1)
    expect(b.stats.whoareyouSent).toBe(0)
  })

  it('crossed handshakes (both ping first, at once) both succeed, without timeouts', async () => {
    const { a, b } = await pair()
    const [ab, ba] = await Promise.all([a.ping(b.self()), b.ping(a.self())])
    expect(ab.enrSeq).toBe(b.localNode.seq)
    expect(ba.enrSeq).toBe(a.localNode.seq)
    // each writes with the keys it accepted last; the other still reads them
    await Promise.all([a.ping(b.self()), b.ping(a.self())])
    expect(a.stats.timeouts + b.stats.timeouts).toBe(0)
  })

  it('a node that lost its sessions (restarted) is challenged and the session made again', async () => {
    const net = new MemoryNetwork()
    const a = await node(net, 1)
    const bKey = generatePrivateKey()
    const start = async () => {
      const b = await createDiscv5({ privateKey: bKey, transport: net.bind(ipOf(2), 30303) })
      running.push(b)
      await b.start()
      return b
    }
    await a.start()
    const b1 = await start()
    await a.ping(b1.self())
    await stopDiscv5(b1)
    const b2 = await start()
    const pong = await a.ping(b2.self()) // sealed in the old session: b2 answers with a WHOAREYOU
    expect(pong.enrSeq).toBe(b2.localNode.seq)
    expect(b2.stats.whoareyouSent).toBe(1)
    expect(a.stats.handshakes).toBe(2)
    expect(a.stats.timeouts).toBe(0)
  })

  it('requests waiting for the handshake all go out once it is made', async () => {
    const { a, b } = await pair()
    const pongs = await Promise.all([a.ping(b.self()), a.ping(b.self()), a.ping(b.self())])
    expect(pongs.map((p) => p.enrSeq)).toEqual([b.localNode.seq, b.localNode.seq, b.localNode.seq])
    expect(b.stats.handshakes).toBe(1)
  })

  it('FINDNODE distance 0 is the node’s own record; requestEnr reads the newest one', async () => {
    const { a, b } = await pair()
    const [own] = await a.findNode(b.self(), [0])
    expect(own?.idHex).toBe(b.idHex)
    b.localNode.set('foo', Uint8Array.of(1, 2, 3))
    const pong = await a.ping(b.self())
    expect(pong.enrSeq).toBe(b.localNode.seq)
    const record = await a.requestEnr(b.self())
    expect(record.seq).toBe(b.localNode.seq)
    expect(record.get('foo')).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('TALKREQ reaches the registered protocol; an unknown one gets an empty TALKRESP', async () => {
    const { a, b } = await pair()
    const seen: string[] = []
    b.registerTalkProtocol('echo', (request, from) => {
      seen.push(`${from.ip}:${from.port}`)
      return Uint8Array.from([...request].reverse())
    })
    b.registerTalkProtocol('fails', () => {
      throw new Error('handler bug')
    })
    expect(await a.talkRequest(b.self(), 'echo', Uint8Array.of(1, 2, 3))).toEqual(
      Uint8Array.of(3, 2, 1),
    )
    expect(seen).toEqual([`${ipOf(1)}:30303`])
    expect(await a.talkRequest(b.self(), 'nobody', Uint8Array.of(9))).toEqual(new Uint8Array(0))
    expect(await a.talkRequest(b.self(), 'fails', Uint8Array.of(9))).toEqual(new Uint8Array(0))
    await expect(a.talkRequest(b.self(), 'echo', new Uint8Array(2000))).rejects.toThrow(RangeError)
  })

  it('a request to a node that never answers times out', async () => {
    const { net, a } = await pair()
    const silent = net.bind('1.0.9.1', 30303) // bound, never answers
    const ghost = ENode.fromPublicKey(ENode.fromRecord(a.localNode.record).publicKey, {
      ip: silent.address.ip,
      udp: silent.address.port,
    })
    const err = await a.ping(ghost).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiscoveryError)
    expect((err as DiscoveryError).code).toBe('TIMEOUT')
    expect(a.stats.timeouts).toBe(1)
  })
})

describe('Discv5 on a network of our nodes', () => {
  it('revalidation: a PONG with a newer seq makes the table fetch the record (FINDNODE 0)', async () => {
    const net = new MemoryNetwork()
    const clock = new ManualClock()
    const mk = async (i: number, bootnodes: ENode[] = []) => {
      const disc = await createDiscv5({
        privateKey: generatePrivateKey(),
        transport: net.bind(ipOf(i), 30303),
        bootnodes,
        clock,
        random: seededRandom(i + 1),
      })
      running.push(disc)
      await disc.start()
      return disc
    }
    const b = await mk(2)
    const a = await mk(1, [b.self()])
    await a.refresh()
    expect(a.tableNodes().map((n) => n.seq)).toEqual([b.localNode.seq])
    b.localNode.set('foo', Uint8Array.of(1))
    const updated = b.localNode.seq
    // small steps (the network answers between them, well within the 700 ms timeout)
    // until the revalidation timer (0–10 s) has fired and its record fetch is done
    for (let i = 0; i < 200 && a.tableNodes()[0]?.seq !== updated; i++) {
      clock.advance(100)
      for (let j = 0; j < 3; j++) {
        await net.idle()
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    }
    expect(a.tableNodes()[0]?.seq).toBe(updated)
    expect(a.tableNodes()[0]?.record?.get('foo')).toEqual(Uint8Array.of(1))
  })

  it('FINDNODE answers only records at the requested distances, at most 16', async () => {
    const { boot, nodes } = await network(12)
    const distances = [...new Set(nodes.map((n) => logDistance(boot.id, n.id)))]
    const asked = distances.slice(0, 2)
    const found = await nodes[0]!.findNode(boot.self(), asked)
    expect(found.length).toBeGreaterThan(0)
    expect(found.length).toBeLessThanOrEqual(16)
    for (const n of found) expect(asked).toContain(logDistance(boot.id, n.id))
    const expected = boot
      .tableNodes()
      .filter((n) => asked.includes(logDistance(boot.id, n.id)) && n.idHex !== nodes[0]!.idHex)
    // every node of the table at those distances but the asker, up to 16
    expect(found.length).toBe(Math.min(16, expected.length))
    for (const n of found) expect(expected.map((e) => e.idHex)).toContain(n.idHex)
  })

  it('lookups converge on a 20-node network: every node finds the others by id', async () => {
    const { nodes } = await network(20)
    for (const n of nodes) expect(n.tableSize).toBeGreaterThanOrEqual(5)
    for (const [i, from] of nodes.entries()) {
      const target = nodes[(i + 7) % nodes.length]!
      const found = await from.lookup(target.self())
      expect(found[0]?.idHex).toBe(target.idHex)
    }
  })

  it('randomNodes streams dial candidates from random lookups', async () => {
    const { nodes } = await network(6)
    const seen = new Set<string>()
    const controller = new AbortController()
    for await (const n of nodes[0]!.randomNodes({ signal: controller.signal })) {
      seen.add(n.idHex)
      if (seen.size >= 3) controller.abort()
    }
    expect(seen.size).toBeGreaterThanOrEqual(3)
    expect(seen.has(nodes[0]!.idHex)).toBe(false)
  })
})

describe('Discv5 lifecycle', () => {
  it('stop ends requests waiting for a handshake without sending anything more', async () => {
    const net = new MemoryNetwork()
    const a = await node(net, 1)
    await a.start()
    const silent = net.bind('1.0.9.1', 30303) // bound, never answers
    const ghost = ENode.fromPublicKey(ENode.fromRecord(a.localNode.record).publicKey, {
      ip: silent.address.ip,
      udp: silent.address.port,
    })
    const pings = [a.ping(ghost), a.ping(ghost), a.ping(ghost)].map((p) =>
      p.catch((e: DiscoveryError) => e.code),
    )
    await net.idle()
    const sent = net.sent
    expect(sent).toBe(1) // one random packet starts the handshake; the others wait for it
    await a.stop()
    expect(await Promise.all(pings)).toEqual(['CLOSED', 'CLOSED', 'CLOSED'])
    expect(net.sent).toBe(sent)
  })

  it('NOT_STARTED before start, CLOSED after stop; stop is idempotent; no handle left', async () => {
    const before = activeHandles()
    const db = await import('@devp2p/enode').then((m) => m.NodeDB.open())
    const a = await createDiscv5({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
      db,
    })
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: DiscoveryError) => e.code,
      )
    expect(await code(a.ping(a.self()))).toBe('NOT_STARTED')
    await a.start()
    await Promise.all([a.stop(), a.stop()])
    await a.stop()
    expect(await code(a.ping(a.self()))).toBe('CLOSED')
    expect(await code(a.start())).toBe('CLOSED')
    expect(await a.lookup()).toEqual([])
    await db.close()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('two services over real loopback UDP: handshake, PING, FINDNODE, TALKREQ', async () => {
    const a = await createDiscv5({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    const b = await createDiscv5({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    running.push(a, b)
    await Promise.all([a.start(), b.start()])
    expect(a.self().ip).toBe('127.0.0.1')
    b.registerTalkProtocol('echo', (request) => request)
    const pong = await a.ping(b.self().toEnrText())
    expect(pong.port).toBe(a.address.port)
    const [own] = await a.findNode(b.self(), [0])
    expect(own?.udp).toBe(b.address.port)
    expect(await a.talkRequest(b.self(), 'echo', Uint8Array.of(7))).toEqual(Uint8Array.of(7))
  })
})
