/**
 * pss's key-exchange handshake as a state machine with no I/O of its own: it sends through
 * an injected `sendAsym` and is fed the asymmetric messages that arrive on
 * {@link HANDSHAKE_TOPIC}. Each side gives the other the key it wants to receive with,
 * so both end with one key per direction, registered in the {@link KeyStore} with an expiry.
 */

import {
  BoundedMap,
  type Clock,
  type Deadline,
  ExpiringSet,
  type Logger,
  silentLogger,
  systemClock,
} from '@devp2p/common'
import { decodePublicKey, equalBytes, randomBytes } from '@devp2p/crypto'
import {
  HANDSHAKE_ID_BYTES,
  HANDSHAKE_KEY_LIFETIME_MS,
  HANDSHAKE_TIMEOUT_MS,
  MAX_HANDSHAKE_REQUEST_AGE_MS,
  MAX_PENDING_HANDSHAKES,
  MAX_PENDING_HANDSHAKES_PER_PEER,
  MAX_SEEN_HANDSHAKE_REQUESTS,
  MAX_SYM_KEYS,
  SYM_KEY_BYTES,
} from '../constants.js'
import { assertTopic } from '../envelope/args.js'
import { PssError } from '../errors.js'
import type { KeyStore, SymKeyId } from '../keys/key-store.js'
import {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_TOPIC,
  type HandshakeMessage,
  KIND_ANSWER,
  KIND_REQUEST,
} from './message.js'

/** Sends an asymmetric pss message (the Pss instance's `sendAsym`). */
export type SendAsym = (
  publicKey: Uint8Array,
  topic: Uint8Array,
  payload: Uint8Array,
) => void | Promise<void>

/** The keys a handshake agreed, both in the {@link KeyStore}. */
export interface HandshakeKeys {
  /** The peer's receiving key: `sendSym(sendKeyId, topic, …)` reaches the peer. */
  readonly sendKeyId: SymKeyId
  /** Our receiving key, registered for the topic: the peer's messages open with it. */
  readonly receiveKeyId: SymKeyId
  /** When both keys expire, clock milliseconds. */
  readonly expiresAt: number
}

/** A handshake a remote peer started with us and we answered. */
export interface AcceptedHandshake extends HandshakeKeys {
  /** The peer's 64-byte public key. */
  readonly peer: Uint8Array
  readonly topic: Uint8Array
}

/** Options of {@link KeyExchange}. */
export interface KeyExchangeOptions {
  readonly keyStore: KeyStore
  /** How handshake messages leave: an asymmetric pss message on {@link HANDSHAKE_TOPIC}. */
  readonly sendAsym: SendAsym
  readonly clock?: Clock
  readonly logger?: Logger
  /**
   * Whether to answer `publicKey`'s request for keys on `topic`. Default: answer none,
   * so a stranger cannot make us store keys; a chat passes `() => true` or checks a list.
   */
  readonly accept?: (publicKey: Uint8Array, topic: Uint8Array) => boolean
  /** Called with the keys of each request we answered. */
  readonly onAccepted?: (handshake: AcceptedHandshake) => void
  /** How long {@link KeyExchange.handshake} waits for the answer (default {@link HANDSHAKE_TIMEOUT_MS}). */
  readonly timeoutMs?: number
  /** How long agreed keys live (default {@link HANDSHAKE_KEY_LIFETIME_MS}). */
  readonly keyLifetimeMs?: number
}

interface Pending {
  readonly peer: Uint8Array
  readonly peerHex: string
  readonly topic: Uint8Array
  readonly receiveKeyId: SymKeyId
  readonly expiresAt: number
  readonly settle: (result: HandshakeKeys | Error) => void
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const toSeconds = (ms: number): number => Math.floor(ms / 1000)

/**
 * The handshake. Feed it every asymmetric message opened on {@link HANDSHAKE_TOPIC}
 * with {@link KeyExchange.receive}; anything malformed, unexpected, stale, replayed or
 * from the wrong sender is ignored (logged at debug), so a hostile answer cannot end a
 * handshake: only the right peer's answer, the timeout or the caller's signal does.
 *
 * @example
 * ```ts
 * const exchange = new KeyExchange({ keyStore, sendAsym: (pk, t, p) => pss.sendAsym(pk, t, p),
 *                                    accept: () => true })
 * // wire: every opened asymmetric message on HANDSHAKE_TOPIC → exchange.receive(from, payload)
 * const { sendKeyId } = await exchange.handshake(bobPublicKey, topic)
 * ```
 */
export class KeyExchange {
  readonly #keys: KeyStore
  readonly #sendAsym: SendAsym
  readonly #clock: Clock
  readonly #log: Logger
  readonly #accept: (publicKey: Uint8Array, topic: Uint8Array) => boolean
  readonly #onAccepted: ((handshake: AcceptedHandshake) => void) | undefined
  readonly #timeoutMs: number
  readonly #keyLifetimeMs: number
  // bounded: at most MAX_PENDING_HANDSHAKES, and MAX_PENDING_HANDSHAKES_PER_PEER per peer
  readonly #pending = new Map<string, Pending>()
  // bounded: MAX_SEEN_HANDSHAKE_REQUESTS ids, each until its request's validUntil
  readonly #seen: ExpiringSet<string>
  // bounded: MAX_SYM_KEYS (peer, topic) pairs, the oldest forgotten (its keys then
  // expire or are evicted by the key store like any other)
  readonly #answered: BoundedMap<string, HandshakeKeys>
  #stopped = false

