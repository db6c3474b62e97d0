import type { Clock, Logger, TimerHandle } from '@devp2p/common'
import type { ENode, NodeId, NodeIdHex } from '@devp2p/enode'
import type { RlpxError } from '@devp2p/rlpx'
import { type Cap, DISCONNECT_MSG, EMPTY_LIST, PING_MSG, PONG_MSG } from './base-protocol.js'
import { capString, type MatchedProtocol, type ProtocolCap } from './caps.js'
import { PING_FLOOD_MAX, PING_INTERVAL_MS, PING_RATE_WINDOW_MS } from './constants.js'
import { readFailure, remoteDisconnect, sendDisconnect } from './disconnect.js'
import { DisconnectReason, disconnectReasonFor, P2pError, toPeerError } from './errors.js'
import { Msg, type MsgReadWriter } from './msg.js'
import type { PeerMsgEvent } from './peer-event.js'
import { PingLimiter } from './ping-limiter.js'
import { type PeerWrite, ProtocolRW } from './protocol-rw.js'
import type { Transport } from './transport.js'

const noop = (): void => {}

/** `peersInfo()` entries and {@link Peer.info}, in geth's `admin_peers` shape. */
export interface PeerInfo {
  /** The peer's ENR as `enr:…` text, when we know its record. */
  readonly enr?: string
  /** `enode://<id>@<ip>:<tcp>`: the address we dialed, or the one it dialed us from. */
  readonly enode: string
  readonly id: NodeIdHex
  /** The client name from its Hello. */
  readonly name: string
  /** Every capability from its Hello, as `name/version` (`eth/68`). */
  readonly caps: string[]
  readonly network: {
    readonly localAddress: string
    readonly remoteAddress: string
    readonly inbound: boolean
    readonly trusted: boolean
    readonly static: boolean
  }
  /** Per running protocol: its `peerInfo(peer)`, or `'unknown'` without one. */
  readonly protocols: Record<string, unknown>
}

/**
 * What a peer needs of a protocol it runs (every {@link Protocol} is one): declared
 * here so that `Peer` does not depend on the `Protocol` type that names it.
 */
export interface PeerProtocol extends ProtocolCap {
  run(peer: Peer, rw: MsgReadWriter): Promise<void>
  peerInfo?(peer: Peer): unknown
}

/** @internal What the server hands a new peer. */
export interface PeerInit {
  readonly conn: Transport
  readonly node: ENode
  readonly name: string
  readonly caps: readonly Cap[]
  readonly matched: readonly MatchedProtocol<PeerProtocol>[]
  readonly inbound: boolean
  readonly trusted: boolean
  readonly static: boolean
  readonly localAddress: string
  readonly remoteAddress: string
  readonly clock: Clock
  readonly logger: Logger
  /** Called for `msgsend`/`msgrecv` when message events are on. */
  readonly onMsgEvent?: ((event: PeerMsgEvent) => void) | undefined
}

// set in Peer's static block: the server's handles on a peer, outside its public type
let run: (peer: Peer) => Promise<P2pError | RlpxError>
let setTrusted: (peer: Peer, trusted: boolean) => void
let create: (init: PeerInit) => Peer
let writeTo: PeerWrite<Peer>

/**
 * @internal A peer over a connection whose Hello is done (the connection setup; tests).
 * Not exported from the package, so `PeerInit` stays out of `Peer`'s public type.
 */
export function createPeer(init: PeerInit): Peer {
  return create(init)
}

/**
 * @internal Runs `peer` until it drops; resolves (never rejects) with why it dropped.
 * The first call starts it; later calls return the same promise.
 */
export function runPeer(peer: Peer): Promise<P2pError | RlpxError> {
  return run(peer)
}

/** @internal Marks `peer` trusted or not (`Server.addTrustedPeer`); no peer, nothing to do. */
export function setPeerTrusted(peer: Peer | undefined, trusted: boolean): void {
  if (peer) setTrusted(peer, trusted)
}

/**
 * A connected peer: the connection after a successful Hello, running the base
 * protocol (pings, pongs, disconnects) and one `run` per shared capability. Created by
 * the {@link Server}; handed to each protocol's `run`.
 */
