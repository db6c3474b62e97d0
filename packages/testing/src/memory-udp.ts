/** An address on the in-memory network. */
export interface MemoryAddress {
  readonly ip: string
  readonly port: number
}

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Probability (0–1) that a datagram is lost. Default 0. */
  readonly lossRate?: number
  /** Random source for losses (default Math.random). */
  readonly random?: () => number
  /** Largest datagram delivered; bigger ones are dropped, as a path MTU would (default 1280). */
  readonly maxDatagramBytes?: number
}

type Handler = (bytes: Uint8Array, from: MemoryAddress) => void

/** What a transport needs of its network (module-private: not part of the public types). */
interface NetworkLink {
  deliver(bytes: Uint8Array, from: MemoryAddress, to: MemoryAddress): void
  unbind(address: MemoryAddress): void
}

/** A transport's delivery entry, keyed by a symbol no other module can name. */
const receive = Symbol('receive')

/** One bound endpoint; the same shape as discovery's `DatagramTransport`. */
export class MemoryTransport {
  readonly address: MemoryAddress
  readonly #network: NetworkLink
  #handler: Handler | undefined
  #closed = false

  /** Made by {@link MemoryNetwork.bind}. */
  constructor(network: NetworkLink, address: MemoryAddress) {
    this.#network = network
    this.address = address
  }

  send(bytes: Uint8Array, to: MemoryAddress): void {
    // a copy, also of a Buffer (whose slice() is a view), as a real socket would send
    if (!this.#closed) this.#network.deliver(new Uint8Array(bytes), this.address, to)
  }

  onMessage(handler: Handler): void {
    this.#handler = handler
  }

  [receive](bytes: Uint8Array, from: MemoryAddress): void {
    if (!this.#closed) this.#handler?.(bytes, from)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#network.unbind(this.address)
  }
}

/**
 * An in-memory UDP network for tests and simulations: endpoints bind `ip:port`, datagrams
 * are delivered asynchronously (one `setImmediate` batch at a time, in send order) and
 * may be lost at a configured rate. Counts what it carries.
 *
 * @example
 * ```ts
 * const net = new MemoryNetwork()
 * const a = net.bind('10.0.0.1', 30303)
 * const b = net.bind('10.0.0.2', 30303)
 * b.onMessage((bytes, from) => console.log(bytes.length, from))
 * a.send(Uint8Array.of(1, 2, 3), b.address)
 * ```
 */
export class MemoryNetwork {
  readonly #endpoints = new Map<string, MemoryTransport>()
  readonly #lossRate: number
  readonly #random: () => number
  readonly #maxBytes: number
  #queue: { bytes: Uint8Array; from: MemoryAddress; to: MemoryAddress }[] = []
  #scheduled = false
  #nextPort = 40_000
  readonly #link: NetworkLink = {
    deliver: (bytes, from, to) => this.#deliver(bytes, from, to),
    unbind: (address) => this.#endpoints.delete(`${address.ip}:${address.port}`),
  }
  /** Datagrams handed to the network. */
  sent = 0
  /** Bytes handed to the network. */
  bytes = 0
  /** Datagrams delivered to a bound endpoint. */
  delivered = 0

  constructor(options: MemoryNetworkOptions = {}) {
    this.#lossRate = options.lossRate ?? 0
    this.#random = options.random ?? Math.random
    this.#maxBytes = options.maxDatagramBytes ?? 1280
  }

  /** Binds `ip:port` (port 0 or absent: a free one). @throws Error when taken. */
  bind(ip: string, port = 0): MemoryTransport {
    let chosen = port
    if (chosen === 0) {
      while (this.#endpoints.has(`${ip}:${this.#nextPort}`)) this.#nextPort++
      chosen = this.#nextPort++
    }
    const key = `${ip}:${chosen}`
    if (this.#endpoints.has(key)) throw new Error(`${key} is already bound`)
    const transport = new MemoryTransport(this.#link, { ip, port: chosen })
    this.#endpoints.set(key, transport)
    return transport
  }

  /** Bound endpoints. */
  get size(): number {
    return this.#endpoints.size
  }

  /** Resolves once every datagram sent so far (and any sent in reply, recursively) is delivered. */
  async idle(): Promise<void> {
    while (this.#queue.length > 0 || this.#scheduled) {
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  #deliver(bytes: Uint8Array, from: MemoryAddress, to: MemoryAddress): void {
    this.sent++
    this.bytes += bytes.length
    if (bytes.length > this.#maxBytes) return
    if (this.#lossRate > 0 && this.#random() < this.#lossRate) return
    this.#queue.push({ bytes, from, to })
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.#flush())
    }
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    this.#scheduled = false
    for (const { bytes, from, to } of batch) {
      const target = this.#endpoints.get(`${to.ip}:${to.port}`)
      if (!target) continue
      this.delivered++
      target[receive](bytes, from)
    }
  }
}
