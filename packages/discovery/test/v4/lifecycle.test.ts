/**
 * Ownership and lifecycle of the service: it takes the caller's record and node
 * database, never starts itself (randomNodes waits for start()), and refuses requests
 * before start and after stop with a DiscoveryError code.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { ManualClock, MemoryNetwork } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type DatagramTransport, DiscoveryError, Discv4 } from '../../src/v4/index.js'
import { createDiscv4, stopDiscv4 } from './helpers/discv4.js'

const running: Discv4[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => stopDiscv4(d)))
})

async function make(net: MemoryNetwork, ip: string, bootnodes: Discv4[] = []): Promise<Discv4> {
  const disc = await createDiscv4({
    privateKey: generatePrivateKey(),
    transport: net.bind(ip, 30303),
    bootnodes: bootnodes.map((b) => b.self()),
  })
  running.push(disc)
  return disc
}

/** A running network of `count` nodes with TCP ports around one bootnode. */
async function network(net: MemoryNetwork, count: number): Promise<Discv4> {
  const boot = await make(net, '1.0.0.1')
  await boot.start()
  const nodes: Discv4[] = []
  for (let i = 0; i < count; i++) {
    const node = await make(net, `1.0.${i + 1}.1`, [boot])
    await node.start()
    node.localNode.setEndpoints({ tcp: 30303 })
    nodes.push(node)
  }
  await Promise.all(nodes.map((n) => n.refresh()))
  return boot
}

describe('ownership', () => {
  it('requires the caller’s record and node database, of the same key', async () => {
    const privateKey = generatePrivateKey()
    const db = await NodeDB.open({ expireIntervalMs: 0 })
    const localNode = await LocalNode.create({ privateKey, db })
    const other = await LocalNode.create({ privateKey: generatePrivateKey(), db })
    const options = { privateKey, listenAddr: '127.0.0.1:0' }
    expect(() => new Discv4({ ...options, db } as never)).toThrow(/localNode is required/)
    expect(() => new Discv4({ ...options, localNode } as never)).toThrow(/db is required/)
    expect(() => new Discv4({ ...options, localNode: other, db })).toThrow(/another key/)
    await db.close()
  })

  it('writes its UDP port into the caller’s record and leaves the database open', async () => {
    const net = new MemoryNetwork()
    const privateKey = generatePrivateKey()
    const db = await NodeDB.open({ expireIntervalMs: 0 })
    const localNode = await LocalNode.create({ privateKey, db, tcp: 30304 })
    const disc = new Discv4({ privateKey, localNode, db, transport: net.bind('1.0.0.9', 30399) })
    await disc.start()
    expect(localNode.node.udp).toBe(30399)
    expect(localNode.node.tcp).toBe(30304)
    expect(disc.self().idHex).toBe(localNode.node.idHex)
    await disc.stop()
    // the database is still the caller's: it answers after discovery stopped
    await expect(db.localSeq(localNode.id)).resolves.toBe(localNode.seq)
    await db.close()
  })
})

describe('nothing starts itself', () => {
  it('randomNodes on a service that was not started waits for start() and never starts it', async () => {
    const net = new MemoryNetwork()
    const boot = await network(net, 3)
    const disc = await make(net, '2.0.0.1', [boot])
    const controller = new AbortController()
    const stream = disc.randomNodes({ signal: controller.signal })[Symbol.asyncIterator]()
    const first = stream.next()
    let settled = false
    void first.then(() => {
      settled = true
    })
    await net.idle()
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
    expect(settled).toBe(false)
    expect(disc.stats.packetsOut).toBe(0) // not started: nothing sent
    await expect(disc.ping(boot.self())).rejects.toMatchObject({ code: 'NOT_STARTED' })

    await disc.start()
    const { value, done } = await first
    expect(done).toBe(false)
    expect(value?.tcp).toBe(30303)
    controller.abort()
    expect((await stream.next()).done).toBe(true)
  })

  it('randomNodes of a service stopped before it started ends, and start() then refuses', async () => {
    const net = new MemoryNetwork()
    const disc = await make(net, '2.0.0.2')
    const stream = disc.randomNodes()[Symbol.asyncIterator]()
    const first = stream.next()
    await disc.stop()
    expect(await first).toEqual({ value: undefined, done: true })
    const err = await disc.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiscoveryError)
    expect(err).toMatchObject({ code: 'CLOSED' })
  })

  it('randomNodes ends when its signal aborts before the service starts', async () => {
    const net = new MemoryNetwork()
    const disc = await make(net, '2.0.0.3')
    const controller = new AbortController()
    const stream = disc.randomNodes({ signal: controller.signal })[Symbol.asyncIterator]()
    const first = stream.next()
    controller.abort()
    expect((await first).done).toBe(true)
    expect(disc.stats.packetsOut).toBe(0)
  })
})

