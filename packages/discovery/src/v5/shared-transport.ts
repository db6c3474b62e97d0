/**
 * Discovery v4 and v5 on one UDP port, as go-ethereum runs them: every datagram is first
 * offered to v4, and one that is not a v4 packet (its first 32 bytes are not the
 * keccak256 of the rest: v4's `BAD_HASH`) goes to v5. Each service gets its own view of
 * the socket and closes it as it closes any transport handed in; the socket closes once
 * both have.
 */
import { keccak256 } from '@devp2p/crypto'
import type { DatagramTransport, UdpAddress } from '../v4/transport.js'
import { UdpTransport } from '../v4/transport.js'

/** discv4's hash(32) ‖ signature(65) ‖ type(1): a shorter datagram is not a v4 packet. */
const V4_MIN_PACKET_BYTES = 98
const V4_HASH_BYTES = 32

type Handler = (bytes: Uint8Array, from: UdpAddress) => void

/** Whether `bytes` carries discv4's packet hash (the check v4 makes first). */
export function isV4Packet(bytes: Uint8Array): boolean {
  if (bytes.length < V4_MIN_PACKET_BYTES) return false
  const hash = keccak256(bytes.subarray(V4_HASH_BYTES))
  let diff = 0
  for (let i = 0; i < V4_HASH_BYTES; i++) diff |= hash[i]! ^ bytes[i]!
  return diff === 0
}

/** One service's view of the shared socket. */
class SharedView implements DatagramTransport {
  handler: Handler | undefined
  closed = false
  readonly #socket: DatagramTransport
  readonly #onClose: () => Promise<void>

  constructor(socket: DatagramTransport, onClose: () => Promise<void>) {
    this.#socket = socket
    this.#onClose = onClose
  }

  get address(): UdpAddress {
    return this.#socket.address
  }

  send(bytes: Uint8Array, to: UdpAddress): void {
    if (!this.closed) this.#socket.send(bytes, to)
  }

  onMessage(handler: Handler): void {
    this.handler = handler
  }

  close(): Promise<void> {
    this.closed = true
    this.handler = undefined
    return this.#onClose()
  }
}

/**
 * A datagram socket shared by `Discv4` (`shared.v4`) and `Discv5` (`shared.v5`).
 *
 * @example
 * ```ts
 * const shared = await SharedUdpTransport.bind('0.0.0.0:30303')
 * const v4 = new Discv4({ privateKey, localNode, db, transport: shared.v4 })
 * const v5 = new Discv5({ privateKey, localNode, db, transport: shared.v5 })
 * await v4.start()
 * await v5.start()
 * // …
 * await v4.stop()
 * await v5.stop() // the socket closes with the second
 * ```
 */
export class SharedUdpTransport {
  /** Hand this to `Discv4`: it gets every datagram that is a v4 packet. */
  readonly v4: DatagramTransport
  /** Hand this to `Discv5`: it gets every other datagram. */
  readonly v5: DatagramTransport
  readonly #socket: DatagramTransport
  readonly #views: SharedView[]
  #closing: Promise<void> | undefined

  /** Shares `socket` (any transport: a `UdpTransport`, an in-memory one); it is handed over. */
  constructor(socket: DatagramTransport) {
    this.#socket = socket
    const whenBothClosed = (): Promise<void> => {
      if (this.#views.some((view) => !view.closed)) return Promise.resolve()
      this.#closing ??= socket.close()
      return this.#closing
    }
    const v4 = new SharedView(socket, whenBothClosed)
    const v5 = new SharedView(socket, whenBothClosed)
    this.v4 = v4
    this.v5 = v5
    this.#views = [v4, v5]
    socket.onMessage((bytes, from) => {
      const view = isV4Packet(bytes) ? v4 : v5
      view.handler?.(bytes, from)
    })
  }

  /**
   * Binds a UDP socket on `listenAddr` (`host:port`; port 0 for any free port) to share.
   * @throws the bind error (e.g. `EADDRINUSE`).
   */
  static async bind(listenAddr: string): Promise<SharedUdpTransport> {
    return new SharedUdpTransport(await UdpTransport.bind(listenAddr))
  }

  /** The bound address of the socket. */
  get address(): UdpAddress {
    return this.#socket.address
  }

  /**
   * Closes both views and the socket (when a service never started, its `stop()` does
   * not close its view). Idempotent.
   */
  async close(): Promise<void> {
    await Promise.all(this.#views.map((view) => view.close()))
  }
}
