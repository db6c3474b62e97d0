import type { Clock, Logger } from '@devp2p/common'
import { type ENode, LocalNode, type NodeIdHex, nodeIdFromHex } from '@devp2p/enode'
import type { RlpInput } from '@devp2p/rlp'
import type { MsgReadWriter } from './msg.js'
import type { Peer } from './peer.js'

/** A source of nodes to dial, e.g. discovery's `randomNodes()`; see `ServerOptions.nodeSource`. */
export interface NodeSource {
  /**
   * An endless stream of candidates; it must end when `signal` aborts. The server pulls
   * one at a time, only when it has a free dial slot.
   */
  randomNodes(options: { signal: AbortSignal }): AsyncIterable<ENode>
}

/**
 * A sub-protocol, as a plain value (geth's `p2p.Protocol`). The server runs `run` once
 * per connected peer that shares the capability `name/version`.
 *
 * @example
 * ```ts
 * const foo: Protocol = {
 *   name: 'foo',
 *   version: 1,
 *   length: 1,
 *   async run(peer, rw) {
 *     for await (const msg of rw) {
 *       const text = msg.decode(t.string)
 *       if (text === 'foo') await send(rw, 0, 'bar')
 *     }
 *   },
 * }
 * ```
 */
export interface Protocol {
  /** The capability name, at most 8 ASCII characters by convention (`eth`, `snap`). */
  readonly name: string
  readonly version: number
  /** How many message codes the protocol uses (codes 0 … length − 1). */
  readonly length: number
  /**
   * Talks to one peer. Returning ends the connection with "client quitting"; throwing
   * ends it with `disconnectReasonFor(error)` (a decode error is a protocol breach).
   * `rw` stops yielding when the peer drops, and `peer.signal` aborts.
   */
  run(peer: Peer, rw: MsgReadWriter): Promise<void>
  /** What `nodeInfo().protocols[name]` shows. */
  nodeInfo?(): unknown
  /** What `peersInfo()[i].protocols[name]` shows for `peer`. */
  peerInfo?(peer: Peer): unknown
  /**
   * More nodes to dial for this protocol (geth's `DialCandidates`). They may use the
   * server's reserved slots (`ServerOptions.reservedPeers`), so they should be nodes
   * {@link wantsPeer} says yes to.
   */
  readonly dialCandidates?: NodeSource
  /**
   * Whether the protocol wants a connection to node `id` (32 bytes) now, e.g. pss's
   * Kademlia bins. Such a peer may take the server's last `reservedPeers` slots, which
   * other peers may not. Called when a connection would need a reserved slot; must be
   * quick and must not throw.
   */
  readonly wantsPeer?: (id: Uint8Array) => boolean
  /** Entries the server puts into the local ENR, e.g. `{ eth: [[forkHash, forkNext]] }`. */
  readonly attributes?: Readonly<Record<string, RlpInput>>
}

/** @internal Checks a protocol value given to the server. */
export function checkProtocol(protocol: Protocol): void {
  if (typeof protocol !== 'object' || protocol === null)
    throw new TypeError('protocol must be an object')
  if (typeof protocol.name !== 'string' || protocol.name.length === 0) {
    throw new TypeError('protocol.name must be a non-empty string')
  }
  if (
    !Number.isInteger(protocol.version) ||
    protocol.version < 0 ||
    protocol.version > 0xffff_ffff
  ) {
    throw new RangeError(`protocol ${protocol.name}: version must be a uint32`)
  }
  if (!Number.isInteger(protocol.length) || protocol.length < 1 || protocol.length > 0x10000) {
    throw new RangeError(`protocol ${protocol.name}: length must be an integer 1–65536`)
  }
  if (typeof protocol.run !== 'function')
    throw new TypeError(`protocol ${protocol.name}: run must be a function`)
  if (protocol.wantsPeer !== undefined && typeof protocol.wantsPeer !== 'function')
    throw new TypeError(`protocol ${protocol.name}: wantsPeer must be a function`)
}

/**
 * @internal Whether one of `protocols` wants a connection to `id` (`Protocol.wantsPeer`);
 * a `wantsPeer` that throws (a bug) says no.
 */
export function wantedBy(protocols: readonly Protocol[]): (id: NodeIdHex) => boolean {
  const wanting = protocols.flatMap((p) => (p.wantsPeer ? [p.wantsPeer] : []))
  return (id) => {
    if (wanting.length === 0) return false
    const bytes = nodeIdFromHex(id)
    return wanting.some((wants) => {
      try {
        return wants(bytes) === true
      } catch {
        return false
      }
    })
  }
}

/** @internal The protocols' `dialCandidates`, as preferred dial sources (see `reservedPeers`). */
export function protocolDialSources(
  protocols: readonly Protocol[],
): { readonly source: NodeSource; readonly preferred: true }[] {
  return protocols.flatMap((p) =>
    p.dialCandidates ? [{ source: p.dialCandidates, preferred: true as const }] : [],
  )
}

/**
 * @internal Our record with the protocols' `attributes` (e.g. `eth`'s fork id): set on
 * the `localNode` given in the options, or on a new in-memory one made with `key`.
 */
export async function recordWithAttributes(
  localNode: LocalNode | undefined,
  protocols: readonly Protocol[],
  key: { readonly privateKey: Uint8Array; readonly clock: Clock; readonly logger: Logger },
): Promise<LocalNode> {
  const entries: Record<string, RlpInput> = {}
  for (const protocol of protocols) Object.assign(entries, protocol.attributes ?? {})
  if (localNode === undefined) return LocalNode.create({ ...key, entries })
  for (const [name, value] of Object.entries(entries)) localNode.set(name, value)
  return localNode
}
