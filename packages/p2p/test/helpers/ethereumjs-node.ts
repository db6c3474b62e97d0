/**
 * A test and bench harness around @ethereumjs/devp2p's `RLPx` server (their RLPx
 * handshake, framing, Hello, ping and sub-protocol multiplexing), the independent
 * implementation our `Server` is checked against. No discovery: their DPT is `null`.
 *
 * Their quirks the harness absorbs (see the interop test for what they mean on the wire):
 * - sub-protocols get raw payloads and must snappy-compress what they send themselves
 *   once the remote Hello says p2p v5; `TheirSession.send` does that;
 * - `peer:added` / `peer:removed` only cover peers whose Hello succeeded, so a peer
 *   dropped during Hello (useless, too many peers) is invisible; `nextClosed` taps
 *   `Peer.prototype._onSocketClose` (installed once, test-only) to see every close with
 *   its reason;
 * - `destroy()` sends Disconnect but leaves sockets open for 2 s; `stop()` ends them;
 * - their sockets keep Nagle's algorithm on; the harness turns it off unless told not to.
 */
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { Common, Mainnet } from '@ethereumjs/common'
import { Peer, RLPx } from '@ethereumjs/devp2p'

/** snappyjs, the snappy implementation @ethereumjs/devp2p itself uses (not ours). */
const requireFromDevp2p = createRequire(
  createRequire(import.meta.url).resolve('@ethereumjs/devp2p'),
)
export const snappyjs = requireFromDevp2p('snappyjs') as {
  compress(data: Uint8Array): Uint8Array
  uncompress(data: Uint8Array): Uint8Array
}

/** Their Peer class (for `instanceof` and types). */
export type TheirPeer = Peer

/** Their disconnect reasons, as their `DISCONNECT_REASON` (same wire values as ours). */
export const THEIR_REASON = {
  DISCONNECT_REQUESTED: 0x00,
  USELESS_PEER: 0x03,
  TOO_MANY_PEERS: 0x04,
  CLIENT_QUITTING: 0x08,
  SUBPROTOCOL_ERROR: 0x10,
} as const

export interface Received {
  readonly code: number
  /** Decompressed (when snappy is on), not RLP-decoded. */
  readonly payload: Uint8Array
}

/** One sub-protocol instance of theirs with one peer. */
export interface TheirSession {
  readonly peer: TheirPeer
  /** The remote node's 64-byte public key, hex. */
  readonly remoteId: string
  readonly capability: string
  /** Messages not taken yet (only when the capability has no `onMessage`). */
  readonly received: Received[]
  /** Sends message `code` (relative to the capability), compressing when the peer says v5. */
  send(code: number, payload: Uint8Array): void
  /** The next received message. */
  next(): Promise<Received>
}

export interface TheirCapability {
  readonly name: string
  readonly version: number
  readonly length: number
  /**
   * Handles each message instead of queueing it (e.g. an echo for the bench); the payload
   * may be a view of their buffers, valid during the call only.
   */
  readonly onMessage?: (session: TheirSession, msg: Received) => void
}

/** How one of their peers ended: `peer:removed` when it had connected, else only `closed`. */
export interface TheirClose {
  readonly peer: TheirPeer
  /** Their recorded Disconnect reason (sent or received); `undefined` if none. */
  readonly reason: number | undefined
  /** `true` when they sent it, `false` when they received it, `null` when none. */
  readonly disconnectWe: boolean | null
  /** Whether the Hello exchange had succeeded. */
  readonly connected: boolean
}

export interface EthereumjsNodeOptions {
  readonly privateKey?: Uint8Array
  /** Default: `foo/1` with one message code. */
  readonly capabilities?: readonly TheirCapability[]
  /** Their limit counts dialing sockets and peers (default 25). */
  readonly maxPeers?: number
  readonly clientId?: string
  /** Listen on 127.0.0.1 with an ephemeral port (default true). */
  readonly listen?: boolean
  /** Shared by many nodes to save memory (default: a new mainnet `Common`). */
  readonly common?: Common
  /**
   * Turn Nagle off on their sockets (default true; their own code leaves it on, which
   * costs a request/response about 40 ms per message on loopback).
   */
  readonly noDelay?: boolean
}

