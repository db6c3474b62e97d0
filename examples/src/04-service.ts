/**
 * Chapter 4: a service brings protocols and APIs together.
 *
 * A `Node` (@devp2p/node) owns the key, the p2p server, discovery and the RPC endpoints.
 * A service is `{ protocols, apis, start, stop }` (geth's `Protocols()`, `APIs()`,
 * `Start`, `Stop`): the node runs its protocols with every peer and serves its APIs next
 * to its own `admin_*` ones. Here the foo/bar protocol counts the `bar`s it received per
 * peer, and the `foo` API shows those counts: the protocol's state, read over RPC.
 *
 * Run: npx pnpm --filter @devp2p/examples start 04
 */
import { Node, type Service } from '@devp2p/node'
import { type Protocol, sendItems } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

/** The service: its state, its protocol, its API. */
class FooService implements Service {
  /** `bar`s received, by peer name. */
  readonly #bars = new Map<string, number>()
  #onBar: () => void = () => {}
  /** Resolves when the first `bar` has arrived. */
  readonly firstBar = new Promise<void>((resolve) => {
    this.#onBar = resolve
  })

  readonly protocols: Protocol[] = [
    {
      name: 'foo',
      version: 1,
      length: 1,
      run: async (peer, rw) => {
        await sendItems(rw, 0, 'foo')
        for await (const msg of rw) {
          const [text] = msg.decode(t.tuple(t.string))
          if (text === 'foo') await sendItems(rw, 0, 'bar')
          else {
            this.#bars.set(peer.name, (this.#bars.get(peer.name) ?? 0) + 1)
            this.#onBar()
          }
        }
      },
    },
  ]

  // The API's methods are foo_bars and foo_peerCount (see chapter 3).
  readonly apis = [
    {
      namespace: 'foo',
      service: {
        bars: () => Object.fromEntries(this.#bars),
        peerCount: () => this.#bars.size,
      },
    },
  ]

  start() {
    console.log('foo service started')
  }
}

function makeNode(name: string) {
  const node = new Node({
    name, // in the client name: devp2p-ts/<name>/v…
    p2p: { listenAddr: '127.0.0.1:0', maxPeers: 10 },
    discovery: { v4: false }, // two nodes joined by hand: no discovery needed
  })
  const foo = new FooService()
  node.register(foo)
  return { node, foo }
}

const a = makeNode('a')
const b = makeNode('b')
await a.node.start()
await b.node.start()

// The in-process client: the same API an IPC, HTTP or WebSocket client would see.
const client = a.node.attach()
const joined = await client.call('admin_addPeer', b.node.endpoints().enode)
console.log(`admin_addPeer: ${joined}`)

await a.foo.firstBar // b answered a's foo
const peers = (await client.call('admin_peers')) as { name: string; caps: string[] }[]
console.log(`admin_peers: ${peers.map((p) => `${p.name} ${p.caps}`)}`)
console.log(`foo_bars: ${JSON.stringify(await client.call('foo_bars'))}`)

await b.node.stop()
await a.node.stop()
