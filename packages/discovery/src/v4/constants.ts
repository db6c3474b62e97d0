/**
 * Limits and fixed values of discovery v4 (devp2p discv4.md, EIP-8, EIP-868), with
 * go-ethereum's choices where the spec leaves one open.
 */

/** The largest packet anyone may send or we accept, in bytes (discv4.md "Wire Protocol"). */
export const MAX_PACKET_BYTES = 1280

/** hash(32) ‖ signature(65): what precedes the packet type. */
export const HEADER_BYTES = 97

/** The smallest packet that can be one: the header and the packet-type byte. */
export const MIN_PACKET_BYTES = HEADER_BYTES + 1

/** Neighbors entries per packet (geth: what fits in 1280 bytes with IPv6 addresses). */
export const MAX_NEIGHBORS_PER_PACKET = 12

/** k: entries per Kademlia bucket, and nodes returned for one FindNode in total. */
export const BUCKET_SIZE = 16

/** Seconds from now to the `expiration` of a packet we send (geth: 20 s). */
export const EXPIRATION_S = 20

/** The `version` field of the Ping we send. Receivers ignore a different value (EIP-8). */
export const PROTOCOL_VERSION = 4

/** The packet-type byte of each packet. */
export const PACKET_TYPES = {
  ping: 0x01,
  pong: 0x02,
  findnode: 0x03,
  neighbors: 0x04,
  enrrequest: 0x05,
  enrresponse: 0x06,
} as const
