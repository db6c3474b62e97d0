import { keccak256 } from '@devp2p/crypto'
import { EnodeError } from '@devp2p/enode'
import {
  disconnectReasonText,
  type NodeInfo,
  type PeerEvent,
  type PeerInfo,
  type Server,
} from '@devp2p/p2p'
import { callContext, invalidParams } from '@devp2p/rpc'

/** A peer event as geth's `admin_peerEvents` sends it (`p2p.PeerEvent`'s JSON). */
export interface PeerEventJson {
  readonly type: PeerEvent['type']
  /** The peer's node id as hex. */
  readonly peer: string
  /** `drop` only: why, as geth words the disconnect reason (`too many peers`, ...). */
  readonly error?: string
  readonly protocol?: string
  readonly msg_code?: number
  readonly msg_size?: number
  readonly local?: string
  readonly remote?: string
}

/** geth's JSON of a peer event: the same fields, empty ones left out. */
export function peerEventJson(ev: PeerEvent): PeerEventJson {
  return {
    type: ev.type,
    peer: ev.peer,
    ...(ev.type === 'drop' ? { error: disconnectReasonText(ev.reason) } : {}),
    ...(ev.type === 'msgsend' || ev.type === 'msgrecv'
      ? { protocol: ev.protocol, msg_code: ev.msgCode, msg_size: ev.msgSize }
      : {}),
    ...(ev.localAddress ? { local: ev.localAddress } : {}),
    ...(ev.remoteAddress ? { remote: ev.remoteAddress } : {}),
  }
}

/** What the node's own APIs read from the running node. */
export interface NodeApiBackend {
  server(): Server
  readonly dataDir: string
  readonly clientVersion: string
}

/** Runs `fn` with the node URL, answering a malformed one as geth does (`invalid enode: …`). */
function withNode<T>(url: unknown, fn: (url: string) => T): T {
  if (typeof url !== 'string')
    throw invalidParams('the node must be an enode:// URL or enr: record')
  try {
    return fn(url)
  } catch (err) {
    if (err instanceof EnodeError) throw new Error(`invalid enode: ${err.message}`)
    throw err
  }
}

/** `admin_*`: geth's `node.adminAPI` methods that need no subscription. */
export class AdminApi {
  readonly #backend: NodeApiBackend

  constructor(backend: NodeApiBackend) {
    this.#backend = backend
  }

  /** Our node: id, name, enode, enr, ip, ports, listenAddr, protocols (geth's `p2p.NodeInfo`). */
  nodeInfo(): NodeInfo {
    return this.#backend.server().nodeInfo()
  }

  /** The connected peers (geth's `[]*p2p.PeerInfo`), sorted by id. */
  peers(): PeerInfo[] {
    return this.#backend.server().peersInfo()
  }

  /** Adds a static peer (dialed now, redialed when it drops); true, as geth. */
  addPeer(url: string): boolean {
    withNode(url, (u) => this.#backend.server().addPeer(u))
    return true
  }

  /** Removes a static peer and disconnects it; true, as geth. */
  removePeer(url: string): boolean {
    withNode(url, (u) => this.#backend.server().removePeer(u))
    return true
  }

  /** Marks a node trusted: it may connect even when the peer slots are full; true, as geth. */
  addTrustedPeer(url: string): boolean {
    withNode(url, (u) => this.#backend.server().addTrustedPeer(u))
    return true
  }

  /** Takes a node off the trusted list (it stays connected); true, as geth. */
  removeTrustedPeer(url: string): boolean {
    withNode(url, (u) => this.#backend.server().removeTrustedPeer(u))
    return true
  }

  /**
   * A subscription (`admin_subscribe("peerEvents")`, over IPC or WebSocket): every peer
   * added or dropped (and each message with the server's `enableMsgEvents`) as geth's
   * `p2p.PeerEvent` JSON. A subscriber that falls behind by the server's
   * `MAX_SUBSCRIBER_BACKLOG` events is ended.
   */
  async *peerEvents(): AsyncGenerator<PeerEventJson> {
    const { signal } = callContext() // read before the first await
    for await (const ev of this.#backend.server().subscribeEvents({ signal })) {
      yield peerEventJson(ev)
    }
  }

  /** The data directory (`''` for a node in memory). */
  datadir(): string {
    return this.#backend.dataDir
  }
}

/** `net_*`: geth's `node.netAPI`. */
export class NetApi {
  readonly #backend: NodeApiBackend

  constructor(backend: NodeApiBackend) {
    this.#backend = backend
  }

  /** Always true while the node runs, as geth. */
  listening(): boolean {
    return true
  }

  /** The number of connected peers as a hex quantity (geth's `hexutil.Uint`). */
  peerCount(): string {
    return `0x${this.#backend.server().peerCount.toString(16)}`
  }
}

/** `web3_*`: geth's `node.web3API`. */
export class Web3Api {
  readonly #backend: NodeApiBackend

  constructor(backend: NodeApiBackend) {
    this.#backend = backend
  }

  /** `devp2p-ts[/<identity>]/v<version>/node-<Node.js version>`. */
  clientVersion(): string {
    return this.#backend.clientVersion
  }

  /** Keccak-256 of 0x-hex data, as 0x-hex (geth's `web3_sha3`). */
  sha3(input: string): Uint8Array {
    if (typeof input !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(input)) {
      throw invalidParams('input must be 0x-prefixed hex of whole bytes')
    }
    return keccak256(Buffer.from(input.slice(2), 'hex'))
  }
}
