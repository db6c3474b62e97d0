/**
 * A Peer over an in-memory Transport (no TCP, no RLPx), on a ManualClock: the base
 * protocol (ping, pong, disconnect), routing by capability offset, how a run ends and
 * what it sends, msgsend/msgrecv, and what a Disconnect that failed to decompress means.
 */
import { silentLogger } from '@devp2p/common'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode } from '@devp2p/enode'
import { decode, encode, t } from '@devp2p/rlp'
import { type RlpxConnection, RlpxError } from '@devp2p/rlpx'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { matchProtocols } from '../src/caps.ts'
import {
  DISCONNECT_WRITE_TIMEOUT_MS,
  PING_FLOOD_MAX,
  PING_INTERVAL_MS,
  PING_RATE_MAX,
} from '../src/constants.ts'
import { DisconnectReason, P2pError } from '../src/errors.ts'
import { type MsgReadWriter, send } from '../src/msg.ts'
import { createPeer, type Peer, type PeerProtocol, runPeer } from '../src/peer.ts'
import type { PeerMsgEvent } from '../src/peer-event.ts'
import type { Transport } from '../src/transport.ts'
import { type MemoryTransport, transportPair } from './helpers/memory-transport.ts'

const PING = 0x02
const PONG = 0x03
const DISCONNECT = 0x01
const EMPTY = Uint8Array.of(0xc0)

/** A protocol that hands its rw to the test and runs until the peer drops. */
function held(name: string, length: number, version = 1) {
  const rws: MsgReadWriter[] = []
  const protocol: PeerProtocol = {
    name,
    version,
    length,
    async run(peer, rw) {
      rws.push(rw)
      await new Promise<void>((done) => peer.signal.addEventListener('abort', () => done()))
    },
  }
  return { protocol, rws }
}

function makePeer(
  protocols: PeerProtocol[],
  options: {
    clock?: ManualClock
    highWaterMark?: number
    onMsgEvent?: (e: PeerMsgEvent) => void
  } = {},
): { peer: Peer; ours: MemoryTransport; theirs: MemoryTransport; clock: ManualClock } {
  const [ours, theirs] = transportPair({ highWaterMark: options.highWaterMark })
  const clock = options.clock ?? new ManualClock()
  const key = publicKeyFromPrivate(generatePrivateKey())
  const caps = protocols.map((p) => ({ name: p.name, version: p.version }))
  const peer = createPeer({
    conn: ours,
    node: ENode.fromPublicKey(key, { ip: '127.0.0.1', tcp: 30303 }),
    name: 'memory',
    caps,
    matched: matchProtocols(protocols, caps),
    inbound: false,
    trusted: false,
    static: false,
    localAddress: '127.0.0.1:1',
    remoteAddress: '127.0.0.1:30303',
    clock,
    logger: silentLogger,
    onMsgEvent: options.onMsgEvent,
  })
  return { peer, ours, theirs, clock }
}

