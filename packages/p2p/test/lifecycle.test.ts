import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from '@devp2p/crypto'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { activeHandles, extraHandles, ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DisconnectReason, P2pError, Server } from '../src/index.ts'
import {
  closed,
  portOf,
  rawDial,
  rawJoin,
  readUntilDisconnect,
  tcpConnect,
} from './helpers/raw-peer.ts'
import { fooProtocol, nextEvent, peerCount, ServerPool } from './helpers/servers.ts'

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r))
}

const pool = new ServerPool()
afterEach(() => pool.stopAll())

describe('start and stop', () => {
  it('stop() sends "client quitting" to every peer, is idempotent and leaves no handle open', async () => {
    await settle()
    const before = activeHandles()
    const dir = await mkdtemp(join(tmpdir(), 'p2p-lifecycle-'))
    const privateKey = generatePrivateKey()
    const db = await NodeDB.open({ path: join(dir, 'nodes') })
    const localNode = await LocalNode.create({ privateKey, db })
    const a = new Server({
      privateKey,
      localNode,
      listenAddr: '127.0.0.1:0',
      protocols: [fooProtocol()],
    })
    await a.start()
    const b = await pool.start({ protocols: [fooProtocol()] })
    const c = await pool.start({ protocols: [fooProtocol()] })
    b.addPeer(a.self())
    c.addPeer(a.self())
    const raw = await rawJoin(a)
    const idle = await tcpConnect(portOf(a)) // a handshake in progress
    const pendingRaw = await rawDial(a) // past the encryption handshake, no Hello yet
    await peerCount(a, 3)
    const dropB = nextEvent(b, (e) => e.type === 'drop')
    const dropC = nextEvent(c, (e) => e.type === 'drop')
    const stopping = a.stop()
    expect(a.stop()).toBe(stopping)
    const rawSaw = readUntilDisconnect(raw.conn)
    await stopping
    expect((await dropB).reason).toBe(DisconnectReason.Quitting)
    expect((await dropC).reason).toBe(DisconnectReason.Quitting)
    expect((await rawSaw).reason).toBe(DisconnectReason.Quitting)
    await closed(idle)
    // the half-set-up connection is closed without ceremony after the server's Hello
    const pendingSaw = await readUntilDisconnect(pendingRaw.conn)
    expect(pendingSaw.before.map((m) => m.code)).toEqual([0x00])
    await closed(pendingRaw.socket)
    expect(a.peerCount).toBe(0)
    await pool.stopAll()
    await raw.conn.close()
    // the database is the caller's: still open after stop(), closed by its owner
    expect(await db.localSeq(localNode.id)).toBe(localNode.seq)
    await db.close()
    await settle()
    expect(extraHandles(before)).toEqual({})
    await expect(a.start()).rejects.toBeInstanceOf(P2pError)
    await rm(dir, { recursive: true, force: true })
  })

  it("the record the server updates is stored in the caller's database before stop() resolves", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2p-db-'))
    const privateKey = generatePrivateKey()
    const path = join(dir, 'nodes')
    // a clock at 0: a seq above the first run's can only come from the database
    const run = async (): Promise<bigint> => {
      const db = await NodeDB.open({ path })
      const localNode = await LocalNode.create({ privateKey, db, clock: new ManualClock(0) })
      const server = new Server({
        privateKey,
        localNode,
        listenAddr: '127.0.0.1:0',
        protocols: [{ ...fooProtocol(), attributes: { foo: [1] } }],
      })
      await server.start()
      expect(server.record.get('foo')).toBeDefined()
      expect(server.self().tcp).toBe(portOf(server))
      const seq = server.record.seq
      await server.stop()
      await db.close()
      return seq
    }
    const seq1 = await run()
    const seq2 = await run()
    expect(seq2 > seq1).toBe(true)
    await rm(dir, { recursive: true, force: true })
  })

  it('a given localNode is shared: the server sets its TCP endpoint and attributes, and never closes it', async () => {
    const privateKey = generatePrivateKey()
    const localNode = await LocalNode.create({ privateKey, udp: 30301 })
    const server = new Server({
      privateKey,
      localNode,
      listenAddr: '127.0.0.1:0',
      protocols: [{ ...fooProtocol(), attributes: { foo: [7] } }],
    })
    expect(server.localNode).toBe(localNode) // available before start(): it is the caller's
    await server.start()
    expect(localNode.node.tcp).toBe(portOf(server))
    expect(localNode.node.udp).toBe(30301) // what discovery set stays
    expect(localNode.record.get('foo')).toBeDefined()
    expect(server.nodeInfo().ports).toEqual({ discovery: 30301, listener: portOf(server) })
    await server.stop()
    localNode.set('bar', [1]) // still usable by its owner
    expect(localNode.record.get('bar')).toBeDefined()
  })

  it('an IP the owner put in the given record is kept; the server sets only the port', async () => {
    const privateKey = generatePrivateKey()
    const localNode = await LocalNode.create({ privateKey, ip: '10.0.0.7' })
    const server = new Server({
      privateKey,
      localNode,
      listenAddr: '127.0.0.1:0',
      protocols: [fooProtocol()],
    })
    await server.start()
    expect(localNode.node.ip).toBe('10.0.0.7')
    expect(localNode.node.tcp).toBe(Number(server.listenAddr.split(':')[1]))
    await server.stop()
  })

  it('without localNode the server makes a private one at start()', async () => {
    const server = new Server({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
      protocols: [fooProtocol()],
    })
    expect(() => server.localNode).toThrow(P2pError)
    await server.start()
    expect(server.localNode.node.tcp).toBe(portOf(server))
    await server.stop()
  })

  it('rejects bad configuration with clear errors', () => {
    const privateKey = generatePrivateKey()
    const protocols = [fooProtocol()]
    expect(() => new Server({ privateKey: new Uint8Array(32), protocols })).toThrow(/privateKey/)
    expect(() => new Server({ privateKey, protocols, maxPeers: -1 })).toThrow(/maxPeers/)
    expect(() => new Server({ privateKey, protocols, dialRatio: 0 })).toThrow(/dialRatio/)
    expect(() => new Server({ privateKey, protocols, listenAddr: 'localhost' })).toThrow(
      /listen address/,
    )
    expect(() => new Server({ privateKey, protocols: [...protocols, fooProtocol()] })).toThrow(
      /twice/,
    )
    expect(() => new Server({ privateKey, protocols: [{ ...fooProtocol(), length: 0 }] })).toThrow(
      /length/,
    )
    expect(() => new Server({ privateKey, protocols, netRestrict: '10.0.0.0/33' })).toThrow(
      TypeError,
    )
    expect(() => new Server({ privateKey, protocols, staticNodes: ['enode://nope'] })).toThrow()
  })

  it('a localNode made with another key is a TypeError', async () => {
    const localNode = await LocalNode.create({ privateKey: generatePrivateKey() })
    expect(
      () => new Server({ privateKey: generatePrivateKey(), localNode, protocols: [fooProtocol()] }),
    ).toThrow(/another key/)
  })

  it('addPeer before start() is an error; a listen error rejects start() and cleans up', async () => {
    const a = await pool.start({ protocols: [fooProtocol()] })
    const late = new Server({ privateKey: generatePrivateKey(), protocols: [fooProtocol()] })
    expect(() => late.addPeer(a.self())).toThrow(P2pError)
    const clash = new Server({
      privateKey: generatePrivateKey(),
      protocols: [fooProtocol()],
      listenAddr: a.listenAddr,
    })
    await expect(clash.start()).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await clash.stop()
  })
})
