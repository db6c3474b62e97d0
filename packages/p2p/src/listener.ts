import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { type Clock, ExpiringSet, type Logger } from '@devp2p/common'
import { isLan, type ListenAddr, type NetList, normalizeIp } from '@devp2p/enode'
import { INBOUND_THROTTLE_MAX_IPS, INBOUND_THROTTLE_MS } from './constants.js'
import { InboundGate, type InboundTicket } from './inbound-gate.js'
import { hostPort, remoteIp } from './net-address.js'

/** Options of {@link Listener}. */
export interface ListenerOptions {
  readonly clock: Clock
  readonly logger: Logger
  /** Only these networks may connect. */
  readonly netRestrict: NetList | undefined
  /** Inbound handshakes in progress at most (`maxPendingPeers`). */
  readonly maxPending: number
  /** From accept to the end of the RLPx handshake, waiting for a slot included. */
  readonly deadlineMs: number
  /** Whether connections are welcome (the server is starting or running). */
  live(): boolean
  /** Starts the setup of an admitted connection; it calls `ticket.release()` when it ends. */
  admit(socket: Socket, ticket: InboundTicket): void
}

/** Where the listener is bound, and the IP our record should carry for it. */
export interface BoundAddress {
  /** `ip:port` as bound, e.g. `127.0.0.1:30303` or `[::]:30303`. */
  readonly listenAddr: string
  readonly port: number
  /** The bound IP when the spec named one, else 127.0.0.1 (discovery predicts the public one). */
  readonly recordIp: string
}

/** A waiting socket's error: the gate closes it when its turn or its deadline comes. */
function ignoreWhileWaiting(): void {}

/**
 * Where inbound connections come in: the TCP listener (accepting paused, see
 * {@link InboundGate}), the checks before any cryptography (`netRestrict`, one connection
 * per non-LAN IP per {@link INBOUND_THROTTLE_MS}) and the gate that hands out handshake
 * slots.
 *
 * bounded: the throttle remembers at most {@link INBOUND_THROTTLE_MAX_IPS} IPs; the gate
 * holds at most maxPending + MAX_WAITING_INBOUND connections.
 */
export class Listener {
  readonly #o: ListenerOptions
  // bounded: INBOUND_THROTTLE_MAX_IPS (the entries closest to expiry go first)
  readonly #throttle: ExpiringSet<string>
  // bounded: maxPending in setup, MAX_WAITING_INBOUND waiting (per-IP caps inside)
  readonly #gate: InboundGate<Socket>
  #netServer: NetServer | undefined

  constructor(options: ListenerOptions) {
    this.#o = options
    this.#throttle = new ExpiringSet({ clock: options.clock, maxSize: INBOUND_THROTTLE_MAX_IPS })
    this.#gate = new InboundGate<Socket>({
      maxPending: options.maxPending,
      deadlineMs: options.deadlineMs,
      clock: options.clock,
      logger: options.logger,
      admit: (socket, ticket) => {
        socket.off('error', ignoreWhileWaiting)
        options.admit(socket, ticket)
      },
    })
  }

  /** Inbound connections waiting for a handshake slot. */
  get waiting(): number {
    return this.#gate.waiting
  }

  /**
   * Binds `spec` and accepts from then on.
   * @throws the listen error (e.g. `EADDRINUSE`).
   */
  listen(spec: ListenAddr): Promise<BoundAddress> {
    // paused: a connection that waits for a handshake slot is not read (see InboundGate)
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) =>
      this.accept(socket),
    )
    this.#netServer = server
    return new Promise<BoundAddress>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: spec.host, port: spec.port }, () => {
        server.off('error', reject)
        server.on('error', (err) => this.#o.logger.warn({ err: err.message }, 'listener error'))
        const bound = server.address()
        if (bound === null || typeof bound === 'string') {
          reject(new Error('listener has no TCP address'))
          return
        }
        const specific = spec.host !== undefined && normalizeIp(spec.host)
        const recordIp =
          specific && bound.address !== '0.0.0.0' && bound.address !== '::'
            ? bound.address
            : '127.0.0.1'
        resolve({ listenAddr: hostPort(bound.address, bound.port), port: bound.port, recordIp })
      })
    })
  }

  /** Takes an accepted connection: refused at once, or handed to the gate. */
  accept(socket: Socket): void {
    const ip = remoteIp(socket)
    const refused = this.#refuse(ip)
    if (refused !== undefined) {
      this.#o.logger.debug({ ip, why: refused }, 'inbound connection refused')
      socket.destroy()
      return
    }
    // nothing else listens until the handshake starts; an error now must not be uncaught
    socket.on('error', ignoreWhileWaiting)
    this.#gate.offer(socket, ip)
  }

  /** Closes the waiting connections (refusing new ones) and stops listening. */
  close(): Promise<void> {
    this.#gate.close()
    const server = this.#netServer
    return new Promise<void>((resolve) => {
      if (!server?.listening) resolve()
      else server.close(() => resolve())
    })
  }

  /** Why an inbound connection from `ip` is refused before any cryptography, if it is. */
  #refuse(ip: string): string | undefined {
    if (!this.#o.live()) return 'not running'
    if (this.#o.netRestrict && !this.#o.netRestrict.contains(ip)) return 'not in netRestrict'
    if (isLan(ip)) return undefined
    if (this.#throttle.has(ip)) return 'too many attempts'
    this.#throttle.add(ip, INBOUND_THROTTLE_MS)
    return undefined
  }
}
