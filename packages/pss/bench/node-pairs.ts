/**
 * Who writes to whom in bench/nodes.ts: a random sender and a random recipient that is
 * not its peer, and whether pss's routing rule reaches it (bench/greedy-model.ts).
 */

import { greedyPath } from './greedy-model.js'
import type { NetNode, NodeNetwork } from './node-network.js'

/** Tries at most this many senders for one with a recipient routing reaches (`routableOnly`). */
const MAX_SENDER_TRIES = 1000

/**
 * A sender and a recipient that is not its peer (when there is one), and the path the
 * routing rule takes between them over the connections now (`undefined`: none). With
 * `routableOnly`, only a pair with a path.
 *
 * @throws Error when `routableOnly` finds no such pair.
 */
export function pickPair(
  net: NodeNetwork,
  pick: <T>(list: readonly T[]) => T,
  routableOnly: boolean,
): { from: NetNode; to: NetNode; path: string[] | undefined } {
  const live = net.live()
  const pathOf = (from: NetNode, to: NetNode) =>
    greedyPath(
      (idHex) => net.peersOf(net.byId(idHex)!),
      (idHex) => net.byId(idHex)!.id,
      from.idHex,
      to.idHex,
    )
  for (let tries = 0; tries < MAX_SENDER_TRIES; tries++) {
    const from = pick(live)
    const peers = new Set(net.peersOf(from))
    const others = live.filter((n) => n !== from && !peers.has(n.idHex))
    if (!routableOnly) {
      const to = pick(others.length > 0 ? others : live.filter((n) => n !== from))
      return { from, to, path: pathOf(from, to) }
    }
    const routable = others.flatMap((to) => {
      const path = pathOf(from, to)
      return path === undefined ? [] : [{ from, to, path }]
    })
    if (routable.length > 0) return pick(routable)
  }
  throw new Error('no sender has a recipient that is not its peer and that routing reaches')
}
