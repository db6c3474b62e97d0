/**
 * The keys pss encrypts with: symmetric keys (by id, optionally tied to a peer and a
 * topic) and the routing addresses of peers' public keys per topic. Every collection is
 * bounded; inbound symmetric messages are tried against at most
 * {@link MAX_SYM_TRIES_PER_MESSAGE} keys.
 */
import { BoundedMap, type Clock, systemClock } from '@devp2p/common'
import { decodePublicKey, randomBytes } from '@devp2p/crypto'
import {
  MAX_ADDRESS_BYTES,
  MAX_PEER_PUBLIC_KEYS,
  MAX_SYM_KEYS,
  MAX_SYM_TRIES_PER_MESSAGE,
  SYM_KEY_BYTES,
} from '../constants.js'
import { assertBytes, assertSymKey, assertTopic } from '../envelope/args.js'
import { openSym } from '../envelope/sym.js'
import type { Opened } from '../envelope/types.js'

/** A symmetric key's id: `0x` and 32 hex digits, random, never derived from the key. */
export type SymKeyId = string

/** Options of {@link KeyStore.addSymKey}. */
export interface SymKeyOptions {
  /** The 64-byte public key of the peer this key is shared with. */
  readonly peer?: Uint8Array
  /** Inbound messages on this 4-byte topic are tried with this key (none without it). */
  readonly topic?: Uint8Array
  /** When the key stops being used, clock milliseconds; never by default. */
  readonly expiresAt?: number
}

/** What the store knows about one symmetric key. Arrays are copies owned by the caller. */
export interface SymKeyInfo {
  readonly key: Uint8Array
  readonly peer: Uint8Array | undefined
  readonly topic: Uint8Array | undefined
  readonly expiresAt: number | undefined
}

/** Options of {@link KeyStore}. */
export interface KeyStoreOptions {
  /** Where key expiry reads the time (default the system clock). */
  readonly clock?: Pick<Clock, 'now'>
  /** Symmetric keys held (default {@link MAX_SYM_KEYS}); the oldest added goes first. */
  readonly maxSymKeys?: number
  /** Public key/topic entries held (default {@link MAX_PEER_PUBLIC_KEYS}); the oldest goes first. */
  readonly maxPeerPublicKeys?: number
}

interface SymEntry {
  readonly key: Uint8Array
  readonly peer: Uint8Array | undefined
  readonly topic: Uint8Array | undefined
  readonly expiresAt: number | undefined
}

interface PeerEntry {
  readonly publicKey: Uint8Array
  readonly topic: Uint8Array
  readonly address: Uint8Array
}

/** A successful {@link KeyStore.trySym}: the opened envelope and the key that opened it. */
export interface SymMatch {
  readonly opened: Opened
  readonly keyId: SymKeyId
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * pss's key store. Keys are copied in and out, so callers cannot change a stored key.
 *
 * @example
 * ```ts
 * const keys = new KeyStore()
 * const id = keys.addSymKey(sharedKey, { topic })
 * const match = keys.trySym(topic, sealed)   // { opened: { payload, from? }, keyId } | undefined
 * ```
 */
export class KeyStore {
  readonly #clock: Pick<Clock, 'now'>
  // bounded: at most maxSymKeys (MAX_SYM_KEYS) keys, the oldest added evicted first
  readonly #sym: BoundedMap<SymKeyId, SymEntry>
  // bounded: holds only ids that are in #sym (kept in step on add, remove and eviction)
  readonly #byTopic = new Map<string, Set<SymKeyId>>()
  // bounded: at most maxPeerPublicKeys (MAX_PEER_PUBLIC_KEYS) entries, the oldest evicted first
  readonly #peers: BoundedMap<string, PeerEntry>