export class Peer {
  /** The peer's node id (keccak256 of its public key). */
  readonly id: NodeId
  readonly idHex: NodeIdHex
  /** The node we dialed, or the one that dialed us (its address as we saw it). */
  readonly node: ENode
  /** The client name from its Hello. */
  readonly name: string
  /** Every capability from its Hello. */
  readonly caps: readonly Cap[]
  readonly localAddress: string
  readonly remoteAddress: string
  /** Whether it dialed us. */
  readonly inbound: boolean
  /** Whether it is a static node (see `Server.addPeer`). */
  readonly static: boolean
  #trusted: boolean
  readonly #conn: Transport
  readonly #matched: readonly MatchedProtocol<PeerProtocol>[]
  readonly #rws: ProtocolRW<Peer>[]
  readonly #clock: Clock
  readonly #log: Logger
  readonly #onMsgEvent: ((event: PeerMsgEvent) => void) | undefined
  // created on first use of `signal`: most protocols never ask for it
  #abort: AbortController | undefined
  #pingTimer: TimerHandle | undefined
  readonly #pings: PingLimiter
  #ended: P2pError | RlpxError | undefined
  #endedResolve: (err: P2pError | RlpxError) => void = noop
  readonly #endedPromise: Promise<P2pError | RlpxError>
  #done: Promise<P2pError | RlpxError> | undefined

  static {
    run = (peer) => {
      peer.#done ??= peer.#run()
      return peer.#done
    }
    setTrusted = (peer, trusted) => {
      peer.#trusted = trusted
    }
    create = (init) => new Peer(init)
    writeTo = (peer, code, payload, protocol, msgCode) =>
      peer.#write(code, payload, protocol, msgCode)
  }

