/**
 * The handshake state machine of discovery v5 (discv5-theory.md "Handshake Steps"): our
 * messages go out sealed with the session of (node id, ip:port), or, without one, a
 * random packet starts a handshake and the message waits for the WHOAREYOU; incoming
 * packets are opened with their session, answered with a WHOAREYOU when they cannot be,
 * and handshakes are accepted only against a live challenge of ours (one attempt each).
 * What comes out is a message with its sender; what it means is the handlers' business.
 */
import type { Logger } from '@devp2p/common'
import { randomBytes } from '@devp2p/crypto'
import type { Enr, LocalNode, NodeId } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import type { DatagramTransport, UdpAddress } from '../v4/transport.js'
import type { Challenges } from './challenges.js'
import { NONCE_BYTES } from './constants.js'
import { acceptHandshake, createHandshake } from './handshake.js'
import type { Message } from './message-types.js'
import { decodePacket, decryptMessage } from './packet-decode.js'
import { encodeHandshakePacket, encodeMessagePacket, encodeRandomPacket } from './packet-encode.js'
import type { HandshakePacket, OrdinaryPacket, Packet, WhoareyouPacket } from './packet-types.js'
import { endpointKey, Session, type SessionCache } from './session-cache.js'
import type { Discv5Stats } from './stats.js'

/** A node we talk to: who it is (its key for the handshake) and where. */
export interface Remote {
  readonly id: NodeId
  readonly publicKey: Uint8Array
  /** Its record when we know one (kept with the session we make). */
  readonly record: Enr | undefined
  readonly addr: UdpAddress
}

/** A request of ours on its way: the session layer sends it, through a handshake if need be. */
export interface OutboundCall {
  readonly remote: Remote
  readonly message: Message
  /** Called when a WHOAREYOU made us send the message again, in a handshake packet. */
  readonly onResent: () => void
}

/** A message that arrived, opened, with who sent it. */
export interface InboundMessage {
  readonly message: Message
  readonly srcId: NodeId
  readonly from: UdpAddress
  /** The sender's record as the session knows it. */
  readonly record: Enr | undefined
  /** Whether it came in a handshake we just accepted (its sender proved its key). */
  readonly handshake: boolean
}

/** What the session layer works with. */
export interface SessionLayerOptions {
  readonly privateKey: Uint8Array
  readonly localNode: LocalNode
  readonly transport: DatagramTransport
  readonly sessions: SessionCache
  readonly challenges: Challenges
  readonly log: Logger
  readonly stats: Discv5Stats
  /** The record we hold of node `id` (the table's), for the WHOAREYOU's enr-seq. */
  readonly knownRecord: (id: NodeId) => Enr | undefined
  /** Every message that arrived and opened. Must not throw. */
  readonly onMessage: (inbound: InboundMessage) => void
  /** Aborted when the service stops: nothing is sent after it. */
  readonly signal: AbortSignal
}

/** What the layer remembers of a call it sent. */
interface CallState {
  nonceHex: string | undefined
  handshakeSent: boolean
}

/** A handshake we started (random packet sent), and the calls waiting for its session. */
interface Handshaking {
  readonly starter: OutboundCall
  readonly queued: OutboundCall[]
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

/** `ip:port`, the address part of session and challenge keys. */
export function addrText(addr: UdpAddress): string {
  return `${addr.ip}:${addr.port}`
}

/** The message of `packet` opened with `key`; undefined when it does not authenticate. */
function openWith(packet: OrdinaryPacket, key: Uint8Array): Message | undefined {
  try {
    return decryptMessage(packet, key)
  } catch (err) {
    if (err instanceof DiscoveryError && err.code === 'DECRYPT_FAILED') return undefined
    throw err
  }
}

/** Sessions, handshakes and packets in and out (see the module comment). */
export class SessionLayer {
  readonly #o: SessionLayerOptions
  readonly #localId: NodeId
  // bounded: one entry per call of ours in flight (MAX_PENDING_REQUESTS), removed by forget()
  readonly #calls = new Map<OutboundCall, CallState>()
  // bounded: one entry per call in #calls (the nonce of its last packet)
  readonly #byNonce = new Map<string, OutboundCall>()
  // bounded: at most one entry per call in #calls (the handshakes our calls started)
  readonly #handshaking = new Map<string, Handshaking>()

