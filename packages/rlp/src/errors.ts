/**
 * Why decoding failed. Every code is caused by the input (a remote peer), never by the
 * caller; misuse throws `TypeError` or `RangeError` instead.
 *
 * Strict RLP (from {@link decode}):
 * - `EMPTY_INPUT`: no bytes at all.
 * - `TRUNCATED`: a length runs past the end of the input or of the enclosing list,
 *   including length fields too large to represent.
 * - `NON_CANONICAL_SIZE`: a size is not in its one minimal form: a single byte below
 *   0x80 wrapped in a string header, a long-form length below 56, or a length with
 *   leading zero bytes.
 * - `TRAILING_BYTES`: bytes follow the value and the caller did not allow them.
 * - `TOO_DEEP`: lists nest deeper than `maxDepth`.
 *
 * Schemas (from {@link decodeAs} and {@link fromRlp}; these errors carry a `path`):
 * - `SCHEMA_MISMATCH`: wrong kind (list for bytes or back), length or item count.
 * - `NON_CANONICAL_INT`: an integer with leading zero bytes.
 * - `INT_OVERFLOW`: an integer larger than the schema allows.
 * - `INVALID_UTF8`: a string schema met bytes that are not UTF-8.
 */
export type RlpErrorCode =
  | 'EMPTY_INPUT'
  | 'TRUNCATED'
  | 'NON_CANONICAL_SIZE'
  | 'TRAILING_BYTES'
  | 'TOO_DEEP'
  | 'SCHEMA_MISMATCH'
  | 'NON_CANONICAL_INT'
  | 'INT_OVERFLOW'
  | 'INVALID_UTF8'

/** Where an {@link RlpError} happened and what caused it. */
export interface RlpErrorOptions {
  /** Byte offset in the input of the item at fault. */
  readonly offset?: number
  /** Schema path of the item at fault, e.g. `hello.caps[2].version`. */
  readonly path?: string
  readonly cause?: unknown
}

/**
 * The one error this package throws for bad input. Input from the network is never a
 * crash: catch `RlpError`, drop the packet or peer, and log `code`.
 *
 * @example
 * ```ts
 * try {
 *   decode(bytes)
 * } catch (err) {
 *   if (err instanceof RlpError) log.debug('bad rlp', { code: err.code, offset: err.offset })
 *   else throw err
 * }
 * ```
 */
export class RlpError extends Error {
  override readonly name = 'RlpError'
  readonly code: RlpErrorCode
  /**
   * Byte offset in the decoded input of the item at fault (its header byte), or
   * `undefined` when there were no input bytes ({@link fromRlp} works on decoded values).
   */
  readonly offset: number | undefined
  /** Schema path of the item at fault (`hello.caps[2].version`); only for schema errors. */
  readonly path: string | undefined

  constructor(code: RlpErrorCode, message: string, options: RlpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.offset = options.offset
    this.path = options.path
  }
}
