/**
 * Sizes, limits and fixed values of discovery v5.1 (devp2p discv5-wire.md and
 * discv5-theory.md), with go-ethereum's choices where the spec leaves one open. The
 * table's, the lookups' and the maintenance's are in `../kad/constants.ts`.
 */
import { MAX_RECORD_BYTES } from '@devp2p/enode'

/** The largest packet anyone may send or we accept, in bytes (discv5-wire.md "UDP Communication"). */
export const MAX_PACKET_BYTES = 1280
/** The smallest packet we accept: a WHOAREYOU, masking IV, static header and its authdata. */
export const MIN_PACKET_BYTES = 63

/** `protocol-id` of the static header. */
export const PROTOCOL_ID = 'discv5'
/** `version` of the static header we send; packets with a lower one are refused (geth: higher ones are read). */
export const PROTOCOL_VERSION = 1

/** The random IV in front of every packet: the initial counter block of the header mask. */
export const MASKING_IV_BYTES = 16
/** protocol-id(6) ‖ version(2) ‖ flag(1) ‖ nonce(12) ‖ authdata-size(2). */
export const STATIC_HEADER_BYTES = 23
/** The message nonce (AES-GCM's), unique per message packet we send. */
export const NONCE_BYTES = 12
/** The random challenge of a WHOAREYOU. */
export const ID_NONCE_BYTES = 16
/** A node id, and the authdata of an ordinary message packet (the sender's id). */
export const NODE_ID_BYTES = 32
/** WHOAREYOU authdata: id-nonce(16) ‖ enr-seq(8). */
export const WHOAREYOU_AUTHDATA_BYTES = 24
/** Handshake authdata head: src-id(32) ‖ sig-size(1) ‖ eph-key-size(1). */
export const HANDSHAKE_AUTHDATA_HEAD_BYTES = 34
/** The id-signature of the "v4" identity scheme: r ‖ s. */
export const ID_SIGNATURE_BYTES = 64
/** The ephemeral public key of the "v4" identity scheme: SEC1 compressed. */
export const EPHEMERAL_KEY_BYTES = 33
/**
 * Bytes after the static header of a message or handshake packet, at least (geth's
 * minMessageSize): an ordinary packet's authdata (32) and a GCM tag (16). Less is
 * `TOO_SMALL`.
 */
export const MIN_MESSAGE_PACKET_DATA_BYTES = 48
/** The AES-GCM tag at the end of every message. */
export const MESSAGE_TAG_BYTES = 16
/** Session keys (initiator-key, recipient-key): AES-128. */
export const SESSION_KEY_BYTES = 16
/** Random message bytes in the packet that starts a handshake (geth: 20). */
export const RANDOM_MESSAGE_BYTES = 20

/** The packet kinds by `flag` value. */
export const PACKET_FLAGS = { message: 0, whoareyou: 1, handshake: 2 } as const

/** The message types by `message-type` byte. */
export const MESSAGE_TYPES = {
  ping: 0x01,
  pong: 0x02,
  findnode: 0x03,
  nodes: 0x04,
  talkreq: 0x05,
  talkresp: 0x06,
} as const

/** The longest request id (discv5-wire.md "Protocol Messages"). */
export const MAX_REQUEST_ID_BYTES = 8
/** The largest FINDNODE distance (log2 of the XOR distance; 0 asks for the record itself). */
export const MAX_DISTANCE = 256
/** Distances in one FINDNODE, at most: each of 0–256 once. */
export const MAX_FINDNODE_DISTANCES = MAX_DISTANCE + 1
/** NODES `total` as geth reads it (a uint8); a larger value is `MALFORMED`. */
export const MAX_NODES_TOTAL = 255
/** Records in the whole answer to one FINDNODE (the spec's recommended result limit). */
export const MAX_NODES_RECORDS = 16
/** NODES messages in the answer to one FINDNODE, at most (geth's totalNodesResponseLimit). */
export const MAX_NODES_MESSAGES = 5

