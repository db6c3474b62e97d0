import { generatePrivateKey } from '@devp2p/crypto'
import { NodeDB } from '@devp2p/enode'
import { activeHandles, extraHandles, MemoryNetwork, settleEventLoop } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { Discv4, LookupStats } from '../../src/v4/index.js'
import { createDiscv4, stopDiscv4 } from './helpers/discv4.js'
import { seeded } from './helpers/raw-node.js'

/** Log distance: the index of the highest differing bit of a XOR b, plus one (0 when equal). */
function logDistance(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) ^ (b[i] as number)
    if (x !== 0) return (a.length - i) * 8 - Math.clz32(x) + 24
  }
  return 0
}

const running: Discv4[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => stopDiscv4(d)))
})

const ipOf = (i: number) => `1.${(i >> 8) & 255}.${i & 255}.1`

async function network(count: number, net = new MemoryNetwork()) {
  const boot = await createDiscv4({
    privateKey: generatePrivateKey(),
    transport: net.bind(ipOf(0), 30303),
  })
  running.push(boot)
  await boot.start()
  const nodes: Discv4[] = []
  for (let i = 1; i <= count; i++) {
    const node = await createDiscv4({
      privateKey: generatePrivateKey(),
      transport: net.bind(ipOf(i), 30303),
      bootnodes: [boot.self()],
      random: seeded(i),
    })
    running.push(node)
    nodes.push(node)
  }
  await Promise.all(nodes.map((n) => n.start()))
  await Promise.all(nodes.map((n) => n.refresh()))
  return { net, boot, nodes }
}

