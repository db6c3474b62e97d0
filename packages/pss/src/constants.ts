/** The devp2p capability name of pss, as Swarm's. */
export const PSS_PROTOCOL_NAME = 'pss'
/** Swarm's last pss version; our wire format is documented in the README. */
export const PSS_PROTOCOL_VERSION = 2
/** Message codes: 0 is a pss message, the only one. */
export const PSS_PROTOCOL_LENGTH = 1
/** The code of a pss message inside the protocol. */
export const PSS_MSG_CODE = 0

/** The largest encoded pss message (RLP list, as on the wire), as Swarm's 1 MiB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** A destination is 0–32 bytes: a prefix of a 32-byte overlay address (a node id). */
export const MAX_ADDRESS_BYTES = 32
/** A topic is 4 bytes (the first bytes of keccak256 of a name, see `stringToTopic`). */
export const TOPIC_BYTES = 4
/** The widest expiry on the wire (a uint64 of Unix seconds). */
export const MAX_EXPIRY_BYTES = 8

/** Flag values: 0 is a raw (unencrypted) message. */
export const FLAG_RAW = 0
/** Flag bit: the payload is an asymmetric (ECIES) envelope. */
export const FLAG_ASYMMETRIC = 1
/** Flag bit: the payload is a symmetric (AES-GCM) envelope. */
export const FLAG_SYMMETRIC = 2

/** Lifetime of a message we send, as Swarm's default. */
export const DEFAULT_TTL_S = 120
/** A message expiring further in the future than this is dropped (it could outlive every cache). */
export const MAX_TTL_S = 600

/** How long a message's digest is remembered to drop repeats, as Swarm's. */
export const DIGEST_TTL_MS = 10_000
/** The most digests remembered; when full, the one expiring soonest goes first. */
export const MAX_DIGESTS = 65_536

/** Peers a message is handed to when it is routed toward an address (the closest first). */
export const DEFAULT_FANOUT = 1
/** At most this many sends (forwards, attempts included) per inbound message: no amplification. */
export const MAX_FORWARDS_PER_MESSAGE = 16

/** Per-peer receive rate: messages per second refilled into its bucket. */
export const PEER_RATE_MSGS_PER_S = 200
/** Per-peer receive burst: the bucket's size in messages. */
export const PEER_BURST_MSGS = 400
/** Per-peer receive rate: bytes per second refilled into its bucket. */
export const PEER_RATE_BYTES_PER_S = 2 * 1024 * 1024
/** Per-peer receive burst in bytes (at least one largest message). */
export const PEER_BURST_BYTES = 4 * 1024 * 1024

/** Messages waiting to be written to one peer; more are dropped and counted. */
export const MAX_OUTBOX_MESSAGES = 64
/** Bytes waiting to be written to one peer; more are dropped and counted. */
export const MAX_OUTBOX_BYTES = 4 * 1024 * 1024

/** Messages a subscription holds for a consumer that is behind; then the oldest is dropped. */
export const MAX_SUBSCRIPTION_BUFFER = 256
