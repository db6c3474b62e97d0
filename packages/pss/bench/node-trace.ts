/**
 * What bench/nodes.ts learns about one message from every node's `onRoute` events: the
 * hops it took to its recipient, the transmissions it cost, and, when it did not arrive,
 * where and why it stopped.
 */

import { compareXor, proximity } from '../src/address.js'
import type { PssRouteEvent } from '../src/route-trace.js'
import type { NetNode, NodeNetwork } from './node-network.js'

/** One node's route event for a message, and which node it was (id, hex). */
export interface Hop extends PssRouteEvent {
  readonly at: string
}

/** A message the run sent, and what became of it. */
export interface Sent {
  readonly index: number
  readonly from: NetNode
  readonly to: NetNode
  /** `performance.now()` when it was sent, and when its recipient's subscription got it. */
  readonly sentAt: number
  arrivedAt?: number
  /**
   * Whether the routing rule delivers it over the connections when it was sent
   * (bench/greedy-model.ts), and in how many hops.
   */
  readonly routableHops: number | undefined
  /** How many peers took it from the sender (`sendAsym`'s result). */
  taken?: number
  /** keccak256 of its encoding (hex): how the route events of every node are matched to it. */
  digest?: string
  /** Every node's route events for it, in the order they happened. */
  readonly events: Hop[]
}

/** The hops to the recipient (when it got there) and the transmissions a message cost. */
export function traceOf(m: Sent): { hops?: number; tx: number } {
  let tx = 0
  // the first event of each node that routed it (a later one is a repeat, dropped)
  const first = new Map<string, Hop>()
  for (const e of m.events) {
    tx += e.to.length
    if (e.dropped === undefined && !first.has(e.at)) first.set(e.at, e)
  }
  if (!first.has(m.to.idHex)) return { tx }
  let hops = 0
  for (let at = m.to.idHex; at !== m.from.idHex; hops++) {
    const e = first.get(at)
    if (e?.from === undefined || hops > m.events.length) return { tx }
    at = e.from
  }
  return { hops, tx }
}

/**
 * How a message that did not arrive ended: `loop` (it came back to a node that had routed
 * it, dropped as a repeat), `dead end` (a node had no peer to pass it to but the one it
 * came from), `lost` (a node sent it to a peer that never routed it: the connection closed
 * or it was still queued), `dropped: <reason>`, `no peer` (the sender had none).
 */
export type FailureKind =
  | 'loop'
  | 'dead end'
  | 'lost'
  | `dropped: ${string}`
  | 'no peer'
  | 'several'
  | 'unknown'

const nameOf = (net: NodeNetwork, idHex: string | undefined): string =>
  idHex === undefined ? '?' : (net.byId(idHex)?.name ?? idHex.slice(0, 8))

/**
 * Where a message that did not arrive stopped: the nodes it went through, and each end of
 * its walk — a dead end (a node that routed it to nobody), a drop (a repeat is a loop) or
 * a send no node reported receiving (lost on a connection that closed, or still queued).
 * `distance` is the recipient's distance from the sender over the connections at the end
 * (`undefined`: unreachable).
 */
export function describeFailure(
  m: Sent,
  net: NodeNetwork,
  distance: number | undefined,
): { kind: FailureKind; line: string; turn?: Turn } {
  const who = `#${m.index} ${m.from.name} → ${m.to.name} (${
    distance === undefined ? 'not reachable over the connections now' : `${distance} hops apart`
  }; ${m.routableHops === undefined ? 'not routable' : `routable in ${m.routableHops} hops`} when sent)`
  if (m.taken === 0) return { kind: 'no peer', line: `${who}: the sender had no peer to send to` }
  const routed = new Set(m.events.map((e) => e.at))
  const path = m.events.filter((e) => e.dropped === undefined).map((e) => nameOf(net, e.at))
  const ends: string[] = []
  const kinds = new Set<FailureKind>()
  for (const e of m.events) {
    const at = net.byId(e.at)
    const from = nameOf(net, e.from)
    if (e.dropped !== undefined) {
      kinds.add(e.dropped === 'repeat' ? 'loop' : `dropped: ${e.dropped}`)
      ends.push(
        `${e.dropped === 'repeat' ? 'back at' : `dropped (${e.dropped}) at`} ${nameOf(net, e.at)} from ${from}`,
      )
    } else if (e.to.length === 0 && e.at !== m.to.idHex) {
      kinds.add('dead end')
      const peers = at === undefined ? [] : net.peersOf(at).map((p) => nameOf(net, p))
      ends.push(
        `dead end at ${at?.name ?? '?'} (from ${from}; peers now: ${peers.join(', ') || 'none'})`,
      )
    }
    for (const to of e.to) {
      if (routed.has(to)) continue
      kinds.add('lost')
      ends.push(`sent by ${nameOf(net, e.at)} to ${nameOf(net, to)}, never routed there`)
    }
  }
  const turn = turnOf(m, net)
  const turned =
    turn === undefined
      ? ''
      : `; turned away at ${turn.at}: no peer in bin ${turn.bin} of its own, the recipient's (${turn.nodesInBin} node${turn.nodesInBin === 1 ? '' : 's'} there)`
  return {
    kind: kinds.size === 1 ? [...kinds][0]! : kinds.size === 0 ? 'unknown' : 'several',
    line: `${who}: went ${path.join(' → ')}; ${ends.join('; ') || 'no end seen'}${turned}`,
    ...(turn === undefined ? {} : { turn }),
  }
}

/**
 * Where a message first moved away from its recipient: the node that passed it to a peer
 * farther from the recipient than itself, because none of its peers was in the Kademlia
 * bin (proximity order, seen from it) the recipient is in; and how many live nodes that
 * bin holds (the recipient among them).
 */
export interface Turn {
  readonly at: string
  readonly bin: number
  readonly nodesInBin: number
}

function turnOf(m: Sent, net: NodeNetwork): Turn | undefined {
  const target = m.to.id
  for (const e of m.events) {
    const at = net.byId(e.at)
    const next = e.to[0] === undefined ? undefined : net.byId(e.to[0])
    if (e.dropped !== undefined || at === undefined || next === undefined) continue
    if (compareXor(target, next.id, at.id) <= 0) continue
    const bin = proximity(at.id, target)
    const nodesInBin = net.live().filter((n) => n !== at && proximity(at.id, n.id) === bin).length
    return { at: at.name, bin, nodesInBin }
  }
  return undefined
}