describe('Discv4', () => {
  it('bootstraps from one bootnode: every table fills and lookups find existing nodes', async () => {
    const { nodes } = await network(8)
    for (const node of nodes) expect(node.tableSize).toBeGreaterThanOrEqual(6)
    const stats: LookupStats = { queries: 0, failed: 0, hops: 0 }
    const target = nodes[7]!
    const found = await nodes[0]!.lookup(target.self(), { stats })
    expect(found.map((n) => n.idHex)).toContain(target.idHex)
    // closest first: the target itself is at distance 0
    expect(found[0]!.idHex).toBe(target.idHex)
    expect(stats.queries).toBeGreaterThan(0)
    expect(stats.hops).toBeGreaterThanOrEqual(1)
  })

  it('tableBuckets: 17 buckets holding exactly the table nodes, each in the bucket of its distance', async () => {
    const { nodes } = await network(4)
    const a = nodes[0]!
    const buckets = a.tableBuckets()
    expect(buckets).toHaveLength(17)
    const shown = buckets.flat()
    expect(shown.map((b) => b.node.idHex).sort()).toEqual(
      a
        .tableNodes()
        .map((n) => n.idHex)
        .sort(),
    )
    expect(shown.length).toBe(a.tableSize)
    for (const [i, bucket] of buckets.entries()) {
      for (const entry of bucket) {
        // log distance d > 240 is bucket d - 240, all closer ones bucket 0 (geth's layout)
        const d = logDistance(a.id, entry.node.id)
        expect(i).toBe(d <= 240 ? 0 : d - 240)
        expect(entry.addedToBucket).toBeGreaterThanOrEqual(entry.addedToTable)
        expect(entry.checks).toBeGreaterThanOrEqual(0)
        expect(typeof entry.live).toBe('boolean')
      }
    }
  })

  it('requestEnr returns the current record; resolve follows a changed record', async () => {
    const { nodes } = await network(3)
    const [a, b] = nodes as [Discv4, Discv4]
    const record = await a.requestEnr(b.self())
    expect(record.encodeText()).toBe(b.self().toEnrText())
    b.localNode.set('foo', [1])
    const resolved = await a.resolve(b.self())
    expect(resolved?.record?.get('foo')).toBeDefined()
    expect(resolved?.seq).toBe(b.localNode.seq)
  })

  it('keeps its own copy of a Buffer key: the caller may wipe theirs', async () => {
    const net = new MemoryNetwork()
    const key = Buffer.from(generatePrivateKey()) // Buffer#slice() is a view, not a copy
    const a = await createDiscv4({ privateKey: key, transport: net.bind(ipOf(1), 30303) })
    const b = await createDiscv4({
      privateKey: generatePrivateKey(),
      transport: net.bind(ipOf(2), 30303),
    })
    running.push(a, b)
    await Promise.all([a.start(), b.start()])
    key.fill(0)
    // a signs its ENR response with its key: b verifies it against a's identity
    const record = await b.requestEnr(a.self())
    expect(record.encodeText()).toBe(a.self().toEnrText())
  })

  it('randomNodes offers nodes with a TCP port and ends when aborted', async () => {
    const net = new MemoryNetwork()
    const boot = await createDiscv4({
      privateKey: generatePrivateKey(),
      transport: net.bind(ipOf(0), 30303),
    })
    running.push(boot)
    await boot.start()
    const nodes: Discv4[] = []
    for (let i = 1; i <= 4; i++) {
      const d = await createDiscv4({
        privateKey: generatePrivateKey(),
        transport: net.bind(ipOf(i), 30303),
        bootnodes: [boot.self()],
      })
      running.push(d)
      await d.start()
      d.localNode.setEndpoints({ tcp: 30303 })
      nodes.push(d)
    }
    await Promise.all(nodes.map((n) => n.refresh()))
    const controller = new AbortController()
    const seen = new Set<string>()
    for await (const node of nodes[0]!.randomNodes({ signal: controller.signal })) {
      expect(node.tcp).toBe(30303)
      seen.add(node.idHex)
      if (seen.size === 3) controller.abort()
    }
    const others = nodes.slice(1).map((n) => n.idHex)
    expect([...seen].sort()).toEqual(others.sort())
  })

  it('a restarted node with the same database seeds its table without any bootnode', async () => {
    const net = new MemoryNetwork()
    const { nodes } = await network(6, net)
    const db = await NodeDB.open()
    const key = generatePrivateKey()
    const first = await createDiscv4({
      privateKey: key,
      transport: net.bind('2.0.0.1', 30303),
      db,
      bootnodes: [nodes[0]!.self()],
    })
    await first.start()
    await first.refresh()
    const known = first.tableSize
    expect(known).toBeGreaterThanOrEqual(4)
    await first.stop()
    const again = await createDiscv4({ privateKey: key, transport: net.bind('2.0.0.1', 30303), db })
    running.push(again)
    await again.start()
    await again.refresh()
    expect(again.tableSize).toBeGreaterThanOrEqual(Math.min(known, 4))
    await again.stop()
    await db.close()
  })

  it('a start that cannot bind rejects and leaves nothing open', async () => {
    const a = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    running.push(a)
    await a.start()
    const before = activeHandles()
    const clash = await createDiscv4({
      privateKey: generatePrivateKey(),
      listenAddr: `127.0.0.1:${a.address.port}`,
    })
    await expect(clash.start()).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await stopDiscv4(clash)
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('stop() is idempotent and leaves no socket or timer behind (real UDP)', async () => {
    const before = activeHandles()
    const a = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    await a.start()
    const b = await createDiscv4({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
      bootnodes: [a.self()],
    })
    await b.start()
    await b.refresh()
    expect(b.tableSize).toBe(1)
    await expect(b.ping(a.self())).resolves.toMatchObject({
      to: { ip: '127.0.0.1', udp: b.address.port },
    })
    const stopping = a.stop()
    expect(a.stop()).toBe(stopping)
    await stopping
    await stopDiscv4(b)
    await expect(a.start()).rejects.toThrow(/stopped/)
    await stopDiscv4(a) // idempotent; closes the node database the test opened
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
    expect(extraHandles(before)).toEqual({})
  })
})
