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
/**
 * `PssRouter.wantsPeer`: a dial candidate is wanted while its proximity-order bin holds
 * fewer connected peers than this (the bins Swarm's hive kept filled); 2 did worse in the
 * simulation, filling `maxPeers` near the neighbourhood.
 */
export const DEFAULT_BIN_PEERS = 1
/**
 * `pss.protocol.wantsPeer`, which the p2p server asks before it gives a node one of its
 * reserved slots: one more peer per bin than we dial for. A node that dials us wants
 * us (our bin for it may be full while its bin for us is empty); the simulation's
 * `mixed` topology then delivered every message without churn (with 1, 99.3–99.8 %).
 */
export const ADMIT_BIN_PEERS = 2
/**
 * How often our dial candidates include a lookup of our own key (our nearest neighbours,
 * whom random lookups rarely find), when discovery can look up (`kademliaCandidates`).
 */
export const NEIGHBOURHOOD_LOOKUP_INTERVAL_MS = 30_000
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

/** Messages waiting for one virtual peer's protocol to read them; more are dropped and counted. */
export const MAX_VIRTUAL_PEER_QUEUE_MSGS = 64
/** Virtual peers one accepting `runProtocol` runs at once; writers beyond it are ignored. */
export const MAX_VIRTUAL_PEERS = 64
/** A virtual peer of an accepting `runProtocol` whose remote sent nothing for this long ends. */
export const VIRTUAL_PEER_IDLE_MS = 300_000

// ── envelopes, keys and the handshake (ENCRYPTION.md) ─────────────────────────────

/*
 * Limits, sizes and timeouts of pss's encryption: the envelopes, the key store and the
 * key-exchange handshake (docs/LIMITS.md lists each one; ENCRYPTION.md the formats).
 */

/**
 * Version byte at the start of every inner plaintext (ENCRYPTION.md). Version 2 added
 * the stamp (time and id) that replay protection needs; version 1 is refused.
 */
export const ENVELOPE_VERSION = 2

/**
 * The inner plaintext is padded to a multiple of this many bytes. pss used 16 (the AES
 * block); 256 hides more: every chat line under ~180 bytes has the same size on the wire.
 */
export const PADDING_BLOCK_BYTES = 256

/** The largest `padTo` a sender may ask for (pss's maximum message size, 1 MiB). */
export const MAX_PAD_TO_BYTES = 1_048_576

/** Random bytes naming one envelope; with its time, what the replay guard remembers. */
export const ENVELOPE_ID_BYTES = 8

/**
 * version (1) ‖ flags (1) ‖ time (8: uint64 Unix ms, big-endian) ‖ id (8) ‖ payload
 * length (4, big-endian) at the start of the inner plaintext.
 */
export const INNER_HEADER_BYTES = 2 + 8 + ENVELOPE_ID_BYTES + 4

/** The largest payload an envelope can carry: the 4-byte length field's range is larger. */
export const MAX_ENVELOPE_PAYLOAD_BYTES = MAX_PAD_TO_BYTES

/**
 * A signed envelope carries the signer's compressed public key (33) and a compact
 * low-s ECDSA signature r ‖ s (64), checked with `verify`: a signature over another
 * digest is rejected, where recovering a key from it would just give a stranger's key.
 */
export const SIGNER_BLOCK_BYTES = 33 + 64

/** An envelope sealed further in the future than this (clocks disagree) is dropped. */
export const MAX_CLOCK_SKEW_MS = 60_000

/**
 * An envelope sealed longer ago than this (by the recipient's clock) is dropped as stale:
 * a message can live `MAX_TTL_S`, plus `MAX_CLOCK_SKEW_MS` between the two clocks. Within
 * it, the replay guard remembers every envelope it let through.
 */
export const MAX_ENVELOPE_AGE_MS = MAX_TTL_S * 1000 + MAX_CLOCK_SKEW_MS

/**
 * Envelopes the replay guard remembers. When full, the oldest is forgotten and every
 * envelope sealed no later than it is refused from then on (never a replay let through).
 */
export const MAX_SEEN_ENVELOPES = 65_536

/** Symmetric keys are AES-256 keys. */
export const SYM_KEY_BYTES = 32

/** AES-256-GCM nonce, random per envelope. */
export const SYM_NONCE_BYTES = 12

/** AES-256-GCM authentication tag. */
export const SYM_TAG_BYTES = 16

/**
 * A short keyed hint in front of each symmetric envelope (HMAC-SHA256(key, nonce), first
 * bytes), so a receiver holding many keys rejects a wrong key without decrypting.
 */
export const SYM_KEY_HINT_BYTES = 8

/** Bytes a symmetric envelope adds to its padded inner plaintext: hint, nonce, tag. */
export const SYM_OVERHEAD_BYTES = SYM_KEY_HINT_BYTES + SYM_NONCE_BYTES + SYM_TAG_BYTES

/** Symmetric keys held by a {@link KeyStore} (pss: 512); the oldest added goes first. */
export const MAX_SYM_KEYS = 512

/**
 * Keys tried for one inbound symmetric message (newest first). Each try costs one
 * HMAC over 12 bytes; only a key whose hint matches is used to decrypt.
 */
export const MAX_SYM_TRIES_PER_MESSAGE = 64

/** (public key, topic) → routing address entries of a {@link KeyStore}; the oldest goes first. */
export const MAX_PEER_PUBLIC_KEYS = 1024

/** How long a handshake waits for the answer. */
export const HANDSHAKE_TIMEOUT_MS = 30_000

/** How long keys agreed by a handshake live (both sides expire them). */
export const HANDSHAKE_KEY_LIFETIME_MS = 3_600_000

/** Handshakes we have started and not finished, per remote public key. */
export const MAX_PENDING_HANDSHAKES_PER_PEER = 4

/** Handshakes we have started and not finished, all peers together. */
export const MAX_PENDING_HANDSHAKES = 256

/** Request ids remembered (until their deadline) so a replayed request is not answered. */
export const MAX_SEEN_HANDSHAKE_REQUESTS = 4096

/** A handshake request may claim to stay valid at most this long from now. */
export const MAX_HANDSHAKE_REQUEST_AGE_MS = 120_000

/** Handshake message format version (the first RLP item). */
export const HANDSHAKE_VERSION = 1

/** Random bytes identifying one handshake request; the answer echoes them. */
export const HANDSHAKE_ID_BYTES = 16

/** The largest handshake message we decode; a real one is under 100 bytes. */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 256
