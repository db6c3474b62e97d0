/**
 * A hand-driven discovery v5 node for hostile-input tests: it sends whatever packet a
 * test asks for from its own address on the in-memory network (built with the wire
 * layer, which the vectors pin down), and keeps every packet it receives.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { ENode, Enr } from '@devp2p/enode'
import type { MemoryNetwork, MemoryTransport } from '@devp2p/testing'
import {
  createHandshake,
  type Discv5,
  decodePacket,
  decryptMessage,
  encodeHandshakePacket,
  encodeMessagePacket,
  encodeRandomPacket,
  type Message,
  type Packet,
  type WhoareyouPacket,
} from '../../../src/v5/index.js'

/** Keys of a session the raw node made. */
export interface RawSession {
  readonly writeKey: Uint8Array
  readonly readKey: Uint8Array
}

let nonceCounter = 0
/** A distinct 12-byte nonce per packet. */
export function freshNonce(): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setUint32(8, ++nonceCounter)
  nonce[0] = 0xaa
  return nonce
}

export class RawV5 {
  readonly privateKey = generatePrivateKey()
  readonly record: Enr
  readonly transport: MemoryTransport
  /** Every datagram received, as bytes and decoded. */
  readonly received: { bytes: Uint8Array; packet: Packet }[] = []
  /** Datagrams that were not packets for this node. */
  undecodable = 0

  constructor(net: MemoryNetwork, ip: string, port = 30303) {
    this.transport = net.bind(ip, port)
    this.record = Enr.create(this.privateKey, { ip, udp: port })
    this.transport.onMessage((bytes) => {
      try {
        this.received.push({ bytes, packet: decodePacket(this.record.nodeId, bytes) })
      } catch {
        // masked for another id: a WHOAREYOU to an id a mutated packet claimed
        this.undecodable++
      }
    })
  }

  get id(): Uint8Array {
    return this.record.nodeId
  }

  get node(): ENode {
    return ENode.fromRecord(this.record)
  }

  /** A packet that cannot be opened: the target answers with a WHOAREYOU. */
  sendRandom(to: Discv5): Uint8Array {
    const bytes = encodeRandomPacket({ destId: to.id, srcId: this.id, nonce: freshNonce() })
    this.transport.send(bytes, to.address)
    return bytes
  }

  /** The WHOAREYOUs received, removed from `received`. */
  takeWhoareyous(): { bytes: Uint8Array; packet: WhoareyouPacket }[] {
    const out = this.received.filter((r) => r.packet.kind === 'whoareyou')
    for (const r of out) this.received.splice(this.received.indexOf(r), 1)
    return out as { bytes: Uint8Array; packet: WhoareyouPacket }[]
  }

  /** A handshake packet answering `whoareyou` with `message`, and the keys it makes. */
  handshake(
    to: Discv5,
    whoareyou: WhoareyouPacket,
    message: Message,
  ): { bytes: Uint8Array; session: RawSession } {
    const hs = createHandshake({
      privateKey: this.privateKey,
      localRecord: this.record,
      remoteId: to.id,
      remotePublicKey: to.self().publicKey,
      whoareyou,
    })
    const bytes = encodeHandshakePacket({
      destId: to.id,
      srcId: this.id,
      nonce: freshNonce(),
      writeKey: hs.writeKey,
      message,
      idSignature: hs.idSignature,
      ephemeralPubkey: hs.ephemeralPubkey,
      record: hs.record,
    })
    return { bytes, session: { writeKey: hs.writeKey, readKey: hs.readKey } }
  }

  /** `message` sealed in `session`. */
  sealed(to: Discv5, session: RawSession, message: Message): Uint8Array {
    return encodeMessagePacket({
      destId: to.id,
      srcId: this.id,
      nonce: freshNonce(),
      writeKey: session.writeKey,
      message,
    })
  }

  send(bytes: Uint8Array, to: Discv5): void {
    this.transport.send(bytes, to.address)
  }

  /** The messages received in `session`, removed from `received`. */
  takeMessages(session: RawSession): Message[] {
    const out: Message[] = []
    for (const r of [...this.received]) {
      if (r.packet.kind !== 'message') continue
      try {
        out.push(decryptMessage(r.packet, session.readKey))
        this.received.splice(this.received.indexOf(r), 1)
      } catch {
        // not of this session
      }
    }
    return out
  }
}

/** Lets every datagram and what it starts run to completion. */
export async function settle(net: MemoryNetwork): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await net.idle()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** A PING with request id `n`. */
export const ping = (n: number): Message => ({
  type: 'ping',
  requestId: Uint8Array.of(n & 0xff, n >> 8),
  enrSeq: 1n,
})

/**
 * A session with `to`: random packet, WHOAREYOU, handshake carrying a PING; the PONG
 * is taken from `received`.
 */
export async function openSession(raw: RawV5, to: Discv5, net: MemoryNetwork): Promise<RawSession> {
  raw.sendRandom(to)
  await settle(net)
  const [challenge] = raw.takeWhoareyous()
  if (!challenge) throw new Error('no WHOAREYOU')
  const { bytes, session } = raw.handshake(to, challenge.packet, ping(1))
  raw.send(bytes, to)
  await settle(net)
  const answers = raw.takeMessages(session)
  if (answers[0]?.type !== 'pong') throw new Error('no PONG to the handshake')
  return session
}
