/**
 * The seam between the shared Kademlia part (table, lookups, maintenance, the
 * dial-candidate stream) and a discovery protocol: the protocol implements
 * {@link KadProtocol}, the shared part never sees a packet. Discovery v4 and v5 both
 * implement it (v5's lookup target key is the node id itself).
 */
import type { ENode, Enr, NodeId } from '@devp2p/enode'

/** What a lookup converges on. */
export interface LookupTarget {
  /** The 32-byte point of the id space distances are measured to. */
  readonly id: NodeId
  /** What the protocol's FindNode carries: in v4 a 64-byte public key whose keccak256 is `id`; in v5 `id`. */
  readonly key: Uint8Array
}

/** What the shared part needs of a discovery protocol. */
export interface KadProtocol {
  /**
   * Checks that `node` is alive. Resolves with the sequence number of its record when
   * it answered (`undefined` when it did not say); rejects when it did not answer.
   */
  ping(node: ENode): Promise<{ readonly enrSeq: bigint | undefined }>
  /**
   * Asks `node` for the nodes it knows closest to `target`, already checked for use
   * (relay rules, `netRestrict`, not ourselves). Rejects when `node` did not answer.
   */
  findNode(node: ENode, target: LookupTarget): Promise<ENode[]>
  /** Asks `node` for its current record; rejects when it did not answer with its own. */
  requestEnr(node: ENode): Promise<Enr>
  /** A target for a random lookup (refresh, the dial-candidate stream). */
  randomTarget(): LookupTarget
}

/** Only nodes in these networks are added or returned (a `NetList` from @devp2p/enode fits). */
export interface NetRestrict {
  contains(ip: string): boolean
}
