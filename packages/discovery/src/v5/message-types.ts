/**
 * The six discovery v5.1 messages as typed values (discv5-wire.md "Protocol Messages").
 * Every message starts with a request id of at most 8 bytes: a request's is chosen by
 * the requester, and its responses carry the same one.
 */
import type { MESSAGE_TYPES } from './constants.js'

/** PING (0x01): liveness check, with the sender's record sequence number. */
export interface PingMessage {
  readonly type: 'ping'
  readonly requestId: Uint8Array
  readonly enrSeq: bigint
}

/** PONG (0x02): answers PING with the sender's seq and where it saw the PING come from. */
export interface PongMessage {
  readonly type: 'pong'
  readonly requestId: Uint8Array
  readonly enrSeq: bigint
  /** The PING's source IP as the sender saw it (IPv4-mapped IPv6 as IPv4 text). */
  readonly ip: string
  /** The PING's source UDP port as the sender saw it. */
  readonly port: number
}

/** FINDNODE (0x03): asks for records at these log2 distances (0: the recipient's own). */
export interface FindNodeMessage {
  readonly type: 'findnode'
  readonly requestId: Uint8Array
  /** Each 0–256, at most 257 of them. */
  readonly distances: readonly number[]
}

/**
 * NODES (0x04): one of `total` messages answering a FINDNODE. The records are the
 * encoded ENRs as sent, each an RLP list, **not yet verified**: decoding does no public-key
 * work, so an unsolicited NODES costs no signature checks. Once the message answers a
 * request of ours, `verifyNodesRecords` turns them into `Enr`s (skipping invalid ones);
 * whether those lie at the requested distances is the requester's check.
 */
export interface NodesMessage {
  readonly type: 'nodes'
  readonly requestId: Uint8Array
  /** How many NODES messages answer the request (0–255 on the wire). */
  readonly total: number
  /** Encoded records (`Enr.encode()`); `nodesMessages` fills them from `Enr`s. */
  readonly records: readonly Uint8Array[]
}

/** TALKREQ (0x05): an application request for the protocol named `protocol`. */
export interface TalkReqMessage {
  readonly type: 'talkreq'
  readonly requestId: Uint8Array
  /** The protocol name's bytes (usually ASCII). */
  readonly protocol: Uint8Array
  readonly request: Uint8Array
}

/** TALKRESP (0x06): the answer to a TALKREQ; empty when the protocol is unknown. */
export interface TalkRespMessage {
  readonly type: 'talkresp'
  readonly requestId: Uint8Array
  readonly response: Uint8Array
}

/** Any discovery v5 message. */
export type Message =
  | PingMessage
  | PongMessage
  | FindNodeMessage
  | NodesMessage
  | TalkReqMessage
  | TalkRespMessage

/** `ping`, `pong`, `findnode`, `nodes`, `talkreq` or `talkresp`. */
export type MessageType = keyof typeof MESSAGE_TYPES
