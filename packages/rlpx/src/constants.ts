/** Largest auth or ack packet accepted, counted like geth: the size prefix's value (the ECIES part). */
export const MAX_HANDSHAKE_PACKET_BYTES = 2048
/** Size of a pre-EIP-8 auth packet (plain ECIES, no size prefix). */
export const LEGACY_AUTH_BYTES = 307
/** Size of a pre-EIP-8 ack packet (plain ECIES, no size prefix). */
export const LEGACY_ACK_BYTES = 210
/** Random padding added to our auth and ack: at least this many bytes (EIP-8, geth). */
export const HANDSHAKE_PADDING_MIN_BYTES = 100
/** Random padding added to our auth and ack: fewer than this many bytes (geth: 100 + Intn(100)). */
export const HANDSHAKE_PADDING_MAX_BYTES = 200
/** Version number we put in auth and ack. */
export const HANDSHAKE_VERSION = 4

/** Whole encryption handshake deadline (geth: handshakeTimeout). */
export const HANDSHAKE_TIMEOUT_MS = 5_000
/** Deadline for one whole inbound message once `readMsg` is called (geth: frameReadTimeout). */
export const READ_TIMEOUT_MS = 30_000
/**
 * After a read timeout, how long writes stay open for the caller to tell the peer why
 * (p2p: Disconnect "read timeout", as geth) before the stream is destroyed anyway.
 */
export const READ_TIMEOUT_LINGER_MS = 2_000
/** Deadline for the peer to accept one outbound frame (geth: frameWriteTimeout). */
export const WRITE_TIMEOUT_MS = 20_000
/** How long `close()` waits for queued bytes to flush before destroying the stream. */
export const CLOSE_FLUSH_TIMEOUT_MS = 1_000

/** Largest frame size (rlp(code) ‖ payload, before padding): the 3-byte size field's range. */
export const MAX_FRAME_BYTES = 0xff_ffff
/** Largest decoded size of a snappy-compressed message (EIP-706: below 2^24). */
export const MAX_SNAPPY_DECODED_BYTES = 0xff_ffff
/**
 * Largest payload a `SNAPPY_INVALID` error carries as `rawMsg` (the message that did not
 * decompress). A Disconnect is at most 3 bytes; a larger payload is left off, so that a
 * peer cannot pin up to 16 MiB in an error that outlives its connection.
 */
export const RAW_MSG_MAX_BYTES = 64

/**
 * Outbound frames below this size open a coalescing window (corked until the next tick,
 * so the frames of one tick leave in one `writev`). Larger ones gain nothing from it,
 * and a corked frame near the high-water mark would make `write()` report back-pressure
 * (and the writer wait for `'drain'`) on every frame.
 */
export const COALESCE_BELOW_BYTES = 4096
/**
 * Snappy payloads that declare at most this many decoded bytes are decoded in JavaScript
 * (snappy-small.ts), where libsnappy's fixed cost per call is larger than the work.
 */
export const SNAPPY_DECODE_IN_JS_BYTES = 2048
/**
 * Payloads of at most this many bytes are snappy-compressed in JavaScript
 * (snappy-small-encode.ts), where libsnappy's fixed cost per call is larger than the work.
 */
export const SNAPPY_ENCODE_IN_JS_BYTES = 1024

/**
 * Slab size of the memory frames are built in: a frame lives only until the stream has
 * written it, so big slabs (fewer allocations) cost nothing.
 */
export const SEND_SLAB_BYTES = 65_536
/**
 * Slab size of the memory frames are decrypted into. Payloads are views of it, which
 * callers may keep, so it is node's Buffer pool size: a kept payload holds on to no more
 * than a kept Buffer would.
 */
export const RECEIVE_SLAB_BYTES = 8192
/** Largest padded body decrypted into the one reused buffer for snappy frames. */
export const TRANSIENT_FRAME_BYTES = 8192

/** The AES-CTR key stream drawn ahead per direction: the first draw, then doubling… */
export const KEYSTREAM_FIRST_BYTES = 256
/** …up to this many bytes. */
export const KEYSTREAM_MAX_BYTES = 16_384
/** Inputs at least this long (past what is drawn ahead) go through the cipher directly. */
export const KEYSTREAM_DIRECT_BYTES = 2048

/** Frame header: 16 bytes of ciphertext plus the 16-byte header-mac. */
export const FRAME_HEADER_BYTES = 32
/** Length of each MAC tag on the wire. */
export const MAC_BYTES = 16
/** Smallest EIP-8 size prefix worth reading: the ECIES overhead (113) plus one byte. */
export const ECIES_MIN_PACKET_BYTES = 114

/**
 * Fairness: `readMsg` yields to the event loop (one `setImmediate`) after serving this
 * many messages without a yield. Bytes a peer sent in one burst are otherwise all served
 * in microtasks (libuv reads up to 32 × 64 KiB per socket event), so one flooding peer
 * would hold the loop, every other peer and timer with it, for as long as that takes.
 */
export const READ_YIELD_EVERY_MSGS = 64
/** …or once this long has passed since the last yield, whichever comes first… */
export const READ_YIELD_AFTER_MS = 2
/** …the clock being read every this many messages (a power of two), not every message. */
export const READ_YIELD_CHECK_EVERY_MSGS = 8
