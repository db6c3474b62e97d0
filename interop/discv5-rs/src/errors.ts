/** What went wrong with a Rust peer; see the table in README.md. */
export type RustPeerErrorCode =
  | 'RUST_PEER_MISSING'
  | 'RUST_PEER_START_FAILED'
  | 'RUST_PEER_EXITED'
  | 'RUST_PEER_TIMEOUT'
  | 'RUST_PEER_REFUSED'
  | 'RUST_PEER_BUSY'

/** The one error class of this package. */
export class RustPeerError extends Error {
  override readonly name = 'RustPeerError'

  constructor(
    readonly code: RustPeerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