/** Anything with a public key and a TCP endpoint, e.g. our `ENode`. */
export interface DialTarget {
  readonly publicKey: Uint8Array
  readonly ip?: string | undefined
  readonly tcp?: number | undefined
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** The internals of their Peer the harness reads (all set by their own code). */
interface PeerInternals {
  _socket: Socket
  _connected: boolean
  _disconnectReason?: number
  _disconnectWe: boolean | null
  _onSocketClose(): void
}
const internals = (peer: TheirPeer): PeerInternals => peer as unknown as PeerInternals

// ---- every close of every Peer of theirs, also the ones that never finished Hello

type CloseListener = (close: TheirClose) => void
const closeListeners = new Set<CloseListener>()
let tapped = false
function tapPeerClose(): void {
  if (tapped) return
  tapped = true
  const proto = Peer.prototype as unknown as PeerInternals
  const original = proto._onSocketClose
  // their constructor binds this method, so every Peer created from now on goes through it
  proto._onSocketClose = function (this: PeerInternals) {
    original.call(this)
    const close: TheirClose = {
      peer: this as unknown as TheirPeer,
      reason: this._disconnectReason,
      disconnectWe: this._disconnectWe,
      connected: this._connected,
    }
    for (const listener of closeListeners) listener(close)
  }
}

/** Their RLPx with the few protected members the harness needs. */
class HarnessRLPx extends RLPx {
  readonly sockets = new Set<Socket>()
  noDelay = true

  override _onConnect(socket: Socket, peerId: Uint8Array | null): void {
    this.sockets.add(socket)
    // their sockets keep Nagle on and each frame is two writes (header, body): with the
    // peer's delayed ACK a lone message waits ~40 ms; see EthereumjsNodeOptions.noDelay
    socket.setNoDelay(this.noDelay)
    socket.once('close', () => this.sockets.delete(socket))
    super._onConnect(socket, peerId)
  }

  boundPort(): number {
    const bound = this._server?.address()
    if (bound === null || bound === undefined || typeof bound === 'string') {
      throw new Error('their RLPx is not listening')
    }
    return bound.port
  }

  /** What their Hello advertises (they only know it at construction otherwise). */
  setListenPort(port: number): void {
    this._listenPort = port
  }
}

function waitFor<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  match: (value: T) => boolean,
): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe((value) => {
      if (!match(value)) return
      unsubscribe()
      resolve(value)
    })
  })
}

/**
 * An @ethereumjs/devp2p `RLPx` node on 127.0.0.1 (ephemeral port), without discovery.
 *
 * @example
 * ```ts
 * const theirs = await EthereumjsNode.start()
 * const added = theirs.nextAdded()
 * theirs.dial(server.self())
 * const session = await theirs.nextSession()
 * session.send(0, encode('foo'))
 * await theirs.stop()
 * ```
 */
export class EthereumjsNode {
  readonly rlpx: HarnessRLPx
  readonly privateKey: Uint8Array
  /** 64-byte public key (their node "id"). */
  readonly publicKey: Uint8Array
  /** Bound TCP port, 0 when not listening. */
  readonly port: number
  /** `peer:error` and `error` events, for tests to inspect. */
  readonly errors: Error[] = []
  readonly #sessions: TheirSession[] = []
  readonly #sessionListeners = new Set<(s: TheirSession) => void>()
  readonly #closeListener: CloseListener
  readonly #ownCloses = new Set<(c: TheirClose) => void>()
  #stopped: Promise<void> | undefined

