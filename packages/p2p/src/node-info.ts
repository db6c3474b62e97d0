import type { ENode, NodeIdHex } from '@devp2p/enode'
import type { Protocol } from './protocol.js'

/** `Server.nodeInfo()`, in geth's `admin_nodeInfo` shape. */
export interface NodeInfo {
  /** Our node id (keccak256 of the public key) as hex. */
  readonly id: NodeIdHex
  /** Our client name, as Hello sends it. */
  readonly name: string
  /** `enode://<public key>@<ip>:<tcp>` (with `?discport=` when the UDP port differs). */
  readonly enode: string
  /** Our signed node record as `enr:` text. */
  readonly enr: string
  /** The IP of our record (`''` when it has none). */
  readonly ip: string
  /** The record's UDP (discovery; 0 without) and TCP (0 when not listening) ports. */
  readonly ports: { readonly discovery: number; readonly listener: number }
  /** The bound listen address, e.g. `127.0.0.1:30303` (`''` when not listening). */
  readonly listenAddr: string
  /** Per protocol name, its `nodeInfo()` or `'unknown'`. */
  readonly protocols: Record<string, unknown>
}

/** Our node in geth's `admin_nodeInfo` shape. */
export function nodeInfo(options: {
  readonly node: ENode
  readonly name: string
  readonly listenAddr: string
  readonly protocols: readonly Protocol[]
}): NodeInfo {
  const { node } = options
  const protocols: Record<string, unknown> = {}
  for (const protocol of options.protocols) {
    protocols[protocol.name] = protocol.nodeInfo?.() ?? 'unknown'
  }
  return {
    id: node.idHex,
    name: options.name,
    enode: node.toEnodeUrl(),
    enr: node.toEnrText(),
    ip: node.ip ?? '',
    ports: { discovery: node.udp ?? 0, listener: node.tcp ?? 0 },
    listenAddr: options.listenAddr,
    protocols,
  }
}
