import { generatePrivateKey } from '@devp2p/crypto'
import { msgPipe, type Peer } from '@devp2p/p2p'
import { inProcessTransport, RpcClient, RpcError, RpcServer } from '@devp2p/rpc'
import { hex, ManualClock } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeMessage } from '../src/message.js'
import { Pss } from '../src/pss.js'

// bounded: the servers of one test
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

function setup() {
  const clock = new ManualClock()
  const pss = new Pss({ privateKey: generatePrivateKey(), clock })
  const rpc = new RpcServer()
  for (const api of pss.service().apis) rpc.registerName(api.namespace, api.service, api.spec)
  const client = new RpcClient(inProcessTransport(rpc))
  cleanups.push(() => {
    void client.close()
    rpc.stop()
    pss.stop()
  })
  return { clock, pss, client }
}

describe('pss_* RPC methods', () => {
  it('pss_baseAddr is our node id and pss_stringToTopic keccak256(name)[0:4], as 0x-hex', async () => {
    const { pss, client } = setup()
    expect(await client.call('pss_baseAddr')).toBe(`0x${hex(pss.baseAddr())}`)
    // keccak256("foo") = 41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d
    expect(await client.call('pss_stringToTopic', 'foo')).toBe('0x41b1a064')
  })

  it('pss_sendRaw hands the message to a peer; bad hex is an error with a message', async () => {
    const { pss, client } = setup()
    const peerId = new Uint8Array(32).fill(9)
    const [ours, theirs] = msgPipe()
    const run = pss.protocol.run({ id: peerId, idHex: hex(peerId) } as unknown as Peer, ours)
    await new Promise<void>((r) => setImmediate(r))
    expect(await client.call('pss_sendRaw', '0x09', '0x01020304', '0xabcd')).toBeNull()
    const msg = await theirs.readMsg()
    const { decodeMessage } = await import('../src/message.js')
    const decoded = decodeMessage(msg.payload)
    expect(hex(decoded.to)).toBe('09')
    expect(hex(decoded.topic)).toBe('01020304')
    expect(hex(decoded.payload)).toBe('abcd')
    const failure = await client.call('pss_sendRaw', '0x0', '0x01020304', '0x').catch((e) => e)
    expect(failure).toBeInstanceOf(RpcError)
    expect((failure as RpcError).message).toMatch(/address must be hex bytes/)
    const badTopic = await client.call('pss_sendRaw', '0x', '0x0102', '0x').catch((e) => e)
    expect((badTopic as RpcError).message).toMatch(/topic must be 4 bytes/)
    ours.close()
    await run
  })

  it('pss_subscribe("receive", topic) streams the messages of that topic', async () => {
    const { clock, pss, client } = setup()
    const peerId = new Uint8Array(32).fill(9)
    const [ours, theirs] = msgPipe()
    const run = pss.protocol.run({ id: peerId, idHex: hex(peerId) } as unknown as Peer, ours)
    const sub = await client.subscribe('pss', 'receive', '0x01020304')
    const payloads: string[] = []
    const reading = (async () => {
      for await (const m of sub) {
        payloads.push((m as { payload: string }).payload)
        expect(m).toMatchObject({ topic: '0x01020304', raw: true })
        if (payloads.length === 2) break
      }
    })()
    for (const [topic, payload] of [
      [[1, 2, 3, 4], [0xaa]],
      [[9, 9, 9, 9], [0xbb]],
      [[1, 2, 3, 4], [0xcc]],
    ]) {
      await theirs.writeMsg({
        code: 0,
        payload: encodeMessage({
          to: new Uint8Array(),
          expiry: Math.floor(clock.now() / 1000) + 60,
          topic: new Uint8Array(topic!),
          flags: 0,
          payload: new Uint8Array(payload!),
        }),
      })
    }
    await reading
    expect(payloads).toEqual(['0xaa', '0xcc'])
    // leaving the loop unsubscribed, which ended the pss subscription: a flood of the
    // topic is buffered nowhere (a live subscription would drop its oldest, counted)
    for (let i = 0; i < 300; i++) {
      await theirs.writeMsg({
        code: 0,
        payload: encodeMessage({
          to: new Uint8Array(),
          expiry: Math.floor(clock.now() / 1000) + 60,
          topic: new Uint8Array([1, 2, 3, 4]),
          flags: 0,
          payload: new Uint8Array([i & 0xff, i >> 8]),
        }),
      })
    }
    await new Promise<void>((r) => setImmediate(r)) // the last one read is routed
    expect(pss.stats()).toMatchObject({ delivered: 303, subscriptionDropped: 0 })
    ours.close()
    await run
  })
})

describe('pss_* RPC methods for encrypted messages', () => {
  it('pss_getPublicKey, pss_sendAsym and pss_sendSym with pss_setSymmetricKey / pss_getSymmetricKey reach the other node, which reads them over its own pss_subscribe', async () => {
    const a = setup()
    const b = setup()
    // the two nodes connected back to back
    const [ab, ba] = msgPipe()
    const peer = (p: Pss) => ({ id: p.baseAddr(), idHex: hex(p.baseAddr()) }) as unknown as Peer
    const runs = [a.pss.protocol.run(peer(b.pss), ab), b.pss.protocol.run(peer(a.pss), ba)]
    const topic = '0x0a0b0c0d'
    const bKey = (await b.client.call('pss_getPublicKey')) as string
    expect(bKey).toBe(`0x${hex(b.pss.publicKey())}`)
    const sub = await b.client.subscribe('pss', 'receive', topic)
    const inbox = sub[Symbol.asyncIterator]()

    expect(await a.client.call('pss_sendAsym', bKey, topic, '0x0102')).toBeNull()
    expect((await inbox.next()).value).toEqual({
      from: `0x${hex(a.pss.publicKey())}`,
      topic,
      payload: '0x0102',
      raw: false,
    })

    const key = `0x${'42'.repeat(32)}`
    const aKeyId = (await a.client.call('pss_setSymmetricKey', key, topic)) as string
    await b.client.call('pss_setSymmetricKey', key, topic)
    expect(await a.client.call('pss_getSymmetricKey', aKeyId)).toBe(key)
    expect(await a.client.call('pss_sendSym', aKeyId, topic, '0x0304')).toBeNull()
    expect((await inbox.next()).value).toMatchObject({ topic, payload: '0x0304', raw: false })

    const unknown = await a.client.call('pss_getSymmetricKey', '0x00').catch((e) => e)
    expect((unknown as RpcError).message).toMatch(/no symmetric key/)
    const noKey = await a.client.call('pss_sendSym', '0x00', topic, '0x').catch((e) => e)
    expect((noKey as RpcError).message).toMatch(/no symmetric key/)
    await sub.unsubscribe()
    ab.close()
    ba.close()
    await Promise.all(runs)
  })
})