  private constructor(rlpx: HarnessRLPx, privateKey: Uint8Array, port: number) {
    this.rlpx = rlpx
    this.privateKey = privateKey
    this.publicKey = rlpx.id
    this.port = port
    this.#closeListener = (close) => {
      // their Peer.id is the local node's id: keep the closes of this node's peers
      if (close.peer.id !== this.publicKey) return
      for (const listener of this.#ownCloses) listener(close)
    }
    closeListeners.add(this.#closeListener)
    rlpx.events.on('peer:error', (_peer, err: unknown) => this.errors.push(toError(err)))
    rlpx.events.on('error', (err) => this.errors.push(err))
  }

  static async start(options: EthereumjsNodeOptions = {}): Promise<EthereumjsNode> {
    tapPeerClose()
    const privateKey = options.privateKey ?? generatePrivateKey()
    const capabilities = options.capabilities ?? [{ name: 'foo', version: 1, length: 1 }]
    let node: EthereumjsNode | undefined
    const rlpx = new HarnessRLPx(privateKey, {
      dpt: null,
      maxPeers: options.maxPeers ?? 25,
      clientId: new TextEncoder().encode(options.clientId ?? 'ethereumjs-interop'),
      common: options.common ?? new Common({ chain: Mainnet }),
      listenPort: null,
      capabilities: capabilities.map((cap) => ({
        name: cap.name,
        version: cap.version,
        length: cap.length,
        // their Peer calls `new constructor(version, peer, send)` once Hello matched it
        constructor: function (
          this: unknown,
          _version: number,
          peer: TheirPeer,
          send: (code: number, data: Uint8Array) => void,
        ) {
          return node!._addSession(cap, peer, send)
        } as never,
      })),
    })
    rlpx.noDelay = options.noDelay ?? true
    let port = 0
    if (options.listen ?? true) {
      await new Promise<void>((resolve, reject) => {
        rlpx.events.once('listening', () => resolve())
        rlpx.events.once('error', reject)
        rlpx.listen(0, '127.0.0.1')
      })
      port = rlpx.boundPort()
      rlpx.setListenPort(port)
    }
    node = new EthereumjsNode(rlpx, privateKey, port)
    return node
  }

  /** `enode://…@127.0.0.1:port`. */
  get enode(): string {
    return `enode://${toHex(this.publicKey)}@127.0.0.1:${this.port}`
  }

  get peerCount(): number {
    return this.rlpx.getPeers().length
  }

  /** Dials `target` (their `RLPx.connect`); resolves once TCP is up, not after Hello. */
  dial(target: DialTarget): Promise<void> {
    return this.rlpx.connect({
      id: target.publicKey,
      address: target.ip ?? '127.0.0.1',
      tcpPort: target.tcp ?? null,
    })
  }

  /** The next `peer:added`. */
  nextAdded(match: (peer: TheirPeer) => boolean = () => true): Promise<TheirPeer> {
    return waitFor<TheirPeer>((listener) => {
      this.rlpx.events.on('peer:added', listener)
      return () => this.rlpx.events.off('peer:added', listener)
    }, match)
  }

  /** The next `peer:removed`, with their arguments. */
  nextRemoved(match: (close: TheirClose) => boolean = () => true): Promise<TheirClose> {
    return waitFor<TheirClose>((listener) => {
      const onRemoved = (peer: TheirPeer, reason: unknown, disconnectWe: boolean | null) =>
        listener({
          peer,
          reason: typeof reason === 'number' ? reason : undefined,
          disconnectWe,
          connected: true,
        })
      this.rlpx.events.on('peer:removed', onRemoved)
      return () => this.rlpx.events.off('peer:removed', onRemoved)
    }, match)
  }

  /** The next socket close of one of this node's peers, connected or not. */
  nextClosed(match: (close: TheirClose) => boolean = () => true): Promise<TheirClose> {
    return waitFor<TheirClose>((listener) => {
      this.#ownCloses.add(listener)
      return () => this.#ownCloses.delete(listener)
    }, match)
  }

  /** The next sub-protocol instance created (or an existing one for `remoteId`). */
  nextSession(match: (s: TheirSession) => boolean = () => true): Promise<TheirSession> {
    return waitFor<TheirSession>((listener) => {
      this.#sessionListeners.add(listener)
      return () => this.#sessionListeners.delete(listener)
    }, match)
  }

  /** Every sub-protocol instance so far. */
  get sessions(): readonly TheirSession[] {
    return this.#sessions
  }

  /** @internal Called from their Peer through the capability constructor. */
  _addSession(
    cap: TheirCapability,
    peer: TheirPeer,
    send: (code: number, data: Uint8Array) => void,
  ): object {
    const received: Received[] = []
    let wake: (() => void) | undefined
    const remote = peer.getHelloMessage()
    const compress = (remote?.protocolVersion ?? 0) >= 5
    const session: TheirSession = {
      peer,
      remoteId: toHex(remote?.id ?? new Uint8Array()),
      capability: `${cap.name}/${cap.version}`,
      received,
      send: (code, payload) => send(code, compress ? snappyjs.compress(payload) : payload),
      next: async () => {
        while (received.length === 0) await new Promise<void>((resolve) => (wake = resolve))
        return received.shift()!
      },
    }
    this.#sessions.push(session)
    for (const listener of [...this.#sessionListeners]) listener(session)
    // the object their Peer keeps as the protocol: it only calls _handleMessage
    return {
      _handleMessage: (code: number, payload: Uint8Array) => {
        if (cap.onMessage) return cap.onMessage(session, { code, payload })
        // queued: keep a copy (without snappy it is a view of their socket buffer)
        received.push({ code, payload: Uint8Array.from(payload) })
        wake?.()
      },
    }
  }

  /** The socket of one of their peers (to apply back-pressure or force a close). */
  socketOf(peer: TheirPeer): Socket {
    return internals(peer)._socket
  }

  /**
   * Stops: their `destroy()` (closes the listener and the refill timer, sends "client
   * quitting" to connected peers), then ends every socket, waits for them to close (≤ 1 s,
   * then destroys them). Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stopInner()
    return this.#stopped
  }

  async #stopInner(): Promise<void> {
    const listening = this.port !== 0
    const serverClosed = new Promise<void>((resolve) => {
      if (!listening) resolve()
      else this.rlpx.events.once('close', () => resolve())
    })
    try {
      this.rlpx.destroy()
    } catch {
      // already destroyed
    }
    const sockets = [...this.rlpx.sockets]
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.destroyed) return resolve()
            const timer = setTimeout(() => socket.destroy(), 1000)
            socket.once('close', () => {
              clearTimeout(timer)
              resolve()
            })
            socket.end()
          }),
      ),
    )
    await serverClosed
    closeListeners.delete(this.#closeListener)
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** A fresh key pair for their node, when a test needs the key before starting it. */
export function theirKeys(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = generatePrivateKey()
  return { privateKey, publicKey: publicKeyFromPrivate(privateKey) }
}