/**
 * Record bytes one NODES message can carry in an ordinary packet of 1280 bytes: what is
 * left after the header (16 + 23 + 32), the tag (16), the type byte and the RLP around
 * the records (list headers of up to 3 bytes each, a request id of up to 9, total 1).
 */
export const NODES_RECORD_BYTES_PER_MESSAGE =
  MAX_PACKET_BYTES -
  (MASKING_IV_BYTES + STATIC_HEADER_BYTES + NODE_ID_BYTES + MESSAGE_TAG_BYTES) -
  1 -
  (3 + (1 + MAX_REQUEST_ID_BYTES) + 1 + 3)

/** HKDF `info` prefix of the session key derivation. */
export const KEY_AGREEMENT_TEXT = 'discovery v5 key agreement'
/** Prefix of the id-signature's input. */
export const ID_PROOF_TEXT = 'discovery v5 identity proof'

/** Sessions kept, the least recently used dropped first (geth: 1024); keyed by node id and ip:port. */
export const SESSION_CACHE_MAX_ENTRIES = 1024
/** Bytes of a message nonce taken by the session's counter; the rest is random (discv5-theory.md). */
export const NONCE_COUNTER_BYTES = 4
/** How long a WHOAREYOU we sent can be answered (geth's handshakeTimeout; the spec: 1 s). */
export const CHALLENGE_TTL_MS = 1000
/**
 * Challenges awaiting a handshake, at most; the oldest (the nearest to expiry) dropped
 * first. Each costs about 300 bytes; a flood of packets from forged addresses that evicts
 * a real peer's challenge within its second only makes that peer try again.
 */
export const CHALLENGE_CACHE_MAX_ENTRIES = 4096

/** The UDP listen address of the service when none is given. */
export const DEFAULT_LISTEN_ADDR = ':30303'
/** The request ids we choose: random, the most the spec allows (geth: 8). */
export const REQUEST_ID_BYTES = MAX_REQUEST_ID_BYTES
/**
 * How long we wait for the (next) response to a request (geth's respTimeoutV5: 700 ms);
 * it starts again when we send the handshake a WHOAREYOU asked for, and at each NODES
 * message of a multi-message answer.
 */
export const RESPONSE_TIMEOUT_MS = 700
/**
 * Our requests awaiting responses, at most; beyond it a request fails at once with
 * `TOO_MANY_REQUESTS`. Requests waiting for a handshake with their node count too.
 */
export const MAX_PENDING_REQUESTS = 2048
/**
 * TALKREQ handlers running at once; a TALKREQ beyond it is dropped unanswered (the
 * requester times out), so a flood cannot queue work without end.
 */
export const MAX_TALK_HANDLERS_IN_FLIGHT = 200
/**
 * How long a TALKREQ handler may take: after it its slot is freed and its answer
 * dropped (the requester has given up by then: `RESPONSE_TIMEOUT_MS`).
 */
export const TALK_HANDLER_TIMEOUT_MS = RESPONSE_TIMEOUT_MS
/**
 * Relayed records whose UDP port is at most this are not used (geth's `errLowPort`,
 * as discv4's Neighbors).
 */
export const MIN_RELAYED_UDP_PORT = 1024
/**
 * Distances of the FINDNODE one lookup step sends: the target's log distance to the
 * asked node, then its neighbours (geth's lookupRequestLimit).
 */
export const LOOKUP_DISTANCES = 3
/**
 * The largest request message (plaintext) we send: what fits a handshake packet that
 * carries our record (masking IV, static header, authdata with signature, key and a
 * record of up to 300 bytes, the tag), since any request may have to go in one.
 */
export const MAX_REQUEST_MESSAGE_BYTES =
  MAX_PACKET_BYTES -
  (MASKING_IV_BYTES +
    STATIC_HEADER_BYTES +
    HANDSHAKE_AUTHDATA_HEAD_BYTES +
    ID_SIGNATURE_BYTES +
    EPHEMERAL_KEY_BYTES +
    MAX_RECORD_BYTES +
    MESSAGE_TAG_BYTES)