/** Lets queued microtasks run (no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

const reasonOf = (payload: Uint8Array) => decode(payload)

describe('Peer over an in-memory transport', () => {
  it('the RLPx connection is a Transport as it is (checked by the compiler)', () => {
    expectTypeOf<RlpxConnection>().toExtend<Transport>()
  })

  it('pings every PING_INTERVAL_MS on the clock and answers a Ping with a Pong', async () => {
    const { peer, theirs, clock } = makePeer([held('foo', 1).protocol])
    void runPeer(peer)
    await settle()
    clock.advance(PING_INTERVAL_MS - 1)
    await settle()
    expect(theirs.queued).toBe(0)
    clock.advance(1)
    expect(await theirs.readMsg()).toEqual({ code: PING, payload: EMPTY })
    await theirs.writeMsg(PING, EMPTY)
    expect(await theirs.readMsg()).toEqual({ code: PONG, payload: EMPTY })
    clock.advance(PING_INTERVAL_MS)
    expect(await theirs.readMsg()).toEqual({ code: PING, payload: EMPTY })
    peer.disconnect()
  })

  it('routes messages by capability offset to the right protocol, and writes at its offset', async () => {
    const aaa = held('aaa', 2)
    const bbb = held('bbb', 3)
    // given out of order: matched by name, aaa at 0x10–0x11, bbb at 0x12–0x14
    const { peer, theirs } = makePeer([bbb.protocol, aaa.protocol])
    void runPeer(peer)
    await settle()
    expect(peer.protocols.map((m) => [m.protocol.name, m.offset])).toEqual([
      ['aaa', 0x10],
      ['bbb', 0x12],
    ])
    const [aRw] = aaa.rws
    const [bRw] = bbb.rws
    await theirs.writeMsg(0x11, encode('a1'))
    await theirs.writeMsg(0x12, encode('b0'))
    await theirs.writeMsg(0x14, encode('b2'))
    const a1 = await aRw!.readMsg()
    expect([a1.code, a1.decode(t.string)]).toEqual([1, 'a1'])
    const b0 = await bRw!.readMsg()
    expect([b0.code, b0.decode(t.string)]).toEqual([0, 'b0'])
    const b2 = await bRw!.readMsg()
    expect([b2.code, b2.decode(t.string)]).toEqual([2, 'b2'])
    await send(aRw!, 0, 'to a0')
    await send(bRw!, 2, 'to b2')
    expect((await theirs.readMsg()).code).toBe(0x10)
    expect((await theirs.readMsg()).code).toBe(0x14)
    peer.disconnect()
  })

  it('a code outside every range ends the peer with PROTOCOL_BREACH and Disconnect "breach of protocol"', async () => {
    const { peer, theirs, ours } = makePeer([held('aaa', 2).protocol])
    const run = runPeer(peer)
    await theirs.writeMsg(0x12, EMPTY)
    const err = await run
    expect(err).toMatchObject({ code: 'PROTOCOL_BREACH' })
    const sent = await theirs.readMsg()
    expect(sent.code).toBe(DISCONNECT)
    expect(reasonOf(sent.payload)).toEqual([Uint8Array.of(DisconnectReason.ProtocolError)])
    expect(ours.closeCalls).toBe(1)
  })

  it('a Disconnect received ends the run with the peer’s reason and sends none back', async () => {
    const { peer, theirs, ours } = makePeer([held('foo', 1).protocol])
    const run = runPeer(peer)
    await theirs.writeMsg(DISCONNECT, encode([DisconnectReason.TooManyPeers]))
    const err = await run
    expect(err).toBeInstanceOf(P2pError)
    expect(err).toMatchObject({
      code: 'REMOTE_DISCONNECT',
      reason: DisconnectReason.TooManyPeers,
      message: 'too many peers',
    })
    expect(peer.error).toBe(err)
    expect(peer.signal.aborted).toBe(true)
    expect(ours.written.filter((m) => m.code === DISCONNECT)).toEqual([])
    expect(ours.closeCalls).toBe(1)
  })

  it.each([
    ['throws', new Error('boom'), DisconnectReason.SubprotocolError],
    ['fails to decode', 'decode', DisconnectReason.ProtocolError],
    ['returns', undefined, DisconnectReason.Quitting],
  ] as const)(
    'a protocol run that %s sends Disconnect with the matching reason',
    async (_, failure, reason) => {
      const protocol: PeerProtocol = {
        name: 'foo',
        version: 1,
        length: 1,
        async run(_peer, rw) {
          if (failure === 'decode') (await rw.readMsg()).decode(t.uint)
          else if (failure) throw failure
        },
      }
      const { peer, theirs } = makePeer([protocol])
      const run = runPeer(peer)
      if (failure === 'decode') await theirs.writeMsg(0x10, encode(['not', 'a', 'number']))
      const err = await run
      expect(err).toBeInstanceOf(P2pError)
      expect(err).toMatchObject({ code: 'LOCAL_DISCONNECT', reason })
      if (failure instanceof Error) expect(err.cause).toBe(failure)
      const sent = await theirs.readMsg()
      expect(sent.code).toBe(DISCONNECT)
      expect(reasonOf(sent.payload)).toEqual([Uint8Array.of(reason)])
    },
  )

  it('a write of a code outside the protocol’s length throws RangeError at once', async () => {
    const foo = held('foo', 2)
    const { peer, ours } = makePeer([foo.protocol])
    void runPeer(peer)
    await settle()
    const rw = foo.rws[0]!
    for (const code of [2, -1, 0.5, Number.NaN]) {
      expect(() => rw.writeMsg({ code, payload: EMPTY })).toThrow(RangeError)
    }
    expect(ours.written).toEqual([])
    peer.disconnect()
  })

  it('msgsend and msgrecv events in their shape, when a listener is given', async () => {
    const events: PeerMsgEvent[] = []
    const foo = held('foo', 2)
    const bar = held('bar', 1)
    const { peer, theirs } = makePeer([foo.protocol, bar.protocol], {
      onMsgEvent: (e) => events.push(e),
    })
    void runPeer(peer)
    await settle()
    await theirs.writeMsg(0x12, encode('hello')) // foo code 1 (bar is 0x10)
    await foo.rws[0]!.readMsg()
    await send(bar.rws[0]!, 0, 'hi')
    await theirs.writeMsg(PING, EMPTY) // base protocol traffic makes no events
    expect(await theirs.readMsg()).toMatchObject({ code: 0x10 })
    expect(await theirs.readMsg()).toMatchObject({ code: PONG })
    const base = {
      peer: peer.idHex,
      localAddress: '127.0.0.1:1',
      remoteAddress: '127.0.0.1:30303',
    }
    expect(events).toEqual([
      { type: 'msgrecv', ...base, protocol: 'foo', msgCode: 1, msgSize: 6 },
      { type: 'msgsend', ...base, protocol: 'bar', msgCode: 0, msgSize: 3 },
    ])
    peer.disconnect()
  })

  it('a peer without a listener makes no events and still moves messages', async () => {
    const foo = held('foo', 1)
    const { peer, theirs } = makePeer([foo.protocol])
    void runPeer(peer)
    await settle()
    await theirs.writeMsg(0x10, encode('x'))
    expect((await foo.rws[0]!.readMsg()).decode(t.string)).toBe('x')
    await send(foo.rws[0]!, 0, 'y')
    expect((await theirs.readMsg()).code).toBe(0x10)
    peer.disconnect()
  })

  it('a read timeout that leaves writes open sends Disconnect "read timeout", then closes', async () => {
    const { peer, ours, theirs } = makePeer([held('foo', 1).protocol])
    const run = runPeer(peer)
    await settle()
    const timeout = new RlpxError('READ_TIMEOUT', 'no message within 30000 ms')
    ours.failReads(timeout, { writable: true })
    expect(await run).toBe(timeout)
    const sent = await theirs.readMsg()
    expect(reasonOf(sent.payload)).toEqual([Uint8Array.of(DisconnectReason.ReadTimeout)])
    expect(ours.closeCalls).toBe(1)
  })

  it('a Disconnect that cannot leave holds the close for DISCONNECT_WRITE_TIMEOUT_MS, no longer', async () => {
    // the other end reads nothing and its buffer is full: our Disconnect waits
    const { peer, ours, theirs, clock } = makePeer([held('foo', 1).protocol], {
      highWaterMark: 0,
    })
    const run = runPeer(peer)
    await settle()
    peer.disconnect(DisconnectReason.TooManyPeers)
    await settle()
    expect(theirs.queued).toBe(1) // written, not taken
    expect(ours.closeCalls).toBe(0)
    clock.advance(DISCONNECT_WRITE_TIMEOUT_MS - 1)
    await settle()
    expect(ours.closeCalls).toBe(0)
    clock.advance(1)
    expect(await run).toMatchObject({
      code: 'LOCAL_DISCONNECT',
      reason: DisconnectReason.TooManyPeers,
    })
    expect(ours.closeCalls).toBe(1)
    expect(clock.pending).toBe(0)
  })

  it('a ping flood from a peer that does not read: PING_RATE_MAX Pongs, then Disconnect, buffers bounded', async () => {
    const highWaterMark = 16
    const { peer, theirs, ours } = makePeer([held('foo', 1).protocol], { highWaterMark })
    const run = runPeer(peer)
    const flood = 20_000
    for (let i = 0; i < flood; i++) theirs.writeMsg(PING, EMPTY).catch(() => {})
    const err = await run
    expect(err).toMatchObject({ code: 'PING_FLOOD', reason: DisconnectReason.ProtocolError })
    // the peer read no more than it needed to see the flood, and wrote little
    expect(ours.maxQueued).toBeLessThanOrEqual(highWaterMark + 1)
    expect(theirs.maxQueued).toBeLessThanOrEqual(PING_RATE_MAX + 1)
    const got: number[] = []
    for (;;) {
      const msg = await theirs.readMsg().catch(() => undefined)
      if (!msg) break
      got.push(msg.code)
    }
    expect(got).toEqual([...Array(PING_RATE_MAX).fill(PONG), DISCONNECT])
    expect(PING_FLOOD_MAX).toBeLessThan(flood)
  })
})

describe('a message that did not decompress (RlpxError SNAPPY_INVALID with rawMsg)', () => {
  const snappyError = (rawMsg?: { code: number; payload: Uint8Array }) =>
    Object.assign(
      new RlpxError('SNAPPY_INVALID', 'snappy: corrupt input'),
      rawMsg ? { rawMsg } : {},
    )

  it('a Disconnect sent uncompressed (@ethereumjs/devp2p) ends the peer with their reason', async () => {
    const { peer, ours } = makePeer([held('foo', 1).protocol])
    const run = runPeer(peer)
    await settle()
    const rlpx = snappyError({ code: DISCONNECT, payload: encode([DisconnectReason.UselessPeer]) })
    ours.failReads(rlpx)
    const err = await run
    expect(err).toBeInstanceOf(P2pError)
    expect(err).toMatchObject({
      code: 'REMOTE_DISCONNECT',
      reason: DisconnectReason.UselessPeer,
      message: 'useless peer',
    })
    expect(err.cause).toBe(rlpx)
  })

  it.each([
    ['another code', { code: 0x10, payload: encode([DisconnectReason.UselessPeer]) }],
    [
      'a Disconnect whose bytes are no Disconnect',
      { code: DISCONNECT, payload: Uint8Array.of(0xff, 0x06, 0x00) },
    ],
    ['no raw message', undefined],
  ])('%s stays a SNAPPY_INVALID failure (breach of protocol)', async (_, rawMsg) => {
    const { peer, ours } = makePeer([held('foo', 1).protocol])
    const run = runPeer(peer)
    await settle()
    const rlpx = snappyError(rawMsg)
    ours.failReads(rlpx)
    expect(await run).toBe(rlpx)
  })
})
