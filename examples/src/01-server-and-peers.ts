/**
 * Chapter 1: a server and its peers.
 *
 * A `Server` is our end of devp2p: it listens for RLPx connections, dials the nodes we
 * ask for, and runs our sub-protocols with every peer that shares one. Here two servers
 * on loopback: `b` adds `a` as a peer (it dials it), both see the `add` event, then `b`
 * removes `a` again and both see the `drop`.
 *
 * Run: npx pnpm --filter @devp2p/examples start 01
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { disconnectReasonText, type PeerEvent, type Protocol, Server } from '@devp2p/p2p'

// Peers only stay connected when they share a protocol (else the peer is "useless").
// This one does nothing but read until the peer goes away; chapter 2 sends messages.
const idle: Protocol = {
  name: 'foo',
  version: 1,
  length: 1,
  async run(_peer, rw) {
    for await (const _msg of rw) {
      // nothing to do with messages yet
    }
  },
}

// Each server has its own key: the node id is the public key.
const a = new Server({
  privateKey: generatePrivateKey(),
  name: 'node-a',
  listenAddr: '127.0.0.1:0', // port 0: the system picks a free port
  protocols: [idle],
})
const b = new Server({
  privateKey: generatePrivateKey(),
  name: 'node-b',
  listenAddr: '', // b does not listen: it only dials
  protocols: [idle],
})

// Peer events: 'add' when a peer is connected, 'drop' (with the reason) when it is gone.
function waitFor(server: Server, label: string, type: PeerEvent['type']): Promise<void> {
  return new Promise((resolve) => {
    server.on('peer', (ev) => {
      if (ev.type !== type) return
      const why = ev.type === 'drop' ? ` (${disconnectReasonText(ev.reason)})` : ''
      console.log(`${label}: ${ev.type} ${ev.peer.slice(0, 8)}…${why}`)
      resolve()
    })
  })
}

await a.start()
await b.start()
console.log(`a listens on ${a.listenAddr}`)

const added = Promise.all([waitFor(a, 'a', 'add'), waitFor(b, 'b', 'add')])
b.addPeer(a.self()) // a static peer: b dials it (and would redial it if it dropped)
await added
console.log(`b's peers: ${b.peers().map((p) => p.name)}`)

const dropped = Promise.all([waitFor(a, 'a', 'drop'), waitFor(b, 'b', 'drop')])
b.removePeer(a.self()) // no longer static, and disconnected
await dropped

await b.stop()
await a.stop()
