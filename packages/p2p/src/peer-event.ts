import type { NodeIdHex } from '@devp2p/enode'
import type { RlpxError } from '@devp2p/rlpx'
import type { DisconnectReason, P2pError } from './errors.js'

/** What every peer event carries. */
interface PeerEventBase {
  /** The peer's node id as hex. */
  readonly peer: NodeIdHex
  readonly localAddress: string
  readonly remoteAddress: string
}

/** A peer completed the Hello exchange and runs its protocols. */
export interface PeerAddEvent extends PeerEventBase {
  readonly type: 'add'
}

/** A peer dropped: `error` says why, `reason` is the Disconnect reason sent or received. */
export interface PeerDropEvent extends PeerEventBase {
  readonly type: 'drop'
  readonly error: P2pError | RlpxError
  readonly reason: DisconnectReason
}

/** A sub-protocol message was sent or received (only with `enableMsgEvents`). */
export interface PeerMsgEvent extends PeerEventBase {
  readonly type: 'msgsend' | 'msgrecv'
  /** The protocol's name. */
  readonly protocol: string
  /** The code relative to the protocol. */
  readonly msgCode: number
  /** The payload size in bytes. */
  readonly msgSize: number
}

/** A peer event, as geth's `p2p.PeerEvent`; narrow it on `type`. */
export type PeerEvent = PeerAddEvent | PeerDropEvent | PeerMsgEvent
