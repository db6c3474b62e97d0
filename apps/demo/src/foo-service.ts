/**
 * The tutorial's service: the `foo/1` protocol (send "foo" on connect, answer "foo" with
 * "bar", report anything else) and the `foo` RPC API that counts its messages per peer.
 */
import type { Service } from '@devp2p/node'
import { type Peer, type Protocol, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

/** What `foo_stats` answers for one connected peer, and `admin_peers` under `protocols.foo`. */
export interface FooPeerStats {
  /** The peer's node id as hex. */
  readonly peer: string
  readonly inbound: boolean
  readonly sent: { foo: number; bar: number }
  readonly received: { foo: number; bar: number; other: number }
}

/** What the service tells its owner. */
export interface FooEvents {
  /** A peer started running foo with us. */
  onPeer?(peer: Peer): void
  /** A message that is not "foo" (those are answered), after it was counted. */
  onMessage?(peer: Peer, text: string): void
}

/** The `foo` namespace: `foo_stats`. */
export class FooApi {
  readonly #stats: ReadonlyMap<Peer, FooPeerStats>

  constructor(stats: ReadonlyMap<Peer, FooPeerStats>) {
    this.#stats = stats
  }

  /**
   * Messages sent and received per connected peer, sorted by peer id. A connection that
   * is ending (the loser of two crossed dials, say) is left out.
   */
  stats(): FooPeerStats[] {
    return [...this.#stats]
      .filter(([peer]) => !peer.signal.aborted)
      .map(([, stats]) => stats)
      .sort((a, b) => (a.peer < b.peer ? -1 : 1))
  }
}

/**
 * The foo service for one node: `node.register(fooService(events))`. Its counts live
 * while the connection does.
 */
export function fooService(events: FooEvents = {}): Service {
  // bounded: one entry per connection running foo (at most the server's maxPeers, plus a
  // crossed dial's loser while it ends), removed when it ends
  const stats = new Map<Peer, FooPeerStats>()
  const protocol: Protocol = {
    name: 'foo',
    version: 1,
    length: 1,
    peerInfo: (peer) => stats.get(peer) ?? 'unknown',
    async run(peer, rw) {
      const mine: FooPeerStats = {
        peer: peer.idHex,
        inbound: peer.inbound,
        sent: { foo: 0, bar: 0 },
        received: { foo: 0, bar: 0, other: 0 },
      }
      stats.set(peer, mine)
      try {
        events.onPeer?.(peer)
        // counted as they are sent, so a peer that got one finds it counted
        mine.sent.foo++
        await send(rw, 0, 'foo')
        for await (const msg of rw) {
          const text = msg.decode(t.string)
          if (text === 'foo') {
            mine.received.foo++
            mine.sent.bar++
            await send(rw, 0, 'bar')
            continue
          }
          if (text === 'bar') mine.received.bar++
          else mine.received.other++
          events.onMessage?.(peer, text)
        }
      } finally {
        stats.delete(peer)
      }
    },
  }
  return { protocols: [protocol], apis: [{ namespace: 'foo', service: new FooApi(stats) }] }
}
