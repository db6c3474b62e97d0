import type { Clock } from '@devp2p/common'
import type { ENode } from '@devp2p/enode'
import type { NodeSource } from '@devp2p/p2p'
import { proximity } from './address.js'
import { NEIGHBOURHOOD_LOOKUP_INTERVAL_MS } from './constants.js'

/**
 * A discovery service that can also look up the nodes closest to a key, as discovery
 * v4's `Discv4` (`lookup(publicKey, { signal })`).
 */
export interface LookupSource extends NodeSource {
  lookup(target: Uint8Array, options: { signal?: AbortSignal }): Promise<readonly ENode[]>
}

/** Who we are, for the lookups of our own neighbourhood (see {@link kademliaCandidates}). */
export interface NeighbourhoodOptions {
  /** Our 64-byte public key (what discovery v4 looks up). */
  readonly publicKey: Uint8Array
  /** Our 32-byte node id (our overlay address). */
  readonly id: Uint8Array
  readonly clock: Clock
}

function canLookup(source: NodeSource): source is LookupSource {
  return typeof (source as Partial<LookupSource>).lookup === 'function'
}

/**
 * A p2p `NodeSource` (for `ServerOptions.nodeSource` or a protocol's `dialCandidates`)
 * that passes on only the candidates of `source` (e.g. discovery's `randomNodes()`) that
 * `wants` takes, typically `(id) => router.wantsPeer(id)`: the nodes that fill one of our
 * Kademlia bins, the topology pss's routing needs (the README's Simulation). The others
 * are skipped, and nothing is held: when every bin is full, the stream waits on `source`
 * until a peer leaves and its bin is wanted again. It ends when `source` ends or the
 * server's signal aborts.
 *
 * With `self`, and a `source` that can `lookup` (a `Discv4`), it also looks up our own key
 * at once and then every {@link NEIGHBOURHOOD_LOOKUP_INTERVAL_MS}, and offers the wanted
 * nodes found, the deepest bin first: random lookups rarely find our nearest neighbours,
 * whom the last hops of a message need (on real nodes this took delivery from 61 % to
 * 75 % at maxPeers 8, the README's "On real nodes").
 */
export function kademliaCandidates(
  source: NodeSource,
  wants: (id: Uint8Array) => boolean,
  self?: NeighbourhoodOptions,
): NodeSource {
  if (self === undefined || !canLookup(source)) {
    return {
      async *randomNodes(options) {
        for await (const node of source.randomNodes(options)) {
          if (options.signal.aborted) return
          if (wants(node.id)) yield node
        }
      },
    }
  }
  return {
    async *randomNodes({ signal }) {
      const random = source.randomNodes({ signal })[Symbol.asyncIterator]()
      let lookupAt = self.clock.now()
      try {
        while (!signal.aborted) {
          if (self.clock.now() >= lookupAt) {
            lookupAt = self.clock.now() + NEIGHBOURHOOD_LOOKUP_INTERVAL_MS
            const found = await source.lookup(self.publicKey, { signal }).catch(() => [])
            const deepestFirst = [...found].sort(
              (a, b) => proximity(self.id, b.id) - proximity(self.id, a.id),
            )
            for (const node of deepestFirst) {
              if (signal.aborted) return
              if (wants(node.id)) yield node
            }
          }
          const next = await random.next()
          if (next.done || signal.aborted) return
          if (wants(next.value.id)) yield next.value
        }
      } finally {
        await random.return?.()
      }
    },
  }
}
