import { generatePrivateKey } from '@devp2p/crypto'
import { t } from '@devp2p/rlp'
import { afterEach, describe, expect, it } from 'vitest'
import { DisconnectReason, expectMsg, P2pError, send } from '../src/index.ts'
import {
  fooProtocol,
  holdingProtocol,
  nextEvent,
  peerCount,
  ServerPool,
} from './helpers/servers.ts'

const pool = new ServerPool()
afterEach(() => pool.stopAll())

describe('Server', () => {
  it('connects two servers with addPeer and runs the shared protocol', async () => {
    const a = await pool.start({ protocols: [fooProtocol()] })
    const held = holdingProtocol()
    const b = await pool.start({ protocols: [held.protocol] })
    b.addPeer(a.nodeInfo().enode)
    const { peer: peerB, rw: rwB } = await held.ready
    await send(rwB, 0, 'foo')
    const reply = await expectMsg(rwB, 0, 'bar')
    expect(reply.decode(t.string)).toBe('bar')
    expect(peerB.name).toBe('test-0')
    expect(peerB.inbound).toBe(false)
    await peerCount(a, 1)
    expect(a.peers()[0]!.inbound).toBe(true)
  })

  it('keeps its own copy of a Buffer key: the caller may wipe theirs', async () => {
    const key = Buffer.from(generatePrivateKey()) // Buffer#slice() is a view, not a copy
    const a = await pool.start({ privateKey: key, protocols: [fooProtocol()] })
    const enode = a.nodeInfo().enode
    key.fill(0)
    const held = holdingProtocol()
    const b = await pool.start({ protocols: [held.protocol] })
    b.addPeer(enode) // a's handshake signs and derives with its key
    const { rw } = await held.ready
    await send(rw, 0, 'foo')
    expect((await expectMsg(rw, 0, 'bar')).decode(t.string)).toBe('bar')
  })

  it('emits add and drop, and stop() disconnects with client quitting', async () => {
    const a = await pool.start({ protocols: [fooProtocol()] })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const added = nextEvent(a, (e) => e.type === 'add')
    b.addPeer(a.self())
    expect((await added).peer).toBe(b.self().idHex)
    const dropped = nextEvent(a, (e) => e.type === 'drop')
    await b.stop()
    const drop = await dropped
    expect(drop.reason).toBe(0x08)
    expect(drop.error).toBeInstanceOf(P2pError)
    expect(drop.error).toMatchObject({ code: 'REMOTE_DISCONNECT', message: 'client quitting' })
  })

  it('a drop event carries a typed error: a protocol’s own failure is wrapped, its cause kept', async () => {
    const boom = new Error('boom')
    const failing = { ...fooProtocol(), run: async () => Promise.reject(boom) }
    const a = await pool.start({ protocols: [failing] })
    const b = await pool.start({ protocols: [fooProtocol()] })
    const dropped = nextEvent(a, (e) => e.type === 'drop')
    b.addPeer(a.self())
    const drop = await dropped
    expect(drop.reason).toBe(DisconnectReason.SubprotocolError)
    expect(drop.error).toBeInstanceOf(P2pError)
    expect(drop.error).toMatchObject({
      code: 'LOCAL_DISCONNECT',
      message: 'subprotocol error: boom',
    })
    expect(drop.error.cause).toBe(boom)
  })
})
