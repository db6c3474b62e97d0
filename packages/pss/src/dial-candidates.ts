import type { NodeSource } from '@devp2p/p2p'

/**
 * A p2p `NodeSource` (for `ServerOptions.nodeSource` or a protocol's `dialCandidates`)
 * that passes on only the candidates of `source` (e.g. discovery's `randomNodes()`) that
 * `wants` takes, typically `(id) => router.wantsPeer(id)`: the nodes that fill one of our
 * Kademlia bins, the topology pss's routing needs (the README's Simulation). The others
 * are skipped, and nothing is held: when every bin is full, the stream waits on `source`
 * until a peer leaves and its bin is wanted again. It ends when `source` ends or the
 * server's signal aborts.
 */
export function kademliaCandidates(
  source: NodeSource,
  wants: (id: Uint8Array) => boolean,
): NodeSource {
  return {
    async *randomNodes(options) {
      for await (const node of source.randomNodes(options)) {
        if (options.signal.aborted) return
        if (wants(node.id)) yield node
      }
    },
  }
}
