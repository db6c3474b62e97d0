import { createSocket, type Socket } from 'node:dgram'
import { normalizeIp, parseListenAddr } from '@devp2p/enode'

/** Where a datagram came from or goes to. */
export interface UdpAddress {
  readonly ip: string
  readonly port: number
}

/**
 * What discovery needs from a datagram socket. `UdpTransport` is the real one; tests and
 * the simulation use an in-memory network with the same shape.
 */
export interface DatagramTransport {
  /** The bound address (after `bind`). */
  readonly address: UdpAddress
  /** Sends one datagram; never throws (a failed send is a lost packet, as in UDP). */
  send(bytes: Uint8Array, to: UdpAddress): void
  /** Sets the one receiver of incoming datagrams. */
  onMessage(handler: (bytes: Uint8Array, from: UdpAddress) => void): void
  close(): Promise<void>
}

/** A UDP socket (node:dgram) as a {@link DatagramTransport}. */
export class UdpTransport implements DatagramTransport {
  readonly #socket: Socket
  #address: UdpAddress = { ip: '', port: 0 }
  #closed: Promise<void> | undefined

  private constructor(socket: Socket) {
    this.#socket = socket
  }

  /**
   * Binds a UDP socket on `listenAddr` (`host:port`; port 0 for any free port; an IPv6
   * host gives a dual-stack socket).
   * @throws the bind error (e.g. `EADDRINUSE`).
   */
  static async bind(listenAddr: string): Promise<UdpTransport> {
    const { host, port } = parseListenAddr(listenAddr)
    const ipv6 = host?.includes(':') ?? false
    const socket = createSocket({ type: ipv6 ? 'udp6' : 'udp4', reuseAddr: false })
    const transport = new UdpTransport(socket)
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        // a socket that could not bind is still a handle: close it before reporting
        socket.close(() => reject(err))
      }
      socket.once('error', fail)
      socket.bind({ port, address: host }, () => {
        socket.off('error', fail)
        resolve()
      })
    })
    // a send to an unreachable address surfaces as an 'error' event: a lost packet, no more
    socket.on('error', () => {})
    const bound = socket.address()
    transport.#address = { ip: normalizeIp(bound.address) ?? bound.address, port: bound.port }
    return transport
  }

  get address(): UdpAddress {
    return this.#address
  }

  send(bytes: Uint8Array, to: UdpAddress): void {
    if (this.#closed) return
    this.#socket.send(bytes, to.port, to.ip, () => {})
  }

  onMessage(handler: (bytes: Uint8Array, from: UdpAddress) => void): void {
    this.#socket.removeAllListeners('message')
    this.#socket.on('message', (msg, rinfo) => {
      handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), {
        ip: normalizeIp(rinfo.address) ?? rinfo.address,
        port: rinfo.port,
      })
    })
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#socket.close(() => resolve()))
    return this.#closed
  }
}