  constructor(options: SessionLayerOptions) {
    this.#o = options
    this.#localId = options.localNode.id
  }

  /**
   * Sends a request: sealed with the session when there is one; else, when a handshake
   * with the node is under way, after it; else a random packet starts one.
   */
  send(call: OutboundCall): void {
    const { remote } = call
    const state: CallState = { nonceHex: undefined, handshakeSent: false }
    this.#calls.set(call, state)
    const addr = addrText(remote.addr)
    const session = this.#o.sessions.get(remote.id, addr)
    if (session) {
      this.#seal(call, state, session)
      return
    }
    const key = endpointKey(remote.id, addr)
    const pending = this.#handshaking.get(key)
    if (pending) {
      pending.queued.push(call)
      return
    }
    this.#handshaking.set(key, { starter: call, queued: [] })
    const nonce = randomBytes(NONCE_BYTES)
    this.#index(call, state, nonce)
    this.#transmit(
      encodeRandomPacket({ destId: remote.id, srcId: this.#localId, nonce }),
      remote.addr,
    )
  }

  /**
   * Sends a response to the node that asked: only within its session (a request reaches
   * us only through one). Without a session it is dropped.
   * @throws {RangeError} when the message does not fit one packet (see `encodeMessage`).
   */
  respond(to: { readonly id: NodeId; readonly addr: UdpAddress }, message: Message): void {
    const session = this.#o.sessions.get(to.id, addrText(to.addr))
    if (!session) {
      this.#o.stats.ignored++
      return
    }
    const bytes = encodeMessagePacket({
      destId: to.id,
      srcId: this.#localId,
      nonce: session.nextNonce(),
      writeKey: session.writeKey,
      message,
    })
    this.#transmit(bytes, to.addr)
  }

  /** The call ended (answered, timed out, closed): its state goes, and its waiters move on. */
  forget(call: OutboundCall): void {
    const state = this.#calls.get(call)
    if (!state) return
    this.#calls.delete(call)
    if (state.nonceHex !== undefined) this.#byNonce.delete(state.nonceHex)
    const key = endpointKey(call.remote.id, addrText(call.remote.addr))
    const pending = this.#handshaking.get(key)
    if (!pending) return
    if (pending.starter === call) {
      // the handshake it started never came: the next waiter starts another (unless the
      // service stops: then every call ends, and none is sent again)
      this.#handshaking.delete(key)
      if (this.#o.signal.aborted) return
      for (const next of pending.queued) {
        this.#calls.delete(next)
        this.send(next)
      }
      return
    }
    const at = pending.queued.indexOf(call)
    if (at >= 0) pending.queued.splice(at, 1)
  }

  /** One datagram from the transport. Never throws: a bad packet is counted and dropped. */
  receive(bytes: Uint8Array, from: UdpAddress): void {
    const { stats } = this.#o
    stats.packetsIn++
    stats.bytesIn += bytes.length
    let packet: Packet
    try {
      packet = decodePacket(this.#localId, bytes)
    } catch {
      stats.invalid++
      return
    }
    try {
      if (packet.kind === 'message') this.#onMessagePacket(packet, bytes.length, from)
      else if (packet.kind === 'whoareyou') this.#onWhoareyou(packet, from)
      else this.#onHandshake(packet, from)
    } catch (err) {
      // a typed error is a bad packet; anything else is a bug of ours, logged, never thrown
      stats.invalid++
      if (!(err instanceof DiscoveryError)) {
        this.#o.log.warn({ err: String(err) }, 'discv5 packet handling failed')
      }
    }
  }

  #onMessagePacket(packet: OrdinaryPacket, size: number, from: UdpAddress): void {
    const { srcId } = packet
    if (srcId.every((b, i) => b === this.#localId[i])) {
      this.#o.stats.ignored++
      return
    }
    const addr = addrText(from)
    const session = this.#o.sessions.get(srcId, addr)
    if (session) {
      const message =
        openWith(packet, session.readKey) ??
        (session.previousReadKey && openWith(packet, session.previousReadKey))
      if (message) {
        this.#o.onMessage({ message, srcId, from, record: session.record, handshake: false })
        return
      }
    }
    // no session, or a stale one: challenge the sender (the same WHOAREYOU while it lives)
    const known = session?.record ?? this.#o.knownRecord(srcId)
    const { bytes } = this.#o.challenges.whoareyou(srcId, addr, packet.nonce, known)
    // never larger than what caused it: no amplification for a forged source address
    if (bytes.length > size) return
    this.#o.stats.whoareyouSent++
    this.#transmit(bytes, from)
  }

  #onWhoareyou(packet: WhoareyouPacket, from: UdpAddress): void {
    const call = this.#byNonce.get(hex(packet.nonce))
    const state = call && this.#calls.get(call)
    // a WHOAREYOU answers a packet of ours, from the address it went to; one handshake per call
    if (
      !call ||
      !state ||
      state.handshakeSent ||
      call.remote.addr.ip !== from.ip ||
      call.remote.addr.port !== from.port
    ) {
      this.#o.stats.ignored++
      return
    }
    const { remote } = call
    const { localNode, privateKey } = this.#o
    const hs = createHandshake({
      privateKey,
      localRecord: localNode.record,
      remoteId: remote.id,
      remotePublicKey: remote.publicKey,
      whoareyou: packet,
    })
    const addr = addrText(remote.addr)
    const session = this.#o.sessions.set(
      remote.id,
      addr,
      new Session({
        writeKey: hs.writeKey,
        readKey: hs.readKey,
        previousReadKey: this.#o.sessions.get(remote.id, addr)?.readKey,
        record: remote.record,
      }),
    )
    const nonce = session.nextNonce()
    const bytes = encodeHandshakePacket({
      destId: remote.id,
      srcId: this.#localId,
      nonce,
      writeKey: hs.writeKey,
      message: call.message,
      idSignature: hs.idSignature,
      ephemeralPubkey: hs.ephemeralPubkey,
      record: hs.record,
    })
    state.handshakeSent = true
    this.#index(call, state, nonce)
    this.#o.stats.handshakes++
    this.#transmit(bytes, remote.addr)
    call.onResent()
    // the calls that waited for this handshake go out in the new session
    const key = endpointKey(remote.id, addr)
    const pending = this.#handshaking.get(key)
    if (pending) {
      this.#handshaking.delete(key)
      for (const next of pending.queued) {
        const nextState = this.#calls.get(next)
        if (nextState) this.#seal(next, nextState, session)
      }
    }
  }

  #onHandshake(packet: HandshakePacket, from: UdpAddress): void {
    const addr = addrText(from)
    const challenge = this.#o.challenges.take(packet.srcId, addr)
    if (!challenge) {
      this.#o.stats.ignored++
      return
    }
    const accepted = acceptHandshake({
      privateKey: this.#o.privateKey,
      localId: this.#localId,
      packet,
      challengeData: challenge.challengeData,
      knownRecord: challenge.knownRecord,
    })
    this.#o.sessions.set(
      packet.srcId,
      addr,
      new Session({
        writeKey: accepted.writeKey,
        readKey: accepted.readKey,
        previousReadKey: this.#o.sessions.get(packet.srcId, addr)?.readKey,
        record: accepted.record,
      }),
    )
    this.#o.stats.handshakes++
    this.#o.onMessage({
      message: accepted.message,
      srcId: accepted.record.nodeId,
      from,
      record: accepted.record,
      handshake: true,
    })
  }

  #seal(call: OutboundCall, state: CallState, session: Session): void {
    const nonce = session.nextNonce()
    const bytes = encodeMessagePacket({
      destId: call.remote.id,
      srcId: this.#localId,
      nonce,
      writeKey: session.writeKey,
      message: call.message,
    })
    this.#index(call, state, nonce)
    this.#transmit(bytes, call.remote.addr)
  }

  /** Remembers the nonce of the call's latest packet: a WHOAREYOU names it. */
  #index(call: OutboundCall, state: CallState, nonce: Uint8Array): void {
    if (state.nonceHex !== undefined) this.#byNonce.delete(state.nonceHex)
    state.nonceHex = hex(nonce)
    this.#byNonce.set(state.nonceHex, call)
  }

  #transmit(bytes: Uint8Array, to: UdpAddress): void {
    if (this.#o.signal.aborted) return
    this.#o.stats.packetsOut++
    this.#o.stats.bytesOut += bytes.length
    this.#o.transport.send(bytes, to)
  }
}
