import type { Clock } from '@devp2p/common'
import { decodePublicKey } from '@devp2p/crypto'
import { type NodeId, type NodeIdHex, nodeIdFromPublicKey, nodeIdHex } from '@devp2p/enode'
import {
  DisconnectReason,
  Msg,
  type MsgReadWriter,
  type OutMsg,
  P2pError,
  type Protocol,
} from '@devp2p/p2p'
import { decodeAs, encode, t } from '@devp2p/rlp'
import { toHex } from './address.js'
import { PssError } from './errors.js'

/** What a virtual peer's messages are inside their envelopes: `[code, payload]`. */
const virtualMsgSchema = t.tuple(t.uint, t.bytes)

/** @internal What a virtual peer is made from. */
export interface VirtualPeerInit {
  readonly protocol: Protocol
  /** The remote's public key, 64 bytes. */
  readonly remote: Uint8Array
  readonly topic: Uint8Array
  /** Whether the remote wrote first (an accepting `runProtocol`). */
  readonly inbound: boolean
  readonly maxQueuedMsgs: number
  readonly clock: Clock
  /** Sends one encoded `[code, payload]` to the remote (encrypted to its key). */
  readonly send: (encoded: Uint8Array) => void
}

interface Reader {
  resolve(msg: Msg): void
  reject(err: unknown): void
}

// set in VirtualPeer's static block: the runner's handles, outside the public type
let create: (init: VirtualPeerInit) => VirtualPeer
let receive: (peer: VirtualPeer, encoded: Uint8Array) => void
let end: (peer: VirtualPeer, reason: Error) => void
let rwOf: (peer: VirtualPeer) => MsgReadWriter
let endedOf: (peer: VirtualPeer) => Promise<Error>

/** @internal A virtual peer for `init` (the runner calls it). */
export function createVirtualPeer(init: VirtualPeerInit): VirtualPeer {
  return create(init)
}

/**
 * @internal Hands an authenticated message from the remote (the envelope's `from` is the
 * remote's key) to the protocol. A malformed one, or a code outside the protocol, ends
 * the peer with `VIRTUAL_PEER_BREACH`; a full queue drops it (counted in `dropped`).
 */
export function receiveVirtual(peer: VirtualPeer, encoded: Uint8Array): void {
  receive(peer, encoded)
}

/** @internal Ends the peer (the first reason wins): reads fail, `signal` aborts. */
export function endVirtualPeer(peer: VirtualPeer, reason: Error): void {
  end(peer, reason)
}

/** @internal The `MsgReadWriter` the protocol's `run` gets. */
export function virtualReadWriter(peer: VirtualPeer): MsgReadWriter {
  return rwOf(peer)
}

