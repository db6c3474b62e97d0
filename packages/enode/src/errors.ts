/**
 * Why an ENR was refused. Every code is caused by the input (a record from a peer, a DNS
 * tree, a user), never by the caller; misuse throws `TypeError` or `RangeError`.
 *
 * - `MISSING_PREFIX`: text that should be a record does not start with `enr:`.
 * - `INVALID_BASE64`: the text after `enr:` is not unpadded URL-safe base64.
 * - `TOO_LARGE`: the encoded record is longer than 300 bytes (EIP-778).
 * - `INVALID_RLP`: the bytes are not strict RLP (the `cause` is the `RlpError`).
 * - `INVALID_FORMAT`: not a list `[signature, seq, k, v, ...]` with byte-string keys, an
 *   even number of items and a canonical 64-bit seq.
 * - `UNSORTED_KEYS`: a key is smaller than the key before it.
 * - `DUPLICATE_KEY`: a key appears twice.
 * - `UNKNOWN_ID_SCHEME`: the `id` entry is missing or is not `v4`.
 * - `INVALID_PUBLIC_KEY`: the `secp256k1` entry is missing or not a valid compressed point.
 * - `INVALID_SIGNATURE`: the signature is not 64 bytes or does not verify.
 * - `INVALID_VALUE`: a typed entry (`ip`, `tcp`, `udp`, `ip6`, `tcp6`, `udp6`) is
 *   malformed, e.g. a 3-byte `ip` or a port above 65535.
 */
export type EnrErrorCode =
  | 'MISSING_PREFIX'
  | 'INVALID_BASE64'
  | 'TOO_LARGE'
  | 'INVALID_RLP'
  | 'INVALID_FORMAT'
  | 'UNSORTED_KEYS'
  | 'DUPLICATE_KEY'
  | 'UNKNOWN_ID_SCHEME'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_SIGNATURE'
  | 'INVALID_VALUE'

/**
 * Why an enode URL, node text or the node database was refused.
 *
 * enode URLs (each names the part that is wrong):
 * - `INVALID_SCHEME`: the text starts with neither `enode://` nor `enr:`.
 * - `INVALID_URL`: the URL has a part enode URLs never have (a path, a fragment, a
 *   password), or is longer than any enode URL can be.
 * - `INVALID_PUBLIC_KEY`: the node's key is not 128 hex characters of a point on
 *   secp256k1.
 * - `INVALID_HOST`: the host is neither an IP address nor a valid DNS host name.
 * - `INVALID_PORT`: the TCP port is missing or not a decimal number 0–65535.
 * - `INVALID_DISCPORT`: the `discport` query value is not a decimal number 0–65535, or
 *   appears twice.
 *
 * Node database:
 * - `DB_UNAVAILABLE`: the database could not be opened even after a reset, or it is
 *   locked by another process (the `cause` is the LevelDB error).
 * - `DB_LEVELDB_MISSING`: a path was given but `classic-level` (LevelDB, an optional peer
 *   dependency) is not installed or its native binary does not load; install it, or
 *   open the database in memory.
 *
 * ENR problems are an {@link EnrError}, a subclass, with an {@link EnrErrorCode}.
 */
export type EnodeErrorCode =
  | 'INVALID_SCHEME'
  | 'INVALID_URL'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_HOST'
  | 'INVALID_PORT'
  | 'INVALID_DISCPORT'
  | 'DB_UNAVAILABLE'
  | 'DB_LEVELDB_MISSING'
  | EnrErrorCode

/**
 * The error this package throws for bad input. Catch `EnodeError` to catch every
 * problem with node input, records included ({@link EnrError} is a subclass).
 *
 * @example
 * ```ts
 * try {
 *   parseNode(text)
 * } catch (err) {
 *   if (err instanceof EnodeError) logger.warn({ code: err.code }, 'bad bootnode')
 *   else throw err
 * }
 * ```
 */
export class EnodeError extends Error {
  override readonly name: string = 'EnodeError'
  readonly code: EnodeErrorCode

  constructor(code: EnodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/**
 * A node record (EIP-778) was refused. It is an {@link EnodeError} whose `code` is an
 * {@link EnrErrorCode}.
 */
export class EnrError extends EnodeError {
  override readonly name: string = 'EnrError'
  declare readonly code: EnrErrorCode

  constructor(code: EnrErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
