/**
 * Why a node operation failed.
 *
 * - `DATADIR_LOCKED`: another live process (or another `Node` in this one) holds the
 *   data directory's `LOCK` file.
 * - `DATADIR_IO`: the data directory or its lock file could not be created, read or
 *   removed.
 * - `START_FAILED`: a step of `start()` failed (the key, the node database, the p2p
 *   server, discovery, an RPC endpoint or a service's `start`); everything already
 *   started was stopped again. `cause` is the original error.
 * - `STOP_FAILED`: a service's `stop` or a component failed while stopping; the rest was
 *   still stopped. `cause` is the error (an `AggregateError` when several failed).
 * - `STOPPED`: `start()` on a node that has been stopped (make a new `Node`).
 * - `NOT_RUNNING`: something that needs a started node (`endpoints()`, `attach()`,
 *   `server`) was asked of one that is not running.
 * - `CONFIG_INVALID`: a TOML configuration is not TOML, has an unknown section or key, or
 *   a value of the wrong type (the message names the file and the key).
 * - `CONFIG_IO`: a TOML configuration file could not be read.
 */
export type NodeErrorCode =
  | 'DATADIR_LOCKED'
  | 'DATADIR_IO'
  | 'START_FAILED'
  | 'STOP_FAILED'
  | 'STOPPED'
  | 'NOT_RUNNING'
  | 'CONFIG_INVALID'
  | 'CONFIG_IO'

/** The one error this package throws; `code` says why (see {@link NodeErrorCode}). */
export class NodeError extends Error {
  override readonly name = 'NodeError'
  readonly code: NodeErrorCode

  constructor(code: NodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
