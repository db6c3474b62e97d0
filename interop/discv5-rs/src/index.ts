/**
 * sigp's Rust `discv5` crate (Lighthouse, reth) as a test peer for our discovery v5.
 *
 * ```ts
 * import { startRustPeer, stopAllRustPeers } from '@devp2p/interop-discv5-rs'
 *
 * const a = await startRustPeer()
 * const b = await startRustPeer()
 * const pong = await a.ping(b.enr)                  // { enrSeq: 1n, ip: '127.0.0.1', port }
 * const nodes = await a.findnode(b.enr, [256])       // `enr:` texts
 * await stopAllRustPeers()
 * ```
 */
export {
  COMMAND_TIMEOUT_MS,
  MAX_COMMANDS_IN_FLIGHT,
  START_TIMEOUT_MS,
  STOP_TIMEOUT_MS,
} from './constants.js'
export { RustPeerError, type RustPeerErrorCode } from './errors.js'
export {
  DISCV5PEER_BIN,
  type RustPeer,
  type RustPeerOptions,
  type RustPeerStop,
  type RustPong,
  startRustPeer,
  stopAllRustPeers,
} from './peer.js'
