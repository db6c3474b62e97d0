/**
 * A mixed discovery network on 127.0.0.1: a bootnode that is go-ethereum's (the refpeer
 * running discovery v4 alone: no TCP listener, no protocol), two geth nodes and two of ours
 * (Server + Discv4, each knowing only the bootnode).
 */
import { Refpeer } from './go.js'
import { type OurNode, startOurs } from './ours.js'

/** How long the network may take to connect (it takes seconds when alone). */
export const MESH_TIMEOUT_MS = 60_000

export interface MixedNetwork {
  readonly boot: Refpeer
  readonly geth: readonly Refpeer[]
  readonly ours: readonly OurNode[]
  /** The four nodes' ids (geth's, then ours), hex. */
  readonly ids: readonly string[]
  /** The ids of the other three nodes, sorted. */
  others(id: string): string[]
  /** Waits until every node is connected to the three others. */
  connected(): Promise<void>
}

/**
 * Starts the network: `maxPeers` per node (a node dials at most maxPeers / 3, geth's dial
 * ratio and ours). `track` gets our nodes as they start, so the caller can stop them even
 * if a later start fails.
 */
export async function startMixedNetwork(
  maxPeers: number,
  track: (node: OurNode) => void,
): Promise<MixedNetwork> {
  const boot = await Refpeer.start(
    { listen: '', protocol: '', discv4: true, nodial: true },
    'bootnode',
  )
  const bootnodes = [boot.ready.enode]
  const geth = await Promise.all(
    ['geth0', 'geth1'].map((name) =>
      Refpeer.start({ discv4: true, bootnodes, maxpeers: maxPeers, name }, name),
    ),
  )
  const ours = await Promise.all(
    ['ours0', 'ours1'].map(async (name) => {
      const node = await startOurs({ name, bootnodes, maxPeers })
      track(node)
      return node
    }),
  )
  const ids = [...geth.map((g) => g.ready.id), ...ours.map((n) => n.idHex)]
  const others = (id: string) => ids.filter((other) => other !== id).sort()
  const connected = async (): Promise<void> => {
    await Promise.all([
      ...geth.map((g) =>
        g.until(
          () => others(g.ready.id).every((id) => g.peerIds().has(id)),
          'connected to all others',
          MESH_TIMEOUT_MS,
        ),
      ),
      ...ours.map((node) =>
        node.peerEvents.until(
          () => {
            const peers = new Set<string>(node.server.peers().map((p) => p.idHex))
            return others(node.idHex).every((id) => peers.has(id))
          },
          'connected to all others',
          MESH_TIMEOUT_MS,
        ),
      ),
    ])
  }
  return { boot, geth, ours, ids, others, connected }
}
