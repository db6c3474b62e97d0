/**
 * A devp2p node, as go-ethereum's `node` package: the data directory (`nodekey`, the
 * node database, `LOCK`, the IPC socket), the p2p server, discovery v4 and the RPC
 * endpoints, with services registered as protocols, APIs and a start/stop, and geth's
 * `admin_*`, `net_*` and `web3_clientVersion` methods.
 *
 * @example
 * ```ts
 * import { Node } from '@devp2p/node'
 *
 * const node = new Node({ dataDir: '/tmp/mynode', p2p: { listenAddr: '127.0.0.1:0' } })
 * node.register({ protocols: [fooProtocol], apis: [{ namespace: 'foo', service: new FooApi() }] })
 * await node.start()
 * const client = node.attach()
 * console.log(await client.call('admin_nodeInfo'))
 * await node.stop()
 * ```
 *
 * @packageDocumentation
 */

export type { PeerEventJson } from './admin-api.js'
export type { NodeConfig, NodeDiscv4Options, NodeDnsOptions, NodeP2pOptions } from './config.js'
export type { NodeConfigToml, NodeP2pToml, NodeSectionToml } from './config-toml.js'
export {
  loadNodeConfig,
  loadNodeConfigToml,
  nodeConfigFromToml,
  parseNodeConfig,
  parseNodeConfigToml,
  stringifyNodeConfigToml,
} from './config-toml.js'
export {
  CLIENT_NAME,
  DATA_DIR_MODE,
  DEFAULT_IPC_FILE,
  LOCK_FILE,
  LOCK_FILE_MODE,
  NODE_DB_DIR,
  NODE_KEY_FILE,
} from './constants.js'
export type { BucketNodeJson } from './debug-api.js'
export type { NodeEndpoints } from './endpoints.js'
export type { NodeErrorCode } from './errors.js'
export { NodeError } from './errors.js'
export { Node } from './node.js'
export type { Lifecycle, NodeApi, Service } from './services.js'
export { VERSION } from './version.js'
