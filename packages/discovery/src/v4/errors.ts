/**
 * Why a discovery v4 packet was refused. Every code is caused by the bytes received,
 * never by the caller; misuse (a packet object we cannot send, a packet over 1280 bytes)
 * throws `TypeError` or `RangeError` instead. Listed in the order they are checked.
 *
 * - `TOO_SMALL`: fewer than 98 bytes (hash, signature and type); nothing was hashed.
 * - `TOO_LARGE`: more than 1280 bytes; nothing was hashed.
 * - `BAD_HASH`: the first 32 bytes are not keccak256 of the rest. Not a discv4 packet
 *   (e.g. discv5 on a shared port, or corruption).
 * - `UNKNOWN_TYPE`: a packet-type byte other than 1–6.
 * - `MALFORMED`: the packet data is not RLP, or not the packet's list shape (a missing
 *   field, a port above 65535, a target that is not 64 bytes, ...). The `cause` is the
 *   `RlpError` when there is one.
 * - `BAD_SIGNATURE`: no public key recovers from the signature.
 * - `BAD_RECORD`: (ENRResponse) the node record is invalid, or not the record of the
 *   node that signed the packet.
 */
export type Discv4ErrorCode =
  | 'TOO_SMALL'
  | 'TOO_LARGE'
  | 'BAD_HASH'
  | 'UNKNOWN_TYPE'
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'BAD_RECORD'

/**
 * The one error `decodePacket` throws for bad input. Input from the network is never a
 * crash: catch `Discv4Error`, drop the packet, and count or log `code`.
 *
 * @example
 * ```ts
 * try {
 *   decoded = decodePacket(datagram)
 * } catch (err) {
 *   if (err instanceof Discv4Error) stats.invalid[err.code]++
 *   else throw err
 * }
 * ```
 */
export class Discv4Error extends Error {
  override readonly name = 'Discv4Error'
  readonly code: Discv4ErrorCode

  constructor(code: Discv4ErrorCode, message: string, options?: { cause?: unknown }) {
    // No stack trace: these errors describe bytes from the network and always come from
    // decodePacket, and capturing a stack costs more than the checks that reject junk.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message, options)
    Error.stackTraceLimit = limit
    this.code = code
  }
}
