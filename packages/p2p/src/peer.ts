import type { Clock, Logger, TimerHandle } from '@devp2p/common'
import type { ENode, NodeId, NodeIdHex } from '@devp2p/enode'
import type { RlpxConnection } from '@devp2p/rlpx'
import {
  type Cap,
  DISCONNECT_MSG,
  decodeDisconnect,
  EMPTY_LIST,
  encodeDisconnect,
  PING_MSG,
  PONG_MSG,
} from './base-protocol.js'
import { capString, type MatchedProtocol } from './caps.js'
import { DisconnectReason, disconnectReasonFor, disconnectReasonText, P2pError } from './errors.js'
import { iterateMsgs, Msg, MsgChannel, type MsgReadWriter, type OutMsg } from './msg.js'
import { PING_FLOOD_MAX, PING_RATE_WINDOW_MS, PingLimiter } from './ping-limiter.js'

/** How often we ping an idle-or-not peer (geth: 15 s). */
export const PING_INTERVAL_MS = 15_000
/** How long a Disconnect may take to send before the socket is closed anyway (geth: 1 s). */
export const DISCONNECT_WRITE_TIMEOUT_MS = 1_000

/** A peer event, as geth's `p2p.PeerEvent`. */
export interface PeerEvent {
  readonly type: 'add' | 'drop' | 'msgsend' | 'msgrecv'
  /** The peer's node id as hex. */
  readonly peer: NodeIdHex
  /** For `drop`: why, as text. */
  readonly error?: string
  /** For `drop`: the Disconnect reason sent or received. */
  readonly reason?: DisconnectReason
  /** For `msgsend`/`msgrecv`: the protocol name. */
  readonly protocol?: string
  /** For `msgsend`/`msgrecv`: the code relative to the protocol. */
  readonly msgCode?: number
  /** For `msgsend`/`msgrecv`: the payload size in bytes. */
  readonly msgSize?: number
  readonly localAddress?: string
  readonly remoteAddress?: string
}

const noop = (): void => {}

/**
 * @internal Sends Disconnect with `reason`, giving it {@link DISCONNECT_WRITE_TIMEOUT_MS}
 * to leave (a peer that stopped reading must not hold up the close). Never rejects.
 */
export async function sendDisconnect(
  conn: RlpxConnection,
  reason: DisconnectReason,
  clock: Clock,
): Promise<void> {
  let timer: TimerHandle | undefined
  await Promise.race([
    conn.writeMsg(DISCONNECT_MSG, encodeDisconnect(reason)).catch(noop),
    new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, DISCONNECT_WRITE_TIMEOUT_MS)
    }),
  ])
  clock.clearTimeout(timer)
}

/** `peersInfo()` entries, in geth's `admin_peers` shape. */
export interface PeerInfo {
  readonly enr?: string
  readonly enode: string
  readonly id: NodeIdHex
  readonly name: string
  readonly caps: string[]
  readonly network: {
    readonly localAddress: string
    readonly remoteAddress: string
    readonly inbound: boolean
    readonly trusted: boolean
    readonly static: boolean
  }
  readonly protocols: Record<string, unknown>
}

/** @internal What the server hands a new peer. */
export interface PeerInit {
  readonly conn: RlpxConnection
  readonly node: ENode
  readonly name: string
  readonly caps: readonly Cap[]
  readonly matched: readonly MatchedProtocol[]
  readonly inbound: boolean
  readonly trusted: boolean
  readonly static: boolean
  readonly localAddress: string
  readonly remoteAddress: string
  readonly clock: Clock
  readonly logger: Logger
  /** Called for `msgsend`/`msgrecv` when message events are on. */
  readonly onMsgEvent?: ((event: PeerEvent) => void) | undefined
}

/** One sub-protocol's view of the peer: codes relative to its offset. */
class ProtoRW implements MsgReadWriter {
  readonly channel = new MsgChannel()
  readonly #peer: Peer
  readonly #matched: MatchedProtocol

  constructor(peer: Peer, matched: MatchedProtocol) {
    this.#peer = peer
    this.#matched = matched
  }

  readMsg(options?: { signal?: AbortSignal }): Promise<Msg> {
    return this.channel.take(options?.signal)
  }

