import type { NodeIdHex } from '@devp2p/enode'
import type { RlpxError } from '@devp2p/rlpx'
import type { DisconnectReason, P2pError } from './errors.js'

/** What every peer event carries. */
interface PeerEventBase {
  /** The peer's node id as hex. */
  readonly peer: NodeIdHex
  /** Our end of the connection, `ip:port`. */
  readonly localAddress: string
  /** The peer's end of the connection, `ip:port`. */
  readonly remoteAddress: string
}

/** A peer passed every check and its protocols started. */
export interface PeerAddEvent extends PeerEventBase {
  readonly type: 'add'
}

/** A peer dropped; its connection is closed. */
export interface PeerDropEvent extends PeerEventBase {
  readonly type: 'drop'
  /**
   * Why: a `P2pError` (`REMOTE_DISCONNECT` with their reason, `LOCAL_DISCONNECT` with
   * ours, `PING_FLOOD`, `PROTOCOL_BREACH`, …; a protocol's own error is its `cause`) or
   * the `RlpxError` that ended the connection (`READ_TIMEOUT`, `CONNECTION_CLOSED`, …).
   */
  readonly error: P2pError | RlpxError
  /** The Disconnect reason received (remote) or sent (local), or the one the error maps to. */
  readonly reason: DisconnectReason
}

/**
 * A sub-protocol message went out (`msgsend`, once the connection took it) or came in
 * (`msgrecv`, before the protocol reads it). Only with `enableMsgEvents`.
 */
export interface PeerMsgEvent extends PeerEventBase {
  readonly type: 'msgsend' | 'msgrecv'
  /** The protocol's name, e.g. `eth`. */
  readonly protocol: string
  /** The code relative to the protocol (0 is its first message). */
  readonly msgCode: number
  /** The payload's size in bytes, uncompressed. */
  readonly msgSize: number
}

/**
 * A peer event, as geth's `p2p.PeerEvent`, narrowed by `type`: `add` and `drop` always,
 * `msgsend` and `msgrecv` only when the server has `enableMsgEvents`.
 */
export type PeerEvent = PeerAddEvent | PeerDropEvent | PeerMsgEvent
