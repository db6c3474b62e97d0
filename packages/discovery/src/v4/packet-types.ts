/**
 * The six discovery v4 packets as typed values (devp2p discv4.md, EIP-8, EIP-868).
 *
 * Wire format: `hash(32) ‖ signature(65) ‖ type(1) ‖ rlp(data)`, where
 * `hash = keccak256(signature ‖ type ‖ data)` and the signature (r ‖ s ‖ v) is over
 * `keccak256(type ‖ data)`. The sender's key is recovered from the signature.
 * Encoding is in `packet-encode.ts`, decoding in `packet-decode.ts`.
 */
import type { Enr, NodeId, NodeIdHex } from '@devp2p/enode'
import type { PACKET_TYPES } from './constants.js'

/** The name of a packet type, the discriminant of {@link Packet}. */
export type PacketType = keyof typeof PACKET_TYPES

/**
 * A UDP/TCP endpoint as Ping and Pong carry it: `[ip, udp-port, tcp-port]`.
 *
 * `ip` is the canonical text (`1.2.3.4`, `2001:db8::1`; an IPv4-mapped IPv6 address is
 * its IPv4 text, as in geth). It is `''` when the field is not a 4- or 16-byte address:
 * geth sends empty bytes when it does not know its own address, and the spec says to use
 * the packet's source address instead. Encoding `''` sends empty bytes.
 */
export interface Endpoint {
  readonly ip: string
  readonly udp: number
  readonly tcp: number
}

/**
 * Ping (0x01): `[version, from, to, expiration, enr-seq?, ...]`.
 *
 * `enrSeq` (EIP-868) is the sender's record sequence number. It is read only when its
 * slot holds a canonical unsigned 64-bit integer; anything else there (a list, as in two
 * of the EIP-8 test packets that predate EIP-868, or non-canonical bytes) is taken to be
 * an extra element of an older sender and ignored, so `enrSeq` is absent. geth instead
 * rejects such packets; accepting them keeps EIP-8's promise that extra elements are
 * ignored, and an absent `enrSeq` only means "do not know".
 */
export interface PingPacket {
  readonly type: 'ping'
  /** 4 from current senders; other values are accepted (EIP-8). */
  readonly version: number
  /** The sender's endpoint as it sees it (receivers use the UDP source address instead). */
  readonly from: Endpoint
  /** The recipient's endpoint as the sender sees it. */
  readonly to: Endpoint
  /**
   * Unix time in seconds after which the packet is void (see {@link isExpired}). Up to 8
   * bytes on the wire, read as geth reads it, a signed 64-bit time: a value of 2^63 or
   * more is the two's complement of a negative time, so it decodes negative and is
   * always expired (geth's `devp2p discv4 test` sends such values). A value above
   * 2^53 − 1 decodes rounded (it is only ever compared), and one above 2^64 − 1 is
   * `MALFORMED`. The same holds for every packet's `expiration`.
   */
  readonly expiration: number
  readonly enrSeq?: bigint
}

/** Pong (0x02): `[to, ping-hash, expiration, enr-seq?, ...]`; `enrSeq` as in {@link PingPacket}. */
export interface PongPacket {
  readonly type: 'pong'
  /** The endpoint the Ping came from, as the Pong's sender saw it (our external address). */
  readonly to: Endpoint
  /** The hash of the Ping this answers (32 bytes). */
  readonly pingHash: Uint8Array
  readonly expiration: number
  readonly enrSeq?: bigint
}

/** FindNode (0x03): `[target, expiration, ...]`. */
export interface FindNodePacket {
  readonly type: 'findnode'
  /** A 64-byte public key (x ‖ y); not necessarily a valid point (random lookups). */
  readonly target: Uint8Array
  readonly expiration: number
}

/** One node of a Neighbors packet: `[ip, udp, tcp, public-key]`. */
export interface NeighborsNode {
  /** Canonical IP text (never `''`: entries without a 4- or 16-byte address are skipped). */
  readonly ip: string
  readonly udp: number
  readonly tcp: number
  /**
   * 64 bytes x ‖ y. When decoded, **not yet checked to be a point on secp256k1**: convert
   * the entry with `ENode.fromPublicKey`, which checks it, and drop the entry when that
   * throws (geth's `nodeFromRPC` does the same). Checking here would cost every Neighbors
   * packet up to 12 point checks (≈ 20 % of its verification with native secp256k1) that
   * the conversion repeats anyway.
   */
  readonly publicKey: Uint8Array
}

/**
 * Neighbors (0x04): `[[ip, udp, tcp, public-key], ..., expiration, ...]`.
 *
 * Decoding keeps the packet when single entries are unusable, as geth does when it
 * converts them: an entry whose IP is not 4 or 16 bytes is left out of `nodes` and
 * counted in `skipped`; keys are left for the conversion to check (see
 * {@link NeighborsNode.publicKey}). An entry of the wrong shape (not a list of at least
 * four items, a port that is not an integer up to 65535, a key that is not 64 bytes)
 * makes the whole packet `MALFORMED`, as geth's RLP decoding does.
 */
export interface NeighborsPacket {
  readonly type: 'neighbors'
  readonly nodes: readonly NeighborsNode[]
  readonly expiration: number
  /** Decoding only: how many entries were left out of `nodes` (absent when none). */
  readonly skipped?: number
}

/** ENRRequest (0x05, EIP-868): `[expiration, ...]`. */
export interface EnrRequestPacket {
  readonly type: 'enrrequest'
  readonly expiration: number
}

/**
 * ENRResponse (0x06, EIP-868): `[request-hash, record, ...]`. When decoded, the record
 * is valid, its signature verified, and it belongs to the node that signed the packet.
 * It has no expiration.
 */
export interface EnrResponsePacket {
  readonly type: 'enrresponse'
  /** The hash of the ENRRequest this answers (32 bytes). */
  readonly requestHash: Uint8Array
  readonly record: Enr
}

/** Any discovery v4 packet, discriminated by `type`. */
export type Packet =
  | PingPacket
  | PongPacket
  | FindNodePacket
  | NeighborsPacket
  | EnrRequestPacket
  | EnrResponsePacket

/** What {@link encodePacket} returns. */
export interface EncodedPacket {
  /** The datagram, at most 1280 bytes. */
  readonly bytes: Uint8Array
  /** Its hash (the first 32 bytes): what a Pong or ENRResponse to it carries. */
  readonly hash: Uint8Array
}

/** What {@link decodePacket} returns; every array is owned by the caller. */
export interface DecodedPacket {
  readonly packet: Packet
  /** The packet's hash (32 bytes), verified: reply tokens are matched against it. */
  readonly hash: Uint8Array
  /** The sender's public key (64 bytes x ‖ y), recovered from the signature. */
  readonly publicKey: Uint8Array
  /** The sender's node id, keccak256 of `publicKey`. */
  readonly nodeId: NodeId
  /** `nodeId` as hex, for maps. */
  readonly nodeIdHex: NodeIdHex
}