  /** @throws RangeError when a maximum is not a positive integer. */
  constructor(options: KeyStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#sym = new BoundedMap({
      maxSize: options.maxSymKeys ?? MAX_SYM_KEYS,
      onEvict: (id, entry) => this.#unindex(id, entry),
    })
    this.#peers = new BoundedMap({ maxSize: options.maxPeerPublicKeys ?? MAX_PEER_PUBLIC_KEYS })
  }

  /** Symmetric keys held, expired ones not yet noticed included. */
  get symKeyCount(): number {
    return this.#sym.size
  }

  /**
   * Stores a copy of a 32-byte symmetric key. At a full store the oldest key is dropped.
   *
   * @returns the new key's id.
   * @throws TypeError / RangeError when `key`, `peer` or `topic` has the wrong type or size.
   * @throws CryptoError `INVALID_PUBLIC_KEY` when `peer` is not a valid public key.
   */
  addSymKey(key: Uint8Array, options: SymKeyOptions = {}): SymKeyId {
    assertSymKey(key)
    const { peer, topic, expiresAt } = options
    if (topic !== undefined) assertTopic(topic)
    if (expiresAt !== undefined && !Number.isFinite(expiresAt))
      throw new RangeError(`expiresAt must be a finite number, got ${expiresAt}`)
    const entry: SymEntry = {
      // new Uint8Array, not slice(): a Buffer's slice() is a view of the caller's bytes
      key: new Uint8Array(key),
      peer: peer === undefined ? undefined : decodePublicKey(peer),
      topic: topic === undefined ? undefined : new Uint8Array(topic),
      expiresAt,
    }
    const id: SymKeyId = `0x${hex(randomBytes(16))}`
    this.#sym.set(id, entry)
    if (entry.topic !== undefined) {
      const t = hex(entry.topic)
      const ids = this.#byTopic.get(t)
      if (ids === undefined) this.#byTopic.set(t, new Set([id]))
      else ids.add(id)
    }
    return id
  }

  /** Generates and stores a random 32-byte key (see {@link KeyStore.addSymKey}). */
  generateSymKey(options: SymKeyOptions = {}): SymKeyId {
    const key = randomBytes(SYM_KEY_BYTES)
    const id = this.addSymKey(key, options)
    key.fill(0)
    return id
  }

  /** A copy of the key with this id, or `undefined` when unknown or expired. */
  symKey(id: SymKeyId): Uint8Array | undefined {
    return this.symKeyInfo(id)?.key
  }

  /** What the store knows about a key, or `undefined` when unknown or expired. */
  symKeyInfo(id: SymKeyId): SymKeyInfo | undefined {
    const entry = this.#live(id)
    if (entry === undefined) return undefined
    return {
      key: entry.key.slice(),
      peer: entry.peer?.slice(),
      topic: entry.topic?.slice(),
      expiresAt: entry.expiresAt,
    }
  }

  /** Forgets a key (its bytes are zeroed). @returns whether it was held. */
  removeSymKey(id: SymKeyId): boolean {
    const entry = this.#sym.peek(id)
    if (entry === undefined) return false
    this.#sym.delete(id)
    this.#unindex(id, entry)
    return true
  }

  /**
   * Tries the keys registered for `topic` on an inbound symmetric envelope, newest first,
   * at most {@link MAX_SYM_TRIES_PER_MESSAGE} of them (a wrong key costs one HMAC).
   * Expired keys met on the way are removed and not counted.
   *
   * @returns the opened envelope and the id of the key that opened it, or `undefined`.
   */
  trySym(topic: Uint8Array, sealed: Uint8Array): SymMatch | undefined {
    assertTopic(topic)
    assertBytes(sealed, 'sealed')
    const ids = this.#byTopic.get(hex(topic))
    if (ids === undefined) return undefined
    const newestFirst = [...ids].reverse()
    let tries = 0
    for (const id of newestFirst) {
      const entry = this.#live(id)
      if (entry === undefined) continue
      if (tries++ >= MAX_SYM_TRIES_PER_MESSAGE) break
      const opened = openSym(entry.key, topic, sealed)
      if (opened !== undefined) return { opened, keyId: id }
    }
    return undefined
  }

  /**
   * Remembers which routing address (0–32 bytes of the peer's overlay address; empty =
   * send to everyone) to use when sending to `publicKey` on `topic`. At a full store the
   * oldest entry is dropped.
   *
   * @throws TypeError / RangeError on a wrong type or size.
   * @throws CryptoError `INVALID_PUBLIC_KEY` when `publicKey` is not a valid point.
   */
  setPeerPublicKey(publicKey: Uint8Array, topic: Uint8Array, address: Uint8Array): void {
    assertTopic(topic)
    assertBytes(address, 'address')
    if (address.length > MAX_ADDRESS_BYTES)
      throw new RangeError(
        `address must be at most ${MAX_ADDRESS_BYTES} bytes, got ${address.length}`,
      )
    const key = decodePublicKey(publicKey)
    this.#peers.set(`${hex(key)}:${hex(topic)}`, {
      publicKey: key,
      topic: new Uint8Array(topic),
      address: new Uint8Array(address),
    })
  }

  /** The routing address set for `publicKey` on `topic`, or `undefined`. */
  peerPublicKey(publicKey: Uint8Array, topic: Uint8Array): Uint8Array | undefined {
    assertTopic(topic)
    let key: Uint8Array
    try {
      key = decodePublicKey(publicKey)
    } catch {
      return undefined
    }
    return this.#peers.peek(`${hex(key)}:${hex(topic)}`)?.address.slice()
  }

  /** The topics with an address set for `publicKey` (pss_getPeerTopics). */
  peerTopics(publicKey: Uint8Array): Uint8Array[] {
    let prefix: string
    try {
      prefix = `${hex(decodePublicKey(publicKey))}:`
    } catch {
      return []
    }
    const out: Uint8Array[] = []
    for (const [k, entry] of this.#peers) if (k.startsWith(prefix)) out.push(entry.topic.slice())
    return out
  }

  /** The entry of a live key; an expired one is removed on the way. */
  #live(id: SymKeyId): SymEntry | undefined {
    const entry = this.#sym.peek(id)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#clock.now()) {
      this.removeSymKey(id)
      return undefined
    }
    return entry
  }

  #unindex(id: SymKeyId, entry: SymEntry): void {
    entry.key.fill(0)
    if (entry.topic === undefined) return
    const t = hex(entry.topic)
    const ids = this.#byTopic.get(t)
    ids?.delete(id)
    if (ids?.size === 0) this.#byTopic.delete(t)
  }
}