describe('requests outside start … stop', () => {
  it('reject with NOT_STARTED before start and CLOSED after stop; stop is idempotent', async () => {
    const net = new MemoryNetwork()
    const boot = await network(net, 1)
    const disc = await make(net, '2.0.0.4', [boot])
    for (const call of [
      () => disc.ping(boot.self()),
      () => disc.requestEnr(boot.self()),
      () => disc.lookup(),
      () => disc.resolve(boot.self()),
      () => disc.refresh(),
    ]) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(DiscoveryError)
      expect(err).toMatchObject({ code: 'NOT_STARTED' })
    }
    expect(disc.tableNodes()).toEqual([])
    // also with a transport handed in: the address is known once start() took it
    expect(() => disc.address).toThrow(expect.objectContaining({ code: 'NOT_STARTED' }))
    await disc.start()
    expect(disc.address).toEqual({ ip: '2.0.0.4', port: 30303 })
    await expect(disc.ping(boot.self())).resolves.toMatchObject({ to: { ip: '2.0.0.4' } })
    const stopping = disc.stop()
    expect(disc.stop()).toBe(stopping)
    await stopping
    await expect(disc.ping(boot.self())).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(disc.refresh()).rejects.toMatchObject({ code: 'CLOSED' })
    // a lookup of a stopped service ends with what it has: nothing
    await expect(disc.lookup()).resolves.toEqual([])
  })

  it('a request in flight when the service stops ends with CLOSED', async () => {
    const net = new MemoryNetwork()
    const disc = await make(net, '2.0.0.5')
    await disc.start()
    const silent = await make(net, '2.0.0.6') // bound, never started: it answers nothing
    const pending = disc.ping(silent.self()).catch((e: unknown) => e)
    await disc.stop()
    const err = await pending
    expect(err).toBeInstanceOf(DiscoveryError)
    expect(err).toMatchObject({ code: 'CLOSED' })
  })
})

/** A transport handed in that counts its close() calls. */
function countingTransport(inner: DatagramTransport, address = () => inner.address) {
  const counted = {
    closes: 0,
    get address() {
      return address()
    },
    send: (bytes: Uint8Array, to: { ip: string; port: number }) => inner.send(bytes, to),
    onMessage: (handler: Parameters<DatagramTransport['onMessage']>[0]) => inner.onMessage(handler),
    close: async () => {
      counted.closes++
      await inner.close()
    },
  }
  return counted
}

describe('a failed start', () => {
  it('after the parts are composed, leaves the service stopped with the transport closed once', async () => {
    const net = new MemoryNetwork()
    const boot = await make(net, '3.0.0.1')
    await boot.start()
    const clock = new ManualClock()
    const transport = countingTransport(net.bind('3.0.0.2', 30303))
    const disc = await createDiscv4({
      privateKey: generatePrivateKey(),
      transport,
      clock,
      bootnodes: [boot.self()],
    })
    running.push(disc)
    const dbTimers = clock.pending // the node database's expiry timer (the caller's)
    const failure = new Error('listener failed')
    disc.on('node:added', () => {
      throw failure // while seeding, after the parts are composed and running
    })
    await expect(disc.start()).rejects.toBe(failure)
    expect(transport.closes).toBe(1)
    expect(clock.pending).toBe(dbTimers)
    await expect(disc.ping(boot.self())).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(disc.start()).rejects.toMatchObject({ code: 'CLOSED' })
    await disc.stop()
    expect(transport.closes).toBe(1)
  })

  it('before the parts are composed, closes the transport handed in once', async () => {
    const net = new MemoryNetwork()
    const inner = net.bind('3.0.0.3', 30303)
    const transport = countingTransport(inner, () => {
      throw new Error('no address')
    })
    const disc = await createDiscv4({ privateKey: generatePrivateKey(), transport })
    running.push(disc)
    await expect(disc.start()).rejects.toThrow('no address')
    await disc.stop()
    expect(transport.closes).toBe(1)
    await expect(disc.refresh()).rejects.toMatchObject({ code: 'CLOSED' })
  })
})
