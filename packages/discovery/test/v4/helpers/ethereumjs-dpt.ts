/**
 * Runs @ethereumjs/devp2p's discovery (`DPT`) on 127.0.0.1 with an ephemeral UDP port, for
 * interop tests and benchmarks against our Discv4.
 *
 * - The socket is ours to create (their `createSocket` option), so its bound port is read
 *   back from it without touching their internals; their `endpoint` (what their Pings
 *   announce in `from`) is the object we pass, which they keep by reference, so it is
 *   completed with the port once bound.
 * - Every datagram they receive is logged (`received`: packet type byte, size, sender
 *   port) for assertions about what reached them.
 * - `stop()` destroys the DPT, clears the timers of their pending pings (their own
 *   `destroy()` leaves those running for up to `timeout`), cancels their staggered
 *   `addPeer` batch (re-implemented here with the same 200 ms spacing so that its timers
 *   can be cancelled), and waits for the socket's close and for the 100 ms timer their
 *   server arms per Ping from an unknown node. Nothing of theirs outlives `stop()`.
 */
import { createSocket, type Socket } from 'node:dgram'
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, type NodeIdHex, nodeIdHex } from '@devp2p/enode'
import { DPT, type PeerInfo } from '@ethereumjs/devp2p'

/** Their private parts that `stop()` and the ping benchmark reach into (v10 layout). */
interface TheirServer {
  ping(peer: PeerInfo): Promise<PeerInfo>
  _requests: Map<string, { timeoutId: ReturnType<typeof setTimeout> }>
  _requestsCache: { delete(key: string): boolean }
}
interface TheirDptInternals {
  _server: TheirServer
  _addPeerBatch(peers: PeerInfo[]): void
}

/** A datagram their socket received. */
export interface ReceivedDatagram {
  /** The discv4 packet type byte (1 Ping … 6 ENRResponse), or -1 for a runt. */
  readonly type: number
  readonly size: number
  readonly fromPort: number
}

export interface DptOptions {
  readonly privateKey?: Uint8Array
  /** Their refresh period; every tenth of it a tenth of the table gets a FindNode (default 60 s). */
  readonly refreshInterval?: number
  /** Whether they look for neighbours (bootstrap, refresh, add nodes they hear of). Default true. */
  readonly shouldFindNeighbours?: boolean
  /** Their ping timeout in ms (default 4000 in their server). */
  readonly timeout?: number
  /** The TCP port they announce: `'udp'` (default) for the UDP port, or null for none. */
  readonly tcpPort?: 'udp' | null
}

export interface DptNode {
  readonly dpt: DPT
  readonly privateKey: Uint8Array
  /** The 64-byte public key, which they call the node id. */
  readonly publicKey: Uint8Array
  /** Our node id (keccak256 of the key) as hex. */
  readonly idHex: NodeIdHex
  readonly port: number
  /** Their node as an {@link ENode}, for our Discv4. */
  readonly node: ENode
  /** Their peer info for `addPeer`/`bootstrap` of another DPT. */
  readonly peerInfo: PeerInfo
  /** 'error' events of their DPT (timeouts, undecodable packets, ...). */
  readonly errors: Error[]
  readonly received: ReceivedDatagram[]
  /** Our node ids (hex) of the nodes in their table. */
  peerIds(): Set<NodeIdHex>
  /** Resolves when all of `ids` are in their table; rejects after `timeoutMs`. */
  waitForPeers(ids: Iterable<NodeIdHex>, timeoutMs: number): Promise<void>
  /** Their server's ping (resolves with the pong's peer), bypassing its 1 s per-address cache. */
  ping(peer: PeerInfo): Promise<PeerInfo>
  stop(): Promise<void>
}

/** Our node id (hex) of a 64-byte public key, as they identify nodes. */
export function idHexOfKey(publicKey: Uint8Array): NodeIdHex {
  return nodeIdHex(keccak256(publicKey))
}