  /** Made by the server (see {@link createPeer}). */
  private constructor(init: PeerInit) {
    this.#conn = init.conn
    this.node = init.node
    this.id = init.node.id
    this.idHex = init.node.idHex
    this.name = init.name
    this.caps = init.caps
    this.#matched = init.matched
    this.inbound = init.inbound
    this.#trusted = init.trusted
    this.static = init.static
    this.localAddress = init.localAddress
    this.remoteAddress = init.remoteAddress
    this.#clock = init.clock
    this.#pings = new PingLimiter(init.clock)
    this.#log = init.logger
    this.#onMsgEvent = init.onMsgEvent
    // one module-level write function: nothing is made per message or per peer
    this.#rws = init.matched.map((matched) => new ProtocolRW<Peer>(matched, this, writeTo))
    this.#endedPromise = new Promise((resolve) => {
      this.#endedResolve = resolve
    })
  }

  /** Aborts when the peer drops (its reason: {@link error}); for the protocols' own timers and requests. */
  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController()
      if (this.#ended) this.#abort.abort(this.#ended)
    }
    return this.#abort.signal
  }

  /** Whether it is trusted (exempt from the peer limits). */
  get trusted(): boolean {
    return this.#trusted
  }

  /** The protocols running with this peer, with their code offsets. */
  get protocols(): readonly MatchedProtocol<PeerProtocol>[] {
    return this.#matched
  }

  /** Why the peer dropped, once it has (the `drop` event's `error`). */
  get error(): P2pError | RlpxError | undefined {
    return this.#ended
  }

  /**
   * Drops the peer, sending Disconnect with `reason` (default "disconnect requested").
   * Idempotent; the server emits the `drop` event once the connection is closed.
   */
  disconnect(reason: DisconnectReason = DisconnectReason.Requested): void {
    this.#end(P2pError.local(reason))
  }

  /** This peer in geth's `admin_peers` shape. */
  info(): PeerInfo {
    const protocols: Record<string, unknown> = {}
    for (const { protocol } of this.#matched) {
      protocols[protocol.name] = protocol.peerInfo?.(this) ?? 'unknown'
    }
    return {
      ...(this.node.record ? { enr: this.node.record.encodeText() } : {}),
      enode: this.node.toEnodeUrl(),
      id: this.idHex,
      name: this.name,
      caps: this.caps.map(capString),
      network: {
        localAddress: this.localAddress,
        remoteAddress: this.remoteAddress,
        inbound: this.inbound,
        trusted: this.#trusted,
        static: this.static,
      },
      protocols,
    }
  }

  /** Sends one message; every write of the peer goes through here, in order. */
  #write(code: number, payload: Uint8Array, protocol?: string, msgCode?: number): Promise<void> {
    if (this.#ended) {
      return Promise.reject(new P2pError('PEER_CLOSED', 'peer has dropped', { cause: this.#ended }))
    }
    const written = this.#conn.writeMsg(code, payload)
    const onMsgEvent = this.#onMsgEvent
    if (onMsgEvent === undefined || protocol === undefined) {
      return written.then(undefined, this.#writeFailed)
    }
    return written.then(
      () => onMsgEvent(this.#msgEvent('msgsend', protocol, msgCode!, payload.length)),
      this.#writeFailed,
    )
  }

  readonly #writeFailed = (err: unknown): never => {
    this.#end(err)
    throw new P2pError('PEER_CLOSED', 'peer has dropped', { cause: this.#ended })
  }

  #msgEvent(
    type: 'msgsend' | 'msgrecv',
    protocol: string,
    msgCode: number,
    msgSize: number,
  ): PeerMsgEvent {
    return {
      type,
      peer: this.idHex,
      protocol,
      msgCode,
      msgSize,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
    }
  }

  async #run(): Promise<P2pError | RlpxError> {
    this.#schedulePing()
    void this.#readLoop()
    for (let i = 0; i < this.#matched.length; i++) {
      const { protocol } = this.#matched[i]!
      const rw = this.#rws[i]!
      Promise.resolve()
        .then(() => protocol.run(this, rw))
        .then(
          () => this.#end(P2pError.local(DisconnectReason.Quitting, `${protocol.name} returned`)),
          (err: unknown) => this.#end(err),
        )
    }
    const err = await this.#endedPromise
    this.#clock.clearTimeout(this.#pingTimer)
    const closed = new P2pError('PEER_CLOSED', `peer dropped: ${err.message}`, { cause: err })
    for (const rw of this.#rws) rw.channel.close(closed)
    this.#abort?.abort(err)
    // after a read timeout the connection still writes (writable), so the peer learns
    // why, as geth tells it; after any other connection failure there is no one to tell
    if (!(err instanceof P2pError && err.code === 'REMOTE_DISCONNECT') && this.#conn.writable) {
      await sendDisconnect(this.#conn, disconnectReasonFor(err), this.#clock)
    }
    await this.#conn.close()
    return err
  }

  #end(err: unknown): void {
    if (this.#ended) return
    this.#ended = toPeerError(err)
    this.#log.debug({ peer: this.idHex, err: this.#ended.message }, 'peer ending')
    this.#endedResolve(this.#ended)
  }

  #schedulePing(): void {
    this.#pingTimer = this.#clock.setTimeout(() => {
      if (this.#ended) return
      this.#write(PING_MSG, EMPTY_LIST).catch(noop)
      this.#schedulePing()
    }, PING_INTERVAL_MS)
  }

  async #readLoop(): Promise<void> {
    const conn = this.#conn
    try {
      while (!this.#ended) {
        const { code, payload } = await conn.readMsg()
        if (code < 0x10) {
          if (code === PING_MSG) {
            const verdict = this.#pings.take()
            // bounded: one Pong at a time; the read loop waits for it (geth: a small queue)
            if (verdict === 'answer') await this.#write(PONG_MSG, EMPTY_LIST)
            else if (verdict === 'drop') {
              throw new P2pError(
                'PING_FLOOD',
                `${PING_FLOOD_MAX} pings within ${PING_RATE_WINDOW_MS} ms`,
                { reason: DisconnectReason.ProtocolError },
              )
            }
          } else if (code === DISCONNECT_MSG) {
            this.#end(remoteDisconnect(payload))
            return
          }
          // Pong, a repeated Hello and unknown base codes are ignored, as geth does
          continue
        }
        const index = this.#protocolIndex(code)
        if (index < 0) {
          throw new P2pError('PROTOCOL_BREACH', `message code ${code} outside every capability`)
        }
        const { protocol, offset } = this.#matched[index]!
        const msg = new Msg(code - offset, payload, this.#clock.now())
        if (this.#onMsgEvent) {
          this.#onMsgEvent(this.#msgEvent('msgrecv', protocol.name, msg.code, msg.size))
        }
        // bounded: waits until the protocol takes it, so one message per protocol at most
        // (nothing to wait for when the protocol was waiting already)
        const taken = this.#rws[index]!.channel.push(msg)
        if (taken !== undefined) await taken
      }
    } catch (err) {
      this.#end(readFailure(err))
    }
  }

  #protocolIndex(code: number): number {
    const matched = this.#matched
    for (let i = 0; i < matched.length; i++) {
      const { protocol, offset } = matched[i]!
      if (code >= offset && code < offset + protocol.length) return i
    }
    return -1
  }
}
