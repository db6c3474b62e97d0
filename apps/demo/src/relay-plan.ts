/**
 * Choosing the relay chat's two nodes in the graph the network settled into, and
 * predicting the path pss's XOR routing takes between them: pure functions over node
 * indexes, so they are tested on graphs made by hand.
 */
import { encodeMessage, MAX_FORWARDS_PER_MESSAGE, PssRouter, stringToTopic } from '@devp2p/pss'

/** Who is connected to whom: `graph[i]` lists node i's peers (by index); symmetric. */
export type Graph = readonly (readonly number[])[]

/** How the chat's messages are addressed. */
export type Routing =
  /** to the recipient's node id: each node hands it to its one peer closest by XOR distance */
  | 'xor'
  /** to everyone (an empty address): every node hands it to all its other peers */
  | 'flood'

/** The chat: who talks, how far apart they are, how their messages are addressed. */
export interface RelayPlan {
  readonly a: number
  readonly b: number
  /** Hops between them on the shortest path (at least 2: they are not connected). */
  readonly hops: number
  readonly routing: Routing
  /** With `xor`: the paths XOR routing takes, a → b and b → a (node indexes, ends included). */
  readonly predicted?: readonly [readonly number[], readonly number[]]
}

/** Hops from `from` to every node (`Infinity` for a node it cannot reach). */
export function hopCounts(graph: Graph, from: number): number[] {
  const hops = graph.map(() => Number.POSITIVE_INFINITY)
  hops[from] = 0
  // bounded: each node is queued at most once
  const queue = [from]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const peer of graph[next]!) {
      if (hops[peer] === Number.POSITIVE_INFINITY) {
        hops[peer] = hops[next]! + 1
        queue.push(peer)
      }
    }
  }
  return hops
}

/**
 * The path a message from `from` addressed to `to`'s id takes under pss's routing (the
 * package's own `PssRouter`, one per node, with the default fanout of one), or
 * `undefined` when it dies on the way: at a node whose only peer is the one it came from,
 * or back at a node that has seen it (a repeat).
 */
export function xorPath(
  ids: readonly Uint8Array[],
  graph: Graph,
  from: number,
  to: number,
): number[] | undefined {
  // a still clock: nothing expires or refills while the one message travels
  const now = 0
  const routers = ids.map((self) => new PssRouter({ self, clock: { now: () => now } }))
  // bounded: each router takes a message once (repeats are dropped) and forwards it to at
  // most MAX_FORWARDS_PER_MESSAGE peers
  const queue: [number, number, Uint8Array][] = []
  graph.forEach((peers, i) => {
    for (const j of peers) {
      routers[i]!.addPeer(ids[j]!, (encoded) => queue.push([i, j, encoded]) > 0)
    }
  })
  const cameFrom = new Map<number, number>()
  const encoded = encodeMessage({
    to: ids[to]!,
    expiry: Math.floor(now / 1000) + 60,
    topic: stringToTopic('relay-plan'),
    flags: 0,
    payload: new Uint8Array(0),
  })
  routers[from]!.send(encoded)
  const maxSteps = ids.length * MAX_FORWARDS_PER_MESSAGE
  for (let step = 0; step < maxSteps && queue.length > 0; step++) {
    const [sender, receiver, message] = queue.shift()!
    const result = routers[receiver]!.handle(ids[sender]!, message)
    if (result.dropped !== undefined) continue
    cameFrom.set(receiver, sender)
    if (result.deliver !== undefined && receiver === to) {
      const path = [to]
      for (let at = to; at !== from; ) {
        at = cameFrom.get(at)!
        path.unshift(at)
      }
      return path
    }
  }
  return undefined
}

/**
 * The chat's two nodes: not connected, connected through others, preferring a pair whose
 * messages XOR routing delivers both ways (a sparse graph has dead ends), then the pair
 * furthest apart, then the lowest names. A pair XOR routing cannot serve chats by flood.
 * `undefined` when no two nodes are 2 or more hops apart.
 */
export function planChat(ids: readonly Uint8Array[], graph: Graph): RelayPlan | undefined {
  let best: RelayPlan | undefined
  const rank = (p: RelayPlan) => [p.routing === 'xor' ? 1 : 0, p.hops]
  for (let a = 0; a < graph.length; a++) {
    const hops = hopCounts(graph, a)
    for (let b = a + 1; b < graph.length; b++) {
      const h = hops[b]!
      if (h < 2 || h === Number.POSITIVE_INFINITY) continue
      const there = xorPath(ids, graph, a, b)
      const back = there && xorPath(ids, graph, b, a)
      const plan: RelayPlan =
        there && back
          ? { a, b, hops: h, routing: 'xor', predicted: [there, back] }
          : { a, b, hops: h, routing: 'flood' }
      if (best === undefined) best = plan
      else {
        const [r1, h1] = rank(plan)
        const [r0, h0] = rank(best)
        if (r1! > r0! || (r1 === r0 && h1! > h0!)) best = plan
      }
    }
  }
  return best
}
