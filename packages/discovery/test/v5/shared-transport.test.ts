import { generatePrivateKey } from '@devp2p/crypto'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { MemoryNetwork, seededRandom, unhex } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { Discv4 } from '../../src/v4/index.js'
import { Discv5, encodeRandomPacket, SharedUdpTransport } from '../../src/v5/index.js'
import { isV4Packet } from '../../src/v5/shared-transport.js'
import { createDiscv4, stopDiscv4 } from '../v4/helpers/discv4.js'
import v4vectors from '../vectors/discv4-packets.json' with { type: 'json' }
import { createDiscv5, stopDiscv5 } from './helpers/discv5.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** One node running v4 and v5 on one socket, with one key, record and database. */
async function dualNode(shared: SharedUdpTransport) {
  const privateKey = generatePrivateKey()
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db, tcp: 30303 })
  const v4 = new Discv4({
    privateKey,
    localNode,
    db,
    transport: shared.v4,
    random: seededRandom(1),
  })
  const v5 = new Discv5({
    privateKey,
    localNode,
    db,
    transport: shared.v5,
    random: seededRandom(2),
  })
  cleanup.push(async () => {
    await v4.stop()
    await v5.stop()
    await db.close()
  })
  await v4.start()
  await v5.start()
  return { v4, v5, localNode }
}

describe('isV4Packet', () => {
  it('tells a v4 packet (its hash) from a v5 one and from noise', () => {
    for (const p of v4vectors.packets) expect(isV4Packet(unhex(p.hex))).toBe(true)
    const v5 = encodeRandomPacket({
      destId: new Uint8Array(32).fill(1),
      srcId: new Uint8Array(32).fill(2),
      nonce: new Uint8Array(12),
    })
    expect(isV4Packet(v5)).toBe(false)
    const flipped = unhex(v4vectors.packets[0]!.hex)
    flipped[40]! ^= 1
    expect(isV4Packet(flipped)).toBe(false)
    expect(isV4Packet(new Uint8Array(97))).toBe(false)
  })
})

describe('v4 and v5 on one socket', () => {
  it('each protocol reaches its service; the socket closes when both services stop', async () => {
    const net = new MemoryNetwork()
    const shared = new SharedUdpTransport(net.bind('1.0.0.1', 30303))
    const dual = await dualNode(shared)
    expect(dual.v4.address).toEqual(dual.v5.address)
    expect(dual.localNode.node.udp).toBe(30303)

    const v4peer = await createDiscv4({
      privateKey: generatePrivateKey(),
      transport: net.bind('2.0.0.1', 30303),
    })
    cleanup.push(() => stopDiscv4(v4peer))
    await v4peer.start()
    const v5peer = await createDiscv5({
      privateKey: generatePrivateKey(),
      transport: net.bind('3.0.0.1', 30303),
    })
    cleanup.push(() => stopDiscv5(v5peer))
    await v5peer.start()

    const v4pong = await v4peer.ping(dual.v4.self())
    expect(v4pong.enrSeq).toBe(dual.localNode.seq)
    const v5pong = await v5peer.ping(dual.v5.self())
    expect(v5pong.enrSeq).toBe(dual.localNode.seq)
    expect(dual.v4.stats.invalid + dual.v5.stats.invalid).toBe(0)
    // and the other way: the dual node asks both peers
    expect((await dual.v5.findNode(v5peer.self(), [0]))[0]?.idHex).toBe(v5peer.idHex)
    expect((await dual.v4.requestEnr(v4peer.self())).seq).toBe(v4peer.localNode.seq)

    const bound = net.size
    await dual.v4.stop()
    expect(net.size).toBe(bound)
    await dual.v5.stop()
    expect(net.size).toBe(bound - 1)
  })

  it('over real loopback UDP', async () => {
    const shared = await SharedUdpTransport.bind('127.0.0.1:0')
    cleanup.push(() => shared.close())
    const dual = await dualNode(shared)
    const v5peer = await createDiscv5({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
    })
    cleanup.push(() => stopDiscv5(v5peer))
    await v5peer.start()
    const v4peer = await createDiscv4({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
    })
    cleanup.push(() => stopDiscv4(v4peer))
    await v4peer.start()
    expect((await v5peer.ping(dual.v5.self().toEnrText())).port).toBe(v5peer.address.port)
    expect((await v4peer.ping(dual.v4.self())).enrSeq).toBe(dual.localNode.seq)
  })
})
