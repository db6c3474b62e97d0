/**
 * A decoded RLP item: a byte string or a list of items.
 *
 * Byte strings returned by {@link decode} are views into the decoded input, not copies.
 */
export type RlpValue = Uint8Array | RlpValue[]

/**
 * What {@link encode} accepts: bytes, non-negative integers (as `number` up to
 * `Number.MAX_SAFE_INTEGER`, or `bigint`), strings (always UTF-8) and lists of these.
 */
export type RlpInput = Uint8Array | number | bigint | string | readonly RlpInput[]
