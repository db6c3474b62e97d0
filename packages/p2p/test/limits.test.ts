import { createServer, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { initiatorHandshake } from '@devp2p/rlpx'
import { ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { DisconnectReason, MAX_PENDING_PER_IP, type Server } from '../src/index.ts'
import { acceptInbound } from '../src/server.ts'
import {
  closed,
  keccakId,
  portOf,
  rawDial,
  rawJoin,
  readUntilDisconnect,
  tcpConnect,
} from './helpers/raw-peer.ts'
import { fooProtocol, nextEvent, peerCount, ServerPool } from './helpers/servers.ts'

const pool = new ServerPool()
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await pool.stopAll()
})

/** The reason a fresh connection gets right after the encryption handshake. */
async function refusedWith(
  server: Server,
  privateKey = generatePrivateKey(),
): Promise<number | undefined> {
  const peer = await rawDial(server, privateKey)
  const { reason, before } = await readUntilDisconnect(peer.conn)
  expect(before).toEqual([]) // refused before any Hello
  await closed(peer.socket)
  return reason
}

async function settle(until: () => boolean): Promise<void> {
  while (!until()) await new Promise<void>((resolve) => setImmediate(resolve))
}

describe('peer limits', () => {
  it('maxPeers: inbound connections over the limit get "too many peers"', async () => {
    const server = await pool.start({ protocols: [fooProtocol()], maxPeers: 2, noDial: true })
    expect(server.maxInboundPeers).toBe(2)
    await rawJoin(server)
    await rawJoin(server)
    expect(await refusedWith(server)).toBe(DisconnectReason.TooManyPeers)
    expect(server.peerCount).toBe(2)
  })

  it('reservedPeers: once maxPeers − reservedPeers are connected, only a peer a protocol wants may join', async () => {
    const wantedKey = generatePrivateKey()
    const wantedId = Buffer.from(keccakId(publicKeyFromPrivate(wantedKey))).toString('hex')
    const protocol = {
      ...fooProtocol(),
      wantsPeer: (id: Uint8Array) => Buffer.from(id).toString('hex') === wantedId,
    }
    const server = await pool.start({
      ...{ protocols: [protocol], maxPeers: 4, reservedPeers: 2, noDial: true },
    })
    await rawJoin(server)
    await rawJoin(server)
    expect(await refusedWith(server)).toBe(DisconnectReason.TooManyPeers)
    await rawJoin(server, wantedKey)
    expect(server.peerCount).toBe(3)
  })

  it('dialRatio: inbound peers stop at maxPeers − maxPeers/dialRatio, dialed ones may fill the rest', async () => {
    const server = await pool.start({ protocols: [fooProtocol()], maxPeers: 3, dialRatio: 3 })
    expect(server.maxDialedPeers).toBe(1)
    expect(server.maxInboundPeers).toBe(2)
    await rawJoin(server)
    await rawJoin(server)
    expect(await refusedWith(server)).toBe(DisconnectReason.TooManyPeers)
    const other = await pool.start({ protocols: [fooProtocol()] })
    server.addPeer(other.self())
    await peerCount(server, 3)
    expect(server.peers().filter((p) => !p.inbound)).toHaveLength(1)
  })

  it('trusted peers are exempt from the limits, given up front or added later', async () => {
    const trustedKey = generatePrivateKey()
    const lateKey = generatePrivateKey()
    const trusted = ENode.fromPublicKey(publicKeyFromPrivate(trustedKey))
    const server = await pool.start({
      protocols: [fooProtocol()],
      maxPeers: 1,
      noDial: true,
      trustedNodes: [trusted],
    })
    await rawJoin(server)
    await rawJoin(server, trustedKey)
    expect(await refusedWith(server, lateKey)).toBe(DisconnectReason.TooManyPeers)
    server.addTrustedPeer(ENode.fromPublicKey(publicKeyFromPrivate(lateKey)))
    await rawJoin(server, lateKey)
    expect(server.peerCount).toBe(3)
    const flags = server.peersInfo().map((p) => p.network.trusted)
    expect(flags.filter(Boolean)).toHaveLength(2)
  })

  it('the same node twice: "already connected"', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    const key = generatePrivateKey()
    await rawJoin(server, key)
    expect(await refusedWith(server, key)).toBe(DisconnectReason.AlreadyConnected)
    expect(server.peerCount).toBe(1)
  })

  it('two nodes dialing each other at once end with exactly one connection', async () => {
    // crossed dials: both sides keep the connection dialed by the lower node id
    for (let round = 0; round < 8; round++) {
      const a = await pool.start({ protocols: [fooProtocol()] })
      const b = await pool.start({ protocols: [fooProtocol()] })
      a.addPeer(b.self())
      b.addPeer(a.self())
      await Promise.all([peerCount(a, 1), peerCount(b, 1)])
      // let any losing connection finish closing, then both still agree on one peer
      await settle(() => a.pendingHandshakes === 0 && b.pendingHandshakes === 0)
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
      expect([a.peerCount, b.peerCount]).toEqual([1, 1])
      const [pa] = a.peers()
      const [pb] = b.peers()
      expect(pa!.inbound).toBe(!pb!.inbound)
      const lowerDialed = a.self().idHex < b.self().idHex ? !pa!.inbound : !pb!.inbound
      expect(lowerDialed).toBe(true)
      await pool.stopAll()
    }
  })

  it('our own key: "connected to self"', async () => {
    const key = generatePrivateKey()
    const server = await pool.start({ protocols: [fooProtocol()], privateKey: key })
    expect(await refusedWith(server, key)).toBe(DisconnectReason.Self)
  })

  it('maxPendingPeers: a connection beyond the pending handshakes waits for a slot instead of being closed', async () => {
    const server = await pool.start({
      protocols: [fooProtocol()],
      maxPendingPeers: 2,
      handshakeTimeoutMs: 60_000,
    })
    const idle = [await tcpConnect(portOf(server)), await tcpConnect(portOf(server))]
    sockets.push(...idle)
    await settle(() => server.pendingHandshakes === 2)
    const third = await tcpConnect(portOf(server))
    sockets.push(third)
    let closedEarly = false
    third.once('close', () => {
      closedEarly = true
    })
    await settle(() => server.waitingInbound === 1 || closedEarly)
    expect(closedEarly).toBe(false)
    // its auth waits unread until a slot frees, then its handshake completes
    const handshake = initiatorHandshake(third, {
      privateKey: generatePrivateKey(),
      remotePublicKey: server.self().publicKey,
    })
    idle[0]!.destroy()
    const conn = await handshake
    expect(conn.remotePublicKey).toEqual(server.self().publicKey)
    expect(server.waitingInbound).toBe(0)
    await conn.close()
  })

  it('many handshakes in progress raise no MaxListenersExceededWarning', async () => {
    // each RLPx handshake listens to the server's stop signal: 50 of them at once are
    // normal, not a listener leak
    const warnings: string[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name)
    }
    process.on('warning', onWarning)
    try {
      const server = await pool.start({ protocols: [fooProtocol()], handshakeTimeoutMs: 60_000 })
      // MAX_PENDING_PER_IP from each of two addresses
      for (const from of ['127.0.0.1', '127.0.0.2']) {
        for (let i = 0; i < MAX_PENDING_PER_IP; i++) {
          sockets.push(await tcpConnect(portOf(server), '127.0.0.1', from))
        }
      }
      await settle(() => server.pendingHandshakes === 2 * MAX_PENDING_PER_IP)
      // warnings are emitted on a later tick
      await new Promise<void>((resolve) => setImmediate(resolve))
      await new Promise<void>((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('a connection that errors while it waits for a slot does not crash the server', async () => {
    const server = await pool.start({
      protocols: [fooProtocol()],
      maxPendingPeers: 1,
      handshakeTimeoutMs: 60_000,
    })
    sockets.push(await tcpConnect(portOf(server)))
    await settle(() => server.pendingHandshakes === 1)
    // a stand-in for an accepted socket: the listener's would be paused and unread
    const waiting = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1' })
    acceptInbound(server, waiting as unknown as Socket)
    expect(server.waitingInbound).toBe(1)
    expect(() => waiting.emit('error', new Error('read ECONNRESET'))).not.toThrow()
    expect(server.running).toBe(true)
  })

  it('netRestrict: connections from outside the listed networks are closed before any crypto', async () => {
    const server = await pool.start({ protocols: [fooProtocol()], netRestrict: '10.0.0.0/8' })
    const socket = await tcpConnect(portOf(server))
    sockets.push(socket)
    await closed(socket)
    const allowed = await pool.start({ protocols: [fooProtocol()], netRestrict: ['127.0.0.0/8'] })
    await rawJoin(allowed)
    expect(allowed.peerCount).toBe(1)
  })
})

describe('inbound throttle', () => {
  /** A loopback connection the server sees as coming from `ip` (not on the LAN). */
  async function fromAddress(server: Server, ip: string): Promise<Socket> {
    const relay = createServer()
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    const port = (relay.address() as { port: number }).port
    const accepted = new Promise<Socket>((resolve) => relay.once('connection', resolve))
    const client = await tcpConnect(port)
    const inner = await accepted
    relay.close()
    Object.defineProperty(inner, 'remoteAddress', { value: ip })
    acceptInbound(server, inner)
    sockets.push(client, inner)
    return client
  }

  it('a non-LAN IP may connect once per 30 s; the second attempt is closed before any crypto', async () => {
    const clock = new ManualClock()
    const server = await pool.start({ protocols: [fooProtocol()], clock })
    const first = await fromAddress(server, '203.0.113.9')
    // the first one gets a real handshake
    const conn = await initiatorHandshake(first, {
      privateKey: generatePrivateKey(),
      remotePublicKey: server.self().publicKey,
    })
    expect(conn.remotePublicKey).toEqual(server.self().publicKey)
    const second = await fromAddress(server, '203.0.113.9')
    await closed(second)
    const otherIp = await fromAddress(server, '198.51.100.1')
    expect(otherIp.destroyed).toBe(false)
    clock.advance(30_000)
    const third = await fromAddress(server, '203.0.113.9')
    await initiatorHandshake(third, {
      privateKey: generatePrivateKey(),
      remotePublicKey: server.self().publicKey,
    })
    await conn.close()
  })

  it('LAN and loopback addresses are exempt', async () => {
    const server = await pool.start({ protocols: [fooProtocol()] })
    for (let i = 0; i < 3; i++) {
      const peer = await rawJoin(server)
      await peer.conn.close()
      await nextEvent(server, (e) => e.type === 'drop')
    }
    expect(server.peerCount).toBe(0)
  })
})

describe('static nodes', () => {
  it('a static node is redialed after it drops, once the 35 s dial history has passed', async () => {
    const clock = new ManualClock()
    const a = await pool.start({ protocols: [fooProtocol()], clock })
    const b = await pool.start({ protocols: [fooProtocol()] })
    a.addPeer(b.nodeInfo().enode)
    await Promise.all([peerCount(a, 1), peerCount(b, 1)])
    const dropped = nextEvent(a, (e) => e.type === 'drop')
    b.peers()[0]!.disconnect(DisconnectReason.Requested)
    expect((await dropped).reason).toBe(DisconnectReason.Requested)
    expect(a.peers()).toHaveLength(0)
    const readded = nextEvent(a, (e) => e.type === 'add')
    clock.advance(34_000)
    expect(a.peerCount).toBe(0)
    clock.advance(2_000)
    await readded
    expect(a.peers()[0]!.static).toBe(true)
  })

  it('removePeer disconnects and stops redialing', async () => {
    const a = await pool.start({ protocols: [fooProtocol()] })
    const b = await pool.start({ protocols: [fooProtocol()] })
    a.addPeer(b.self())
    await peerCount(a, 1)
    const dropped = nextEvent(b, (e) => e.type === 'drop')
    a.removePeer(b.self())
    expect((await dropped).reason).toBe(DisconnectReason.Requested)
  })
})
