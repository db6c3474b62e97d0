/** Size of a secp256k1 private key. */
export const PRIVATE_KEY_BYTES = 32
/** Size of a public key in devp2p's form: x ‖ y without the SEC1 prefix (also a node id). */
export const PUBLIC_KEY_BYTES = 64
/** Size of a SEC1 compressed public key: 0x02 or 0x03 ‖ x. */
export const COMPRESSED_PUBLIC_KEY_BYTES = 33
/** Size of a SEC1 uncompressed public key: 0x04 ‖ x ‖ y. */
export const UNCOMPRESSED_PUBLIC_KEY_BYTES = 65
/** Size of a recoverable signature: r ‖ s ‖ v. */
export const SIGNATURE_BYTES = 65
/** Size of a signature without recovery id: r ‖ s. */
export const COMPACT_SIGNATURE_BYTES = 64
/** Size of a message digest to sign (keccak256 output). */
export const DIGEST_BYTES = 32
/** Size of the ECDH shared secret (the x coordinate). */
export const SHARED_SECRET_BYTES = 32

/** Size of a SHA-256 digest (the concat KDF's block). */
export const SHA256_BYTES = 32
/** Longest concat KDF output (NIST SP 800-56A: the 32-bit counter must not wrap). */
export const MAX_KDF_BYTES = (2 ** 32 - 1) * SHA256_BYTES

/** Size of the AES-128 key ECIES derives (kE; the HMAC key kM is derived from as many bytes). */
export const AES_KEY_BYTES = 16
/** Size of the AES-128-CTR IV inside an ECIES message. */
export const ECIES_IV_BYTES = 16
/** Size of the HMAC-SHA256 tag at the end of an ECIES message. */
export const ECIES_MAC_BYTES = 32
/** Bytes an ECIES message adds to its plaintext: R(65) ‖ iv(16) ‖ … ‖ mac(32). */
export const ECIES_OVERHEAD_BYTES = UNCOMPRESSED_PUBLIC_KEY_BYTES + ECIES_IV_BYTES + ECIES_MAC_BYTES

/** A node key file holds the private key as this many hex characters. */
export const KEY_HEX_CHARS = 64
/** geth's LoadECDSA accepts up to two trailing line-end characters (\n or \r). */
export const MAX_TRAILING_LINE_END_BYTES = 2
/** The most bytes read from a node key file; a longer file is corrupt. */
export const MAX_KEY_FILE_BYTES = KEY_HEX_CHARS + MAX_TRAILING_LINE_END_BYTES

/**
 * Random requests up to this size are served from a pool drawn ahead
 * ({@link RANDOM_POOL_BYTES} at a time); larger ones go to the OS directly.
 */
export const RANDOM_POOLED_MAX_BYTES = 256
/** Bytes drawn from the OS CSPRNG at a time for the random pool. */
export const RANDOM_POOL_BYTES = 4096

/** Permissions of a node key file we create (owner read/write only). */
export const NODE_KEY_FILE_MODE = 0o600
/** Permissions of a node key directory we create (owner only). */
export const NODE_KEY_DIR_MODE = 0o700
/**
 * A temporary node key file older than this is a leftover of a crash and is removed
 * after a successful create; younger ones may belong to a concurrent creator.
 */
export const NODE_KEY_TEMP_STALE_MS = 60_000

/** Size of an AES block, and so of an AES-CTR IV (the initial counter block). */
export const AES_BLOCK_BYTES = 16
/** Size of an AES-GCM nonce as devp2p uses it (96 bits, GCM's native size). */
export const AES_GCM_NONCE_BYTES = 12
/** Size of the AES-GCM authentication tag appended to the ciphertext. */
export const AES_GCM_TAG_BYTES = 16
/** Longest HKDF-SHA256 output (RFC 5869: 255 blocks of the hash). */
export const MAX_HKDF_SHA256_BYTES = 255 * SHA256_BYTES
