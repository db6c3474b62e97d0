import { generatePrivateKey } from '@devp2p/crypto'
import { Node } from '@devp2p/node'
import { type PeerEvent, Server, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'
import { activeHandles, extraHandles } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { type FooPeerStats, fooService } from '../src/foo-service.js'

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}

describe('the foo service', () => {
  it('greets, answers foo with bar, reports other messages, and counts them per peer in foo_stats and admin_peers', async () => {
    await settle()
    const before = activeHandles()
    const node = new Node({ p2p: { listenAddr: '127.0.0.1:0' }, discovery: { v4: false } })
    const seen: string[] = []
    node.register(
      fooService({
        onPeer: (peer) => seen.push(`peer ${peer.inbound ? 'inbound' : 'outbound'}`),
        onMessage: (_peer, text) => seen.push(`message ${text}`),
      }),
    )
    await node.start()

    // a peer of our own making: says "hello", then "foo", and collects what it gets
    const got: string[] = []
    let gotBoth: () => void = () => {}
    const both = new Promise<void>((resolve) => {
      gotBoth = resolve
    })
    const other = new Server({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
      protocols: [
        {
          name: 'foo',
          version: 1,
          length: 1,
          async run(_peer, rw) {
            await send(rw, 0, 'hello')
            await send(rw, 0, 'foo')
            for await (const msg of rw) {
              got.push(msg.decode(t.string))
              if (got.length === 2) gotBoth()
            }
          },
        },
      ],
    })
    await other.start()
    try {
      other.addPeer(node.endpoints().enode)
      await both
      expect(got.sort()).toEqual(['bar', 'foo'])
      expect(seen).toEqual(['peer inbound', 'message hello'])

      const client = node.attach()
      const expected: FooPeerStats = {
        peer: other.nodeInfo().id,
        inbound: true,
        sent: { foo: 1, bar: 1 },
        received: { foo: 1, bar: 0, other: 1 },
      }
      expect(await client.call('foo_stats')).toEqual([expected])
      const [peer] =
        await client.call<{ caps: string[]; protocols: { foo: unknown } }[]>('admin_peers')
      expect(peer?.caps).toEqual(['foo/1'])
      expect(peer?.protocols.foo).toEqual(expected)

      // the counts go with the connection
      const dropped = new Promise<void>((resolve) =>
        node.server.on('peer', (ev: PeerEvent) => {
          if (ev.type === 'drop') resolve()
        }),
      )
      await other.stop()
      await dropped
      expect(await client.call('foo_stats')).toEqual([])
    } finally {
      await other.stop()
      await node.stop()
    }
    await settle()
    expect(extraHandles(before)).toEqual({})
  })
})