/** Starts their DPT on 127.0.0.1 with an ephemeral port. */
export async function startDpt(options: DptOptions = {}): Promise<DptNode> {
  const privateKey = options.privateKey ?? generatePrivateKey()
  const publicKey = publicKeyFromPrivate(privateKey)
  const endpoint: PeerInfo = { address: '127.0.0.1', udpPort: null, tcpPort: null }
  let socket: Socket | undefined
  const received: ReceivedDatagram[] = []
  let lastMessageAt = 0
  const dpt = new DPT(privateKey, {
    endpoint,
    refreshInterval: options.refreshInterval ?? 60_000,
    shouldFindNeighbours: options.shouldFindNeighbours ?? true,
    shouldGetDnsPeers: false,
    timeout: options.timeout ?? 4000,
    createSocket: () => {
      socket = createSocket({ type: 'udp4' })
      socket.on('message', (msg, rinfo) => {
        lastMessageAt = performance.now()
        received.push({
          type: msg.length > 97 ? msg[97]! : -1,
          size: msg.length,
          fromPort: rinfo.port,
        })
      })
      return socket
    },
  })
  const internals = dpt as unknown as TheirDptInternals
  const errors: Error[] = []
  dpt.events.on('error', (err: Error) => errors.push(err))

  // their _addPeerBatch, with cancellable timers
  const batchTimers = new Set<ReturnType<typeof setTimeout>>()
  let stopped = false
  internals._addPeerBatch = (peers: PeerInfo[]) => {
    if (stopped) return
    let ms = 0
    for (const peer of peers) {
      const timer = setTimeout(() => {
        batchTimers.delete(timer)
        if (!stopped) dpt.addPeer(peer).catch((err: Error) => errors.push(err))
      }, ms)
      batchTimers.add(timer)
      ms += 200
    }
  }

  await new Promise<void>((resolve, reject) => {
    dpt.events.once('listening', () => {
      dpt.events.off('error', reject)
      resolve()
    })
    dpt.events.once('error', reject)
    dpt.bind(0, '127.0.0.1')
  })
  const port = socket!.address().port
  endpoint.udpPort = port
  endpoint.tcpPort = options.tcpPort === null ? null : port
  const peerInfo: PeerInfo = { address: '127.0.0.1', udpPort: port, tcpPort: endpoint.tcpPort }
  const node = ENode.fromPublicKey(publicKey, {
    ip: '127.0.0.1',
    udp: port,
    tcp: endpoint.tcpPort ?? 0,
  })

  const peerIds = (): Set<NodeIdHex> => new Set(dpt.getPeers().map((p) => idHexOfKey(p.id!)))

  return {
    dpt,
    privateKey,
    publicKey,
    idHex: node.idHex,
    port,
    node,
    peerInfo,
    errors,
    received,
    peerIds,
    waitForPeers(ids, timeoutMs) {
      const want = [...ids]
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          const have = peerIds()
          if (!want.every((id) => have.has(id))) return
          clearTimeout(timer)
          dpt.events.off('peer:added', check)
          resolve()
        }
        const timer = setTimeout(() => {
          dpt.events.off('peer:added', check)
          const have = peerIds()
          const missing = want.filter((id) => !have.has(id))
          reject(new Error(`DPT ${port} still misses ${missing.length} of ${want.length} peers`))
        }, timeoutMs)
        dpt.events.on('peer:added', check)
        check()
      })
    },
    ping(peer) {
      internals._server._requestsCache.delete(`${peer.address}:${peer.udpPort}`)
      return internals._server.ping(peer)
    },
    async stop() {
      if (stopped) return
      stopped = true
      for (const timer of batchTimers) clearTimeout(timer)
      batchTimers.clear()
      const closed = new Promise<void>((resolve) => dpt.events.once('close', () => resolve()))
      dpt.destroy()
      for (const request of internals._server._requests.values()) clearTimeout(request.timeoutId)
      internals._server._requests.clear()
      await closed
      // their server emits 'peers' 100 ms after a Ping from an unknown node
      const wait = lastMessageAt + 110 - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    },
  }
}
