/**
 * Chapter 2: messages and events.
 *
 * A protocol's `run(peer, rw)` is called once per peer that shares it. `rw` reads the
 * peer's messages (an async iterable) and writes ours. Messages are RLP: `sendItems`
 * sends a list, and `msg.decode(schema)` checks and decodes one (a payload that does not
 * fit the schema is a breach of protocol: the peer is dropped).
 *
 * The foo/bar protocol: each side greets with `foo`; whoever receives `foo` answers
 * `bar`. With `enableMsgEvents` the server also reports every message sent and received.
 *
 * Run: npx pnpm --filter @devp2p/examples start 02
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { type Protocol, Server, sendItems } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

// Message code 0 carries [text, counter]: a string and a small unsigned integer.
const FooMsg = t.tuple(t.string, t.uint)

function fooProtocol(label: string, onBar: () => void): Protocol {
  return {
    name: 'foo',
    version: 1,
    length: 1, // message codes 0 … length − 1
    async run(peer, rw) {
      await sendItems(rw, 0, 'foo', 1)
      for await (const msg of rw) {
        const [text, n] = msg.decode(FooMsg)
        console.log(`${label} got ${text} #${n} from ${peer.name}`)
        if (text === 'foo') await sendItems(rw, 0, 'bar', n + 1)
        else onBar()
      }
    },
  }
}

// Done once both sides got their `bar` and a's server reported its four messages.
let bars = 0
const seen = { msgsend: 0, msgrecv: 0 }
let finish: () => void = () => {}
const done = new Promise<void>((resolve) => {
  finish = resolve
})
const check = () => {
  if (bars === 2 && seen.msgsend === 2 && seen.msgrecv === 2) finish()
}
const onBar = () => {
  bars++
  check()
}

const a = new Server({
  privateKey: generatePrivateKey(),
  name: 'node-a',
  listenAddr: '127.0.0.1:0',
  protocols: [fooProtocol('a', onBar)],
  enableMsgEvents: true, // msgsend / msgrecv peer events
})
const b = new Server({
  privateKey: generatePrivateKey(),
  name: 'node-b',
  listenAddr: '',
  protocols: [fooProtocol('b', onBar)],
})

// The events carry the protocol, the code relative to it and the payload's size.
a.on('peer', (ev) => {
  if (ev.type !== 'msgsend' && ev.type !== 'msgrecv') return
  console.log(`a ${ev.type} ${ev.protocol} code ${ev.msgCode}, ${ev.msgSize} bytes`)
  seen[ev.type]++
  check()
})

await a.start()
await b.start()
b.addPeer(a.self())
await done

await b.stop()
await a.stop()
