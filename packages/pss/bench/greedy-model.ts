/**
 * pss's routing rule for a full address, as the README states it, written again on its
 * own (no router code): from the sender, each node passes the message to its one peer
 * closest to the destination by XOR distance, never back to the peer it came from; a
 * node that has seen it drops it (a loop), a node with no other peer is a dead end.
 * bench/nodes.ts runs it over the connections at the moment a message is sent, to tell a
 * message routing could not deliver from one the network lost.
 */

/** Negative when `a` is closer to `target` than `b` by XOR distance. */
function compareXor(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const d = (a[i]! ^ target[i]!) - (b[i]! ^ target[i]!)
    if (d !== 0) return d
  }
  return 0
}

/**
 * The path (node ids, hex, ends included) the rule takes from `from` to `to`, or
 * `undefined` when it ends at a dead end or a loop first.
 *
 * @param peersOf a node's connected peers (ids, hex)
 * @param idOf a node's id as bytes
 */
export function greedyPath(
  peersOf: (idHex: string) => readonly string[],
  idOf: (idHex: string) => Uint8Array,
  from: string,
  to: string,
): string[] | undefined {
  const target = idOf(to)
  const path = [from]
  // bounded: each node joins once; a second visit ends the walk
  const seen = new Set(path)
  let came: string | undefined
  for (let at = from; ; ) {
    const others = peersOf(at).filter((p) => p !== came)
    if (others.length === 0) return undefined
    let next = others[0]!
    for (const p of others) if (compareXor(target, idOf(p), idOf(next)) < 0) next = p
    path.push(next)
    if (next === to) return path
    if (seen.has(next)) return undefined
    seen.add(next)
    came = at
    at = next
  }
}