  /** @throws RangeError when `timeoutMs` or `keyLifetimeMs` is not a positive number. */
  constructor(options: KeyExchangeOptions) {
    this.#keys = options.keyStore
    this.#sendAsym = options.sendAsym
    this.#clock = options.clock ?? systemClock
    this.#log = options.logger ?? silentLogger
    this.#accept = options.accept ?? (() => false)
    this.#onAccepted = options.onAccepted
    this.#timeoutMs = positive(options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS, 'timeoutMs')
    this.#keyLifetimeMs = positive(
      options.keyLifetimeMs ?? HANDSHAKE_KEY_LIFETIME_MS,
      'keyLifetimeMs',
    )
    this.#seen = new ExpiringSet({ clock: this.#clock, maxSize: MAX_SEEN_HANDSHAKE_REQUESTS })
    this.#answered = new BoundedMap({ maxSize: MAX_SYM_KEYS })
  }

  /** Handshakes started and not yet settled. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /**
   * Agrees a pair of symmetric keys for `topic` with the owner of `publicKey`: sends our
   * receiving key and waits for theirs.
   *
   * @returns the key ids, once the peer's answer arrives.
   * @throws PssError `HANDSHAKE_TIMEOUT` when no valid answer came within `timeoutMs`;
   *   the signal's reason when it aborts; whatever `sendAsym` throws.
   * @throws PssError `HANDSHAKE_BUSY` when MAX_PENDING_HANDSHAKES_PER_PEER (or
   *   MAX_PENDING_HANDSHAKES in all) handshakes are already waiting; `STOPPED` after
   *   `stop()` (also what waiting handshakes reject with then).
   * @throws RangeError when `topic` is not 4 bytes.
   * @throws CryptoError `INVALID_PUBLIC_KEY` when `publicKey` is not a valid point.
   */
  async handshake(
    publicKey: Uint8Array,
    topic: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<HandshakeKeys> {
    assertTopic(topic)
    const peer = decodePublicKey(publicKey)
    const { signal } = options
    signal?.throwIfAborted()
    if (this.#stopped) throw new PssError('STOPPED', 'the key exchange is stopped')
    const peerHex = hex(peer)
    let forPeer = 0
    for (const p of this.#pending.values()) if (p.peerHex === peerHex) forPeer++
    if (forPeer >= MAX_PENDING_HANDSHAKES_PER_PEER || this.#pending.size >= MAX_PENDING_HANDSHAKES)
      throw new PssError(
        'HANDSHAKE_BUSY',
        `too many handshakes waiting (${forPeer} with this peer, ${this.#pending.size} in all)`,
      )

    const now = this.#clock.now()
    const expiresAt = now + this.#keyLifetimeMs
    const receiveKey = randomBytes(SYM_KEY_BYTES)
    const receiveKeyId = this.#keys.addSymKey(receiveKey, { peer, topic, expiresAt })
    const id = randomBytes(HANDSHAKE_ID_BYTES)
    const request = encodeHandshake({
      kind: KIND_REQUEST,
      id,
      topic,
      key: receiveKey,
      keyExpiry: toSeconds(expiresAt),
      validUntil: Math.ceil((now + this.#timeoutMs) / 1000),
    })
    receiveKey.fill(0)

    const idHex = hex(id)
    let resolve!: (keys: HandshakeKeys) => void
    let reject!: (err: Error) => void
    const promise = new Promise<HandshakeKeys>((res, rej) => {
      resolve = res
      reject = rej
    })
    let deadline: Deadline | undefined
    const onAbort = (): void => settle(toError(signal?.reason))
    const settle = (result: HandshakeKeys | Error): void => {
      if (this.#pending.get(idHex)?.settle !== settle) return
      this.#pending.delete(idHex)
      deadline?.cancel()
      signal?.removeEventListener('abort', onAbort)
      if (result instanceof Error) {
        this.#keys.removeSymKey(receiveKeyId)
        reject(result)
      } else resolve(result)
    }
    this.#pending.set(idHex, {
      peer,
      peerHex,
      topic: new Uint8Array(topic),
      receiveKeyId,
      expiresAt,
      settle,
    })
    deadline = this.#clock.deadline(this.#timeoutMs, () =>
      settle(new PssError('HANDSHAKE_TIMEOUT', `handshake timed out after ${this.#timeoutMs} ms`)),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.#sendAsym(peer, HANDSHAKE_TOPIC, request)
    } catch (err) {
      settle(toError(err))
    }
    return promise
  }

  /**
   * Handles one asymmetric message opened on {@link HANDSHAKE_TOPIC}. Never throws for
   * what the message holds.
   *
   * @param from the sender's public key as the envelope proved it.
   */
  receive(from: Uint8Array, payload: Uint8Array): void {
    if (this.#stopped) return
    const message = decodeHandshake(payload)
    if (message === undefined) {
      this.#log.debug({ bytes: payload.length }, 'pss handshake: malformed message dropped')
      return
    }
    if (message.kind === KIND_REQUEST) this.#answer(from, message)
    else this.#finish(from, message)
  }

  /** Rejects every waiting handshake (PssError `STOPPED`) and stops answering. Idempotent. */
  stop(): void {
    this.#stopped = true
    for (const p of [...this.#pending.values()])
      p.settle(new PssError('STOPPED', 'the key exchange stopped'))
  }

  #answer(from: Uint8Array, request: HandshakeMessage): void {
    const now = this.#clock.now()
    const validUntilMs = request.validUntil * 1000
    if (validUntilMs < now || validUntilMs > now + MAX_HANDSHAKE_REQUEST_AGE_MS) {
      this.#log.debug({ validUntil: request.validUntil }, 'pss handshake: stale request dropped')
      return
    }
    const seenKey = `${hex(from)}:${hex(request.id)}`
    if (this.#seen.has(seenKey)) {
      this.#log.debug({}, 'pss handshake: replayed request dropped')
      return
    }
    const expiresAt = Math.min(now + this.#keyLifetimeMs, request.keyExpiry * 1000)
    if (expiresAt <= now) return
    if (!this.#accept(from, request.topic)) {
      this.#log.debug({}, 'pss handshake: request refused by accept()')
      return
    }
    this.#seen.add(seenKey, validUntilMs - now)

    // one pair per (peer, topic): a new handshake replaces the last, so one peer
    // cannot fill the key store by asking again and again
    const pairKey = `${hex(from)}:${hex(request.topic)}`
    const previous = this.#answered.peek(pairKey)
    if (previous !== undefined) {
      this.#keys.removeSymKey(previous.sendKeyId)
      this.#keys.removeSymKey(previous.receiveKeyId)
    }
    const sendKeyId = this.#keys.addSymKey(request.key, { peer: from, expiresAt })
    const receiveKey = randomBytes(SYM_KEY_BYTES)
    const receiveKeyId = this.#keys.addSymKey(receiveKey, {
      peer: from,
      topic: request.topic,
      expiresAt,
    })
    const keys: HandshakeKeys = { sendKeyId, receiveKeyId, expiresAt }
    this.#answered.set(pairKey, keys)
    const answer = encodeHandshake({
      kind: KIND_ANSWER,
      id: request.id,
      topic: request.topic,
      key: receiveKey,
      keyExpiry: toSeconds(expiresAt),
      validUntil: request.validUntil,
    })
    receiveKey.fill(0)
    this.#send(from, answer)
    this.#onAccepted?.({
      ...keys,
      peer: new Uint8Array(from),
      topic: new Uint8Array(request.topic),
    })
  }

  #finish(from: Uint8Array, answer: HandshakeMessage): void {
    const pending = this.#pending.get(hex(answer.id))
    if (
      pending === undefined ||
      !equalBytes(pending.peer, from) ||
      !equalBytes(pending.topic, answer.topic)
    ) {
      this.#log.debug({}, 'pss handshake: unexpected answer dropped')
      return
    }
    const now = this.#clock.now()
    const expiresAt = Math.min(pending.expiresAt, answer.keyExpiry * 1000)
    if (expiresAt <= now) {
      this.#log.debug({}, 'pss handshake: answer with an expired key dropped')
      return
    }
    const sendKeyId = this.#keys.addSymKey(answer.key, { peer: from, expiresAt })
    pending.settle({ sendKeyId, receiveKeyId: pending.receiveKeyId, expiresAt })
  }

  #send(to: Uint8Array, payload: Uint8Array): void {
    try {
      const sent = this.#sendAsym(to, HANDSHAKE_TOPIC, payload)
      if (sent instanceof Promise)
        sent.catch((err: unknown) => this.#log.debug({ err }, 'pss handshake: answer not sent'))
    } catch (err) {
      this.#log.debug({ err }, 'pss handshake: answer not sent')
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`)
  return value
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason))
}
