/**
 * The sessions of a discv5 node: keys per (node id, ip:port), in a bounded LRU, each with
 * its own nonce counter. Tying a session to the address as well as the id is the spec's
 * defence against spoofed sources (discv5-theory.md "Session Cache"): a packet from
 * another address finds no session and is answered with a WHOAREYOU.
 */
import { BoundedMap } from '@devp2p/common'
import { randomBytes } from '@devp2p/crypto'
import { type Enr, nodeIdHex } from '@devp2p/enode'
import {
  NODE_ID_BYTES,
  NONCE_BYTES,
  NONCE_COUNTER_BYTES,
  SESSION_CACHE_MAX_ENTRIES,
  SESSION_KEY_BYTES,
} from './constants.js'

/** The key of a session or challenge: the node id in hex and the address. */
export function endpointKey(id: Uint8Array, addr: string): string {
  if (!(id instanceof Uint8Array) || id.length !== NODE_ID_BYTES) {
    throw new RangeError(`node id must be ${NODE_ID_BYTES} bytes`)
  }
  if (typeof addr !== 'string' || addr === '') throw new TypeError('addr must be "ip:port"')
  return `${nodeIdHex(id)}@${addr}`
}

/** One session: its two keys, the remote's record when known, and our nonces. */
export class Session {
  /** Seals what we send. */
  readonly writeKey: Uint8Array
  /** Opens what the remote sends. */
  readonly readKey: Uint8Array
  /**
   * The read key of the session this one replaced, tried when `readKey` fails: when both
   * nodes start a handshake at once, each ends up writing with the keys of the handshake
   * it accepted last, which the other made first (the crossed-handshake race).
   */
  readonly previousReadKey: Uint8Array | undefined
  /** The remote's record, when the handshake brought or found one. */
  readonly record: Enr | undefined
  #sent = 0

  /** @throws {RangeError} when a key is not 16 bytes. */
  constructor(keys: {
    writeKey: Uint8Array
    readKey: Uint8Array
    previousReadKey?: Uint8Array | undefined
    record?: Enr | undefined
  }) {
    const sizes = [keys.writeKey, keys.readKey, keys.previousReadKey ?? keys.readKey]
    if (sizes.some((key) => key.length !== SESSION_KEY_BYTES)) {
      throw new RangeError(`session keys must be ${SESSION_KEY_BYTES} bytes`)
    }
    this.writeKey = keys.writeKey
    this.readKey = keys.readKey
    this.previousReadKey = keys.previousReadKey
    this.record = keys.record
  }

  /** Message packets this session has sealed (what the nonce counter says). */
  get sent(): number {
    return this.#sent
  }

  /**
   * A fresh nonce for the next packet we seal: a 32-bit big-endian count of the packets
   * sealed so far, then 8 random bytes (the spec's recommendation; the count wraps after
   * 2^32 packets, where the random part still keeps nonces apart).
   */
  nextNonce(): Uint8Array {
    const nonce = new Uint8Array(NONCE_BYTES)
    const count = this.#sent
    this.#sent = (count + 1) >>> 0
    nonce[0] = count >>> 24
    nonce[1] = (count >>> 16) & 0xff
    nonce[2] = (count >>> 8) & 0xff
    nonce[3] = count & 0xff
    nonce.set(randomBytes(NONCE_BYTES - NONCE_COUNTER_BYTES), NONCE_COUNTER_BYTES)
    return nonce
  }
}

/**
 * Sessions by (node id, "ip:port"): at most `maxEntries`, the least recently used
 * dropped first. A remote party can create entries only by completing a handshake (an
 * ECDH and a signature check on our side), and cannot grow the cache past its bound.
 */
export class SessionCache {
  // bounded: SESSION_CACHE_MAX_ENTRIES (or maxEntries) sessions, least recently used evicted
  readonly #sessions: BoundedMap<string, Session>

  /** @throws {RangeError} when `maxEntries` is not a positive integer. */
  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#sessions = new BoundedMap({
      maxSize: options.maxEntries ?? SESSION_CACHE_MAX_ENTRIES,
      evict: 'recency',
    })
  }

  /** Sessions held. */
  get size(): number {
    return this.#sessions.size
  }

  /** The session with the node `id` at `addr` ("ip:port"), marking it used. */
  get(id: Uint8Array, addr: string): Session | undefined {
    return this.#sessions.get(endpointKey(id, addr))
  }

  /** Stores (or replaces) the session with `id` at `addr`; returns it. */
  set(id: Uint8Array, addr: string, session: Session): Session {
    this.#sessions.set(endpointKey(id, addr), session)
    return session
  }

  /** Forgets the session with `id` at `addr` (say, after a message it could not open). */
  delete(id: Uint8Array, addr: string): boolean {
    return this.#sessions.delete(endpointKey(id, addr))
  }
}
