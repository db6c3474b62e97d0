/** How long `discv5peer` may take to bind its socket and print its ready line. */
export const START_TIMEOUT_MS = 15_000

/**
 * How long one command may take before its promise rejects. The crate gives up on a
 * request after 1 s and one retry; a lookup ends when every peer answered or timed out.
 */
export const COMMAND_TIMEOUT_MS = 20_000

/** How long the peer may take to exit once stopped, before it is killed. */
export const STOP_TIMEOUT_MS = 5_000

/** How much of the peer's stderr (its `RUST_LOG` tracing) is kept for error messages. */
export const STDERR_TAIL_BYTES = 8_192

/** The most commands one peer may have in flight; more throw at once. */
export const MAX_COMMANDS_IN_FLIGHT = 1_024