  writeMsg(msg: OutMsg): Promise<void> {
    const { protocol, offset } = this.#matched
    if (!Number.isInteger(msg.code) || msg.code < 0 || msg.code >= protocol.length) {
      throw new RangeError(
        `${protocol.name}/${protocol.version}: message code ${msg.code} outside 0–${protocol.length - 1}`,
      )
    }
    if (!(msg.payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
    return this.#peer._write(offset + msg.code, msg.payload, protocol.name, msg.code)
  }

  [Symbol.asyncIterator](): AsyncIterator<Msg> {
    return iterateMsgs(this)
  }
}

/**
 * A connected peer: the RLPx connection after a successful Hello, running the base
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
  readonly #conn: RlpxConnection
  readonly #matched: readonly MatchedProtocol[]
  readonly #rws: ProtoRW[]
  readonly #clock: Clock
  readonly #log: Logger
  readonly #onMsgEvent: ((event: PeerEvent) => void) | undefined
  // created on first use of `signal`: most protocols never ask for it
  #abort: AbortController | undefined
  #pingTimer: TimerHandle | undefined
  readonly #pings: PingLimiter
  #ended: Error | undefined
  #endedResolve: (err: Error) => void = noop
  readonly #endedPromise: Promise<Error>
  #done: Promise<Error> | undefined

  /** @internal Created by the server. */
  constructor(init: PeerInit) {
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
    this.#rws = init.matched.map((matched) => new ProtoRW(this, matched))
    this.#endedPromise = new Promise<Error>((resolve) => {
      this.#endedResolve = resolve
    })
  }

  /** Aborts when the peer drops; for the protocols' own timers and requests. */
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

  /** @internal */
  _setTrusted(trusted: boolean): void {
    this.#trusted = trusted
  }

  /** The protocols running with this peer, with their code offsets. */
  get protocols(): readonly MatchedProtocol[] {
    return this.#matched
  }

  /** Why the peer dropped, once it has. */
  get error(): Error | undefined {
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

  /** @internal Sends one frame; every write of the peer goes through here, in order. */
  _write(code: number, payload: Uint8Array, protocol?: string, msgCode?: number): Promise<void> {
    if (this.#ended) {
      return Promise.reject(new P2pError('PEER_CLOSED', 'peer has dropped', { cause: this.#ended }))
    }
    const written = this.#conn.writeMsg(code, payload).then(
      () => {
        if (protocol !== undefined && this.#onMsgEvent) {
          this.#onMsgEvent(this.#msgEvent('msgsend', protocol, msgCode!, payload.length))
        }
      },
      (err: unknown) => {
        this.#end(err)
        throw new P2pError('PEER_CLOSED', 'peer has dropped', { cause: this.#ended })
      },
    )
    return written
  }

  #msgEvent(type: 'msgsend' | 'msgrecv', protocol: string, code: number, size: number): PeerEvent {
    return {
      type,
      peer: this.idHex,
      protocol,
      msgCode: code,
      msgSize: size,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
    }
  }

  /**
   * @internal Runs the peer until it drops; resolves (never rejects) with why it dropped.
   * Called once by the server.
   */
  _run(): Promise<Error> {
    if (this.#done) return this.#done
    this.#done = this.#runInner()
    return this.#done
  }

  async #runInner(): Promise<Error> {
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
      const reason = disconnectReasonFor(err)
      await sendDisconnect(this.#conn, reason, this.#clock)
    }
    await this.#conn.close()
    return err
  }

  #end(err: unknown): void {
    if (this.#ended) return
    this.#ended = err instanceof Error ? err : new Error(String(err))
    this.#log.debug({ peer: this.idHex, err: this.#ended.message }, 'peer ending')
    this.#endedResolve(this.#ended)
  }

  #schedulePing(): void {
    this.#pingTimer = this.#clock.setTimeout(() => {
      if (this.#ended) return
      this._write(PING_MSG, EMPTY_LIST).catch(noop)
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
            if (verdict === 'answer') await this._write(PONG_MSG, EMPTY_LIST)
            else if (verdict === 'drop') {
              throw new P2pError(
                'PING_FLOOD',
                `${PING_FLOOD_MAX} pings within ${PING_RATE_WINDOW_MS} ms`,
                { reason: DisconnectReason.ProtocolError },
              )
            }
          } else if (code === DISCONNECT_MSG) {
            const reason = decodeDisconnect(payload)
            this.#end(new P2pError('REMOTE_DISCONNECT', disconnectReasonText(reason), { reason }))
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
        await this.#rws[index]!.channel.push(msg)
      }
    } catch (err) {
      this.#end(err)
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
