/** File names, modes and defaults of a node and its data directory. */

/** The node key file in the data directory (geth's `nodekey`). */
export const NODE_KEY_FILE = 'nodekey'

/** The node database directory in the data directory (geth's `nodes`). */
export const NODE_DB_DIR = 'nodes'

/** The lock file that keeps a second process out of the data directory (geth's `LOCK`). */
export const LOCK_FILE = 'LOCK'

/** The IPC socket's file name in the data directory (as geth's `geth.ipc`). */
export const DEFAULT_IPC_FILE = 'devp2p.ipc'

/** Mode of a data directory the node creates (owner only, as geth's 0700). */
export const DATA_DIR_MODE = 0o700

/** Mode of the lock file. */
export const LOCK_FILE_MODE = 0o600

/** The first part of the node's client name (Hello and `web3_clientVersion`). */
export const CLIENT_NAME = 'devp2p-ts'
