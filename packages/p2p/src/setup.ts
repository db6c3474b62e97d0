import type { Duplex } from 'node:stream'
import type { Clock, Logger } from '@devp2p/common'
import { ENode, type NodeIdHex, nodeIdFromPublicKey, nodeIdHex } from '@devp2p/enode'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '@devp2p/rlpx'
import { matchProtocols } from './caps.js'
import { REFUSED_LOG_MAX, REFUSED_LOG_WINDOW_MS } from './constants.js'
import type { NodeDialer } from './dial.js'
import { sendDisconnect } from './disconnect.js'
import { DisconnectReason, disconnectReasonFor, disconnectReasonText, P2pError } from './errors.js'
import { checkHelloIdentity, exchangeHello } from './hello.js'
import type { InboundTicket } from './inbound-gate.js'
import { LogBudget } from './log-budget.js'
import { hostPort, remoteIp, type StreamAddresses, streamAddresses } from './net-address.js'
import { createPeer, type Peer } from './peer.js'
import type { PeerMsgEvent } from './peer-event.js'
import type { PeerSet } from './peer-set.js'
import type { Protocol } from './protocol.js'

/**
 * How a connection came about, with what that kind needs: an inbound one holds its
 * handshake slot (the ticket the inbound gate gave it); a dialed one knows whom it
 * dialed, and its handshake proves the node at the other end has that key.
 */
export type SetupTarget =
  | { readonly kind: 'inbound'; readonly ticket: InboundTicket }
  | { readonly kind: 'static' | 'dynamic'; readonly dest: ENode }

/** A stream being set up; a `net.Socket` also says where its ends are. */
type SetupStream = Duplex & StreamAddresses

/** What the connection setup needs from the server. */
export interface ConnectionSetupOptions {
  readonly privateKey: Uint8Array
  readonly protocols: readonly Protocol[]
  readonly peers: PeerSet
  readonly dialer: NodeDialer
  readonly clock: Clock
  readonly logger: Logger
  /** Deadline of the RLPx handshake and, separately, of the Hello exchange. */
  readonly handshakeTimeoutMs: number
  /** Aborts every handshake and dial (the server stops). */
  readonly signal: AbortSignal
  /** Our Hello payload (known once the server listens). */
  hello(): Uint8Array
  /** Whether new peers are welcome (the server is starting or running). */
  live(): boolean
  /** Whether `id` is a static node (also when it dialed us). */
  isStatic(id: NodeIdHex): boolean
  /** For `msgsend`/`msgrecv` events; absent when message events are off. */
  readonly onMsgEvent?: ((event: PeerMsgEvent) => void) | undefined
  /** A new peer, checked and registered in `peers` (see `PeerSet.admit`): the server runs it. */
  onPeer(peer: Peer): void
}

/**
 * Turns connections into peers: dials through the {@link NodeDialer}, runs the RLPx
 * handshake, the limit checks, the Hello exchange and its identity checks and the limit
 * checks again, then hands the peer to the server. A failure after the RLPx handshake
 * sends Disconnect with the reason geth would send, then closes.
 *
 * bounded: dials ≤ maxActiveDials (the scheduler's slots); inbound setups ≤
 * maxPendingPeers (the inbound gate's slots).
 */
export class ConnectionSetup {
  readonly #o: ConnectionSetupOptions
  // bounded: one per connection in setup (≤ maxPendingPeers per direction)
  readonly #streams = new Set<Duplex>()
  // bounded: as #streams, plus the dials in their TCP connect
  readonly #tasks = new Set<Promise<void>>()
  #dials = 0
  // info lines for refused inbound and discovery-dialed connections; the rest at debug
  readonly #refusedLogs: LogBudget

  constructor(options: ConnectionSetupOptions) {
    this.#o = options
    this.#refusedLogs = new LogBudget(options.clock, REFUSED_LOG_MAX, REFUSED_LOG_WINDOW_MS)
  }

