import { describe, expect, it } from 'vitest'
import { MemoryNetwork } from '../src/index.js'

describe('MemoryNetwork', () => {
  it('delivers datagrams asynchronously, in order, with the sender address', async () => {
    const net = new MemoryNetwork()
    const a = net.bind('10.0.0.1', 30303)
    const b = net.bind('10.0.0.2')
    const got: [number[], string, number][] = []
    b.onMessage((bytes, from) => got.push([[...bytes], from.ip, from.port]))
    const sent = Uint8Array.of(1, 2)
    const buffer = Buffer.of(4, 5) // a Buffer's slice() is a view: still a copy
    a.send(sent, b.address)
    a.send(Uint8Array.of(3), b.address)
    a.send(buffer, b.address)
    sent[0] = 9 // the network keeps its own copy
    buffer[0] = 9
    expect(got).toEqual([]) // not synchronous
    await net.idle()
    expect(got).toEqual([
      [[1, 2], '10.0.0.1', 30303],
      [[3], '10.0.0.1', 30303],
      [[4, 5], '10.0.0.1', 30303],
    ])
    expect([net.sent, net.delivered, net.bytes]).toEqual([3, 3, 5])
  })

  it('drops datagrams to nobody, over the size limit, after close, and at the loss rate', async () => {
    const net = new MemoryNetwork({
      lossRate: 0.5,
      random: (() => {
        let i = 0
        return () => (i++ % 2 === 0 ? 0.1 : 0.9) // lose every other one
      })(),
    })
    const a = net.bind('10.0.0.1', 1)
    const b = net.bind('10.0.0.2', 1)
    let count = 0
    b.onMessage(() => count++)
    a.send(new Uint8Array(10), { ip: '10.0.0.3', port: 1 })
    a.send(new Uint8Array(1281), b.address)
    for (let i = 0; i < 4; i++) a.send(new Uint8Array(1), b.address)
    await net.idle()
    expect(count).toBe(2)
    await b.close()
    a.send(new Uint8Array(1), b.address)
    await net.idle()
    expect(count).toBe(2)
    expect(() => net.bind('10.0.0.1', 1)).toThrow(/already bound/)
    expect(net.bind('10.0.0.2', 1).address).toEqual({ ip: '10.0.0.2', port: 1 })
  })
})
