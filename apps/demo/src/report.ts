/** The demo's lines about peers: events as they happen, and the RPC answers at the end. */
import type { PeerEvent } from '@devp2p/p2p'
import type { FooPeerStats } from './foo-service.js'

/** Bytes as lower-case hex, as node ids are written. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** The first 8 hex digits of a node id. */
export const short = (id: string): string => id.slice(0, 8)

/** What the demo reads of geth's `p2p.PeerInfo` JSON from `admin_peers`. */
export interface AdminPeer {
  readonly id: string
  readonly name: string
  readonly network: { readonly inbound: boolean }
}

/** `node0 − node1: client quitting`, or a message event's line. */
export function describeEvent(self: string, ev: PeerEvent, nameOf: (id: string) => string): string {
  const peer = nameOf(ev.peer)
  switch (ev.type) {
    case 'add':
      return `${self} + ${peer}`
    case 'drop':
      return `${self} − ${peer}: ${ev.error.message}`
    default:
      return `${self} ${ev.type} ${peer} ${ev.protocol}/${ev.msgCode} ${ev.msgSize} bytes`
  }
}

/** `node0 + node1 (inbound)`: a peer that started running foo with `self`. */
export function describeAdd(self: string, peer: string, inbound: boolean): string {
  return `${self} + ${peer} (${inbound ? 'inbound' : 'outbound'})`
}

/** `admin_peers  node0: 2 peers (0 inbound, 2 outbound): node1 node2`. */
export function describePeers(
  self: string,
  peers: readonly AdminPeer[],
  nameOf: (id: string) => string,
): string {
  const inbound = peers.filter((p) => p.network.inbound).length
  const list = peers.map((p) => nameOf(p.id)).sort()
  return `admin_peers  ${self}: ${peers.length} peer${peers.length === 1 ? '' : 's'} (${inbound} inbound, ${peers.length - inbound} outbound): ${list.join(' ')}`
}

/** `foo_stats    node0: node1 foo 1/1 bar 1/1, node2 …` (sent/received per peer). */
export function describeFooStats(
  self: string,
  stats: readonly FooPeerStats[],
  nameOf: (id: string) => string,
): string {
  const parts = stats
    .map((s) => ({ name: nameOf(s.peer), s }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ name, s }) => {
      const other = s.received.other ? ` other -/${s.received.other}` : ''
      return `${name} foo ${s.sent.foo}/${s.received.foo} bar ${s.sent.bar}/${s.received.bar}${other}`
    })
  return `foo_stats    ${self}: ${parts.join(', ')} (sent/received)`
}
