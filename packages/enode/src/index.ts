/**
 * Node identity for devp2p: node ids and the XOR metric, `enode://` URLs, node records
 * (ENR, EIP-778, "v4" scheme), the {@link ENode} type the rest of the stack uses, our own
 * {@link LocalNode} record, and the persistent {@link NodeDB}.
 *
 * Bad input (URLs, records, database files) is never a crash: it is an
 * {@link EnodeError} or {@link EnrError} with a `code`, or (for the database) a reset with
 * a log line. Misuse throws `TypeError` or `RangeError`.
 *
 * @example
 * ```ts
 * import { Enr, parseNode } from '@devp2p/enode'
 *
 * const node = parseNode('enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8')
 * node.ip, node.udp           // '127.0.0.1', 30303
 * node.toEnodeUrl()           // 'enode://ca634cae…@127.0.0.1:0?discport=30303'
 * const mine = Enr.create(privateKey, { seq: 1n, ip: '10.0.0.1', tcp: 30303, udp: 30303 })
 * mine.encodeText()           // 'enr:-…'
 * ```
 *
 * @packageDocumentation
 */
export {
  DB_CLEANUP_INTERVAL_MS,
  DB_MEMORY_MAX_IPS_PER_NODE,
  DB_MEMORY_MAX_NODES,
  DB_NODE_EXPIRATION_MS,
  ENDPOINT_MAX_STATEMENTS,
  ENDPOINT_MIN_STATEMENTS,
  ENDPOINT_STATEMENT_WINDOW_MS,
  MAX_ENODE_URL_CHARS,
  MAX_RECORD_BYTES,
  NODE_ID_BYTES,
} from './constants.js'
export type { Endpoint } from './endpoint-predictor.js'
export type { EnodeUrl } from './enode-url.js'
export { formatEnodeUrl, parseEnodeUrl } from './enode-url.js'
export type { EnrContent, EnrDecodeOptions } from './enr.js'
export { Enr } from './enr.js'
export type { EnodeErrorCode, EnrErrorCode } from './errors.js'
export { EnodeError, EnrError } from './errors.js'
export { ipFromBytes, ipToBytes, normalizeIp } from './ip.js'
export type { ListenAddr } from './listen-addr.js'
export { parseListenAddr } from './listen-addr.js'
export type {
  LocalEndpoints,
  LocalNodeEvents,
  LocalNodeOptions,
  RecordUpdatedEvent,
} from './local-node.js'
export { LocalNode } from './local-node.js'
export {
  checkRelayIp,
  isLan,
  isLoopback,
  isSpecialNetwork,
  NetList,
} from './netutil.js'
export type { NodeAddress } from './node.js'
export { ENode, parseNode } from './node.js'
export type { NodeDBOptions } from './node-db.js'
export { NodeDB } from './node-db.js'
export type { NodeId, NodeIdHex } from './node-id.js'
export {
  compareDistance,
  logDistance,
  nodeIdFromHex,
  nodeIdFromPublicKey,
  nodeIdHex,
} from './node-id.js'