/** @internal Resolves (never rejects) with why the peer ended. */
export function virtualPeerEnded(peer: VirtualPeer): Promise<Error> {
  return endedOf(peer)
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * The remote end of a devp2p protocol run over pss (`pss.runProtocol`): what the
 * protocol's `run(peer, rw)` gets as `peer`. It carries the fields of a p2p `Peer` that
 * protocols use — `id`, `idHex`, `name`, `caps`, `inbound`, `static`, `trusted`,
 * `localAddress`, `remoteAddress`, `signal`, `error`, `disconnect()` — plus `publicKey`,
 * `topic` and `dropped`. It has no `node` (there is no IP address nor ENR behind it),
 * no `protocols` and no `info()`: a protocol that reads them fails, and the virtual peer
 * ends with that error.
 *
 * A real `Peer` cannot be made outside `@devp2p/p2p` (its constructor and the
 * `Transport` it would wrap are internal to the server, and it would run the base
 * protocol — Hello, pings, Disconnect — which has no meaning over pss), hence this type.
 */
export class VirtualPeer {
  /** The remote's node id (keccak256 of its public key). */
  readonly id: NodeId
  readonly idHex: NodeIdHex
  /** The remote's public key (64 bytes), what its messages are encrypted to. */
  readonly publicKey: Uint8Array
  /** `pss:` and the first 16 hex digits of the remote's id (there is no Hello to tell its client name). */
  readonly name: string
  /** The one capability run with it. */
  readonly caps: readonly { readonly name: string; readonly version: number }[]
  /** Whether the remote wrote first (an accepting `runProtocol`). */
  readonly inbound: boolean
  readonly static = false
  readonly trusted = false
  /** `'pss'`: there is no socket. */
  readonly localAddress = 'pss'
  /** `pss:<remote node id>`. */
  readonly remoteAddress: string
  /** The pss topic of the protocol's messages. */
  readonly topic: Uint8Array
  readonly #protocol: Protocol
  readonly #send: (encoded: Uint8Array) => void
  readonly #clock: Clock
  readonly #max: number
  // bounded: at most #max messages (MAX_VIRTUAL_PEER_QUEUE_MSGS); more are dropped
  readonly #queue: Msg[] = []
  // bounded: local reads of the protocol's run, one per pending readMsg call
  readonly #readers: Reader[] = []
  readonly #abort = new AbortController()
  #ended: Error | undefined
  #endedResolve: (reason: Error) => void = () => {}
  readonly #endedPromise: Promise<Error>
  #dropped = 0
  readonly #rw: MsgReadWriter

  static {
    create = (init) => new VirtualPeer(init)
    receive = (peer, encoded) => peer.#receive(encoded)
    end = (peer, reason) => peer.#end(reason)
    rwOf = (peer) => peer.#rw
    endedOf = (peer) => peer.#endedPromise
  }

  private constructor(init: VirtualPeerInit) {
    decodePublicKey(init.remote) // a CryptoError for a key that is not a point
    this.publicKey = init.remote.slice()
    this.id = nodeIdFromPublicKey(this.publicKey)
    this.idHex = nodeIdHex(this.id)
    this.name = `pss:${this.idHex.slice(0, 16)}`
    this.caps = [{ name: init.protocol.name, version: init.protocol.version }]
    this.inbound = init.inbound
    this.remoteAddress = `pss:${this.idHex}`
    this.topic = init.topic.slice()
    this.#protocol = init.protocol
    this.#send = init.send
    this.#clock = init.clock
    this.#max = init.maxQueuedMsgs
    this.#endedPromise = new Promise((resolve) => {
      this.#endedResolve = resolve
    })
    this.#rw = {
      readMsg: (options) => this.#read(options?.signal),
      writeMsg: (msg) => this.#write(msg),
      [Symbol.asyncIterator]: () => this.#iterate(),
    }
  }

  /** Aborts when the virtual peer ends (its reason: {@link error}). */
  get signal(): AbortSignal {
    return this.#abort.signal
  }

  /** Why it ended, once it has. */
  get error(): Error | undefined {
    return this.#ended
  }

  /** Messages from the remote dropped because the protocol was `maxQueuedMsgs` behind. */
  get dropped(): number {
    return this.#dropped
  }

  /**
   * Ends the virtual peer on our side (idempotent). Nothing is sent: pss has no
   * Disconnect, the remote's side ends on its own terms.
   */
  disconnect(reason: DisconnectReason = DisconnectReason.Requested): void {
    this.#end(P2pError.local(reason))
  }

  #receive(encoded: Uint8Array): void {
    if (this.#ended) return
    let code: number
    let payload: Uint8Array
    try {
      ;[code, payload] = decodeAs(virtualMsgSchema, encoded)
    } catch (cause) {
      this.#end(new PssError('VIRTUAL_PEER_BREACH', 'not a [code, payload] message', { cause }))
      return
    }
    if (code >= this.#protocol.length) {
      const label = `${this.#protocol.name}/${this.#protocol.version}`
      this.#end(
        new PssError('VIRTUAL_PEER_BREACH', `${label}: message code ${code} outside its length`),
      )
      return
    }
    const msg = new Msg(code, payload, this.#clock.now())
    const reader = this.#readers.shift()
    if (reader !== undefined) reader.resolve(msg)
    else if (this.#queue.length >= this.#max) this.#dropped++
    else this.#queue.push(msg)
  }

  #closedError(): P2pError {
    return new P2pError('PEER_CLOSED', `virtual peer ended: ${this.#ended?.message}`, {
      cause: this.#ended,
    })
  }

  #read(signal: AbortSignal | undefined): Promise<Msg> {
    const queued = this.#queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.#ended) return Promise.reject(this.#closedError())
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<Msg>((resolve, reject) => {
      const reader: Reader = { resolve, reject }
      if (signal !== undefined) {
        const onAbort = (): void => {
          const index = this.#readers.indexOf(reader)
          if (index >= 0) this.#readers.splice(index, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        reader.resolve = (msg) => {
          signal.removeEventListener('abort', onAbort)
          resolve(msg)
        }
        reader.reject = (err) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      this.#readers.push(reader)
    })
  }

  #write(msg: OutMsg): Promise<void> {
    const code = msg.code
    if (!Number.isInteger(code) || code < 0 || code >= this.#protocol.length) {
      const label = `${this.#protocol.name}/${this.#protocol.version}`
      throw new RangeError(`${label}: message code ${code} outside 0–${this.#protocol.length - 1}`)
    }
    if (!(msg.payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
    if (this.#ended) return Promise.reject(this.#closedError())
    try {
      // delivery is not confirmed (pss is UDP-like): resolved once the router took it
      this.#send(encode([code, msg.payload]))
      return Promise.resolve()
    } catch (err) {
      return Promise.reject(err)
    }
  }

  #iterate(): AsyncIterableIterator<Msg> {
    let done = false
    const iterator: AsyncIterableIterator<Msg> = {
      next: () => {
        if (done) return Promise.resolve(DONE)
        return this.#read(undefined).then(
          (value) => ({ done: false, value }),
          (err: unknown) => {
            done = true
            if (err instanceof P2pError && err.code === 'PEER_CLOSED') return DONE
            throw err
          },
        )
      },
      return: () => {
        done = true
        return Promise.resolve(DONE)
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  #end(reason: Error): void {
    if (this.#ended) return
    this.#ended = reason
    this.#queue.length = 0
    const closed = this.#closedError()
    for (const reader of this.#readers.splice(0)) reader.reject(closed)
    this.#abort.abort(reason)
    this.#endedResolve(reason)
  }
}

/** @internal The key of a (topic, remote) pair in the registry of running virtual peers. */
export function virtualPeerKey(topic: Uint8Array, remote: Uint8Array): string {
  return `${toHex(topic)}:${toHex(remote)}`
}
