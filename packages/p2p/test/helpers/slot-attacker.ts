import { connect, type Socket } from 'node:net'

/** Options of {@link SlotAttacker}. */
export interface SlotAttackerOptions {
  /** The server's port on 127.0.0.1. */
  port: number
  /** Sockets kept open (or reopened) at once. */
  sockets: number
  /** Where the attacker's sockets come from (another loopback address than its victim's peers). */
  localAddress?: string
  /** How long a trickling socket waits between its bytes (default 1 s). */
  trickleMs?: number
}

/**
 * Holds handshake slots the cheap way: `sockets` TCP connections from one address, half
 * of them sending nothing, half one byte per `trickleMs` (a byte of an auth that never
 * completes), each reopened as soon as the server closes it.
 */
export class SlotAttacker {
  readonly #opts: Required<SlotAttackerOptions>
  // bounded: at most opts.sockets
  readonly #open = new Set<Socket>()
  #stopped = false
  /** Connections the server closed (refused, dropped from its queue, or timed out). */
  closes = 0
  /** TCP connections established. */
  connects = 0

  constructor(options: SlotAttackerOptions) {
    this.#opts = { localAddress: '127.0.0.2', trickleMs: 1_000, ...options }
  }

  /** Sockets open now. */
  get open(): number {
    return this.#open.size
  }

  start(): void {
    for (let i = 0; i < this.#opts.sockets; i++) this.#dial(i % 2 === 1)
  }

  stop(): void {
    this.#stopped = true
    for (const socket of this.#open) socket.destroy()
    this.#open.clear()
  }

  #dial(trickle: boolean): void {
    if (this.#stopped) return
    const socket = connect({
      host: '127.0.0.1',
      port: this.#opts.port,
      localAddress: this.#opts.localAddress,
    })
    this.#open.add(socket)
    let timer: NodeJS.Timeout | undefined
    socket.on('error', () => {})
    socket.once('connect', () => {
      this.connects++
      if (!trickle) return
      // the first byte of an EIP-8 size prefix, then more of a packet that never ends
      socket.write(Uint8Array.of(0x01))
      timer = setInterval(() => socket.write(Uint8Array.of(0x00)), this.#opts.trickleMs).unref()
    })
    socket.once('close', () => {
      clearInterval(timer)
      this.#open.delete(socket)
      if (this.#stopped) return
      this.closes++
      setImmediate(() => this.#dial(trickle))
    })
  }
}
