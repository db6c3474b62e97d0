/**
 * Limits of the RLP codec. Every limit a remote party could push against is here.
 */

/**
 * The deepest list nesting this package decodes or encodes: a top-level byte string has
 * depth 0, `[]` has depth 1, `[[]]` depth 2.
 *
 * Why 1024: real devp2p messages nest fewer than 10 levels (an eth/68 block body with
 * access lists is about 6), so this never rejects an honest peer. Our own decoder is
 * iterative and does not need the bound, but what it returns is walked recursively by
 * `encode`, by schemas and by application code; 1024 frames stay far below V8's default
 * stack (about 10,000 small frames), while an unbounded tree built from a few hundred
 * kilobytes of `0xc1`-style headers would not. `DecodeOptions.maxDepth` may lower it.
 */
export const MAX_DEPTH = 1024

/** The widest integer the `t.bigint` schema accepts by default: a uint256, the EVM word. */
export const MAX_BIGINT_BYTES = 32