  /**
   * The level of a failed setup's log line: info for a static node (the operator asked for
   * it: `addPeer`, `staticNodes`), info within a budget for the rest (inbound connections,
   * discovery's candidates), debug beyond it.
   */
  #failureLevel(kind: SetupTarget['kind']): 'info' | 'debug' {
    if (kind === 'static') return 'info'
    return this.#refusedLogs.take() ? 'info' : 'debug'
  }

  /** Connections being dialed, in the encryption handshake or in the Hello exchange. */
  get pending(): number {
    return this.#streams.size + this.#dials
  }

  /** Sets up an inbound connection the gate admitted; `ticket` is released when it ends. */
  accept(stream: SetupStream, ticket: InboundTicket): void {
    this.#track(this.#run(stream, { kind: 'inbound', ticket }))
  }

  /** Dials `node` and sets the connection up; resolves when it is a peer or has failed. */
  dial(node: ENode, kind: 'static' | 'dynamic'): Promise<void> {
    const task = this.#dial(node, kind)
    this.#track(task)
    return task
  }

  /** Closes every connection still in setup (the server stops). */
  destroyAll(): void {
    for (const stream of this.#streams) stream.destroy()
  }

  /** Resolves once every setup has ended. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks])
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task)
    void task.finally(() => this.#tasks.delete(task))
  }

  async #dial(dest: ENode, kind: 'static' | 'dynamic'): Promise<void> {
    if (!this.#o.live()) return
    let stream: SetupStream
    this.#dials++
    try {
      stream = await this.#o.dialer.dial(dest, { signal: this.#o.signal })
    } catch (err) {
      // discovery's candidates are often gone: their failed dials are routine, kept at debug
      const level = kind === 'static' ? 'info' : 'debug'
      this.#o.logger[level]({ node: dest.idHex, err: (err as Error)?.message }, 'dial failed')
      return
    } finally {
      this.#dials--
    }
    if (!this.#o.live()) {
      stream.destroy()
      return
    }
    await this.#run(stream, { kind, dest })
  }

  /** The whole setup of one connection. Never rejects. */
  async #run(stream: SetupStream, target: SetupTarget): Promise<void> {
    const o = this.#o
    const ticket = target.kind === 'inbound' ? target.ticket : undefined
    const dest = target.kind === 'inbound' ? undefined : target.dest
    this.#streams.add(stream)
    let conn: RlpxConnection | undefined
    let pendingDone = false
    const donePending = (): void => {
      if (pendingDone) return
      pendingDone = true
      ticket?.release()
      this.#streams.delete(stream)
    }
    const ip = remoteIp(stream)
    const addresses = streamAddresses(stream)
    try {
      const base = {
        privateKey: o.privateKey,
        signal: o.signal,
        // inbound: what is left of the deadline that started at accept
        timeoutMs: ticket?.remainingMs ?? o.handshakeTimeoutMs,
        // the handshake deadline and the connection's read/write deadlines
        clock: o.clock,
        logger: o.logger,
      }
      conn = dest
        ? await initiatorHandshake(stream, { ...base, remotePublicKey: dest.publicKey })
        : await recipientHandshake(stream, base)
      ticket?.handshaken()
      const remoteKey = conn.remotePublicKey
      const id = nodeIdHex(nodeIdFromPublicKey(remoteKey))
      o.peers.check(id, target.kind)
      const hello = await exchangeHello(conn, {
        hello: o.hello(),
        clock: o.clock,
        timeoutMs: o.handshakeTimeoutMs,
      })
      // as geth: snappy starts right after a valid Hello, so even a Disconnect for a
      // failed check below is compressed
      conn.setSnappy(hello.version >= 5)
      checkHelloIdentity(hello, remoteKey)
      const matched = matchProtocols(o.protocols, hello.caps)
      if (matched.length === 0) {
        throw P2pError.local(DisconnectReason.UselessPeer, 'no shared capability')
      }
      if (!o.live()) throw P2pError.local(DisconnectReason.Quitting)
      const peer = createPeer({
        conn,
        node: dest ?? ENode.fromPublicKey(remoteKey, ip ? { ip, tcp: stream.remotePort } : {}),
        name: hello.name,
        caps: hello.caps,
        matched,
        inbound: target.kind === 'inbound',
        trusted: o.peers.isTrusted(id),
        static: target.kind === 'static' || o.isStatic(id),
        localAddress: addresses.local,
        remoteAddress: addresses.remote || hostPort(dest?.ip, dest?.tcp),
        clock: o.clock,
        logger: o.logger,
        // msgsend/msgrecv only, and only when message events are on
        onMsgEvent: o.onMsgEvent,
      })
      // the limits again (they may have filled during Hello), and the peer counted
      o.peers.admit(peer, target.kind)?.disconnect(DisconnectReason.AlreadyConnected)
      donePending()
      o.onPeer(peer)
    } catch (err) {
      donePending()
      await this.#reject(conn, stream, err, target.kind, dest)
    }
  }

  async #reject(
    conn: RlpxConnection | undefined,
    stream: SetupStream,
    err: unknown,
    kind: SetupTarget['kind'],
    dest: ENode | undefined,
  ): Promise<void> {
    const fields = {
      node: dest?.idHex,
      remote: stream.remoteAddress,
      inbound: kind === 'inbound',
      reason: disconnectReasonText(disconnectReasonFor(err)),
      err: (err as Error)?.message,
    }
    this.#o.logger[this.#failureLevel(kind)](fields, 'connection setup failed')
    if (!conn) {
      stream.destroy()
      return
    }
    const remote = err instanceof P2pError && err.code === 'REMOTE_DISCONNECT'
    if (!remote && conn.error === undefined) {
      await sendDisconnect(conn, disconnectReasonFor(err), this.#o.clock)
    }
    await conn.close()
  }
}
