/**
 * The WHOAREYOU challenges we sent and await handshakes for, by (node id, ip:port):
 * one handshake attempt per challenge, a challenge lives `CHALLENGE_TTL_MS`, and while it
 * lives a packet that needs one gets the same WHOAREYOU again (geth's rule: the answer
 * to the first may still be on its way).
 */
import { BoundedMap, type Clock } from '@devp2p/common'
import type { Enr } from '@devp2p/enode'
import { CHALLENGE_CACHE_MAX_ENTRIES, CHALLENGE_TTL_MS } from './constants.js'
import { encodeWhoareyouPacket } from './packet-encode.js'
import { endpointKey } from './session-cache.js'

/** A challenge awaiting its handshake. */
export interface PendingChallenge {
  /** The WHOAREYOU as sent: masking-iv ‖ header, the handshake's salt and signed input. */
  readonly challengeData: Uint8Array
  /** The record of the challenged node we knew (its seq is in the WHOAREYOU). */
  readonly knownRecord: Enr | undefined
}

interface Entry extends PendingChallenge {
  readonly bytes: Uint8Array
  readonly expiresAt: number
}

/** Options of {@link Challenges}. */
export interface ChallengesOptions {
  /** Where time comes from (only `now()` is used: expiry is checked on use, no timers). */
  readonly clock: Clock
  /** Challenges kept at most (default `CHALLENGE_CACHE_MAX_ENTRIES`). */
  readonly maxEntries?: number
  /** How long a challenge can be answered (default `CHALLENGE_TTL_MS`). */
  readonly ttlMs?: number
}

/** The challenges we sent, awaiting handshakes. */
export class Challenges {
  readonly #clock: Clock
  readonly #ttlMs: number
  // bounded: CHALLENGE_CACHE_MAX_ENTRIES (or maxEntries), the oldest dropped first
  readonly #pending: BoundedMap<string, Entry>

  /** @throws {RangeError} when `maxEntries` or `ttlMs` is not a positive integer. */
  constructor(options: ChallengesOptions) {
    const ttlMs = options.ttlMs ?? CHALLENGE_TTL_MS
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
      throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`)
    }
    this.#clock = options.clock
    this.#ttlMs = ttlMs
    this.#pending = new BoundedMap({ maxSize: options.maxEntries ?? CHALLENGE_CACHE_MAX_ENTRIES })
  }

  /** Challenges held (expired ones included until they are looked up or pushed out). */
  get size(): number {
    return this.#pending.size
  }

  /**
   * The WHOAREYOU to send to node `id` at `addr` for its packet with `nonce` that we
   * could not open: the pending challenge's bytes, identical, while one lives
   * (`repeated: true`); else a new challenge (a fresh id-nonce, `knownRecord`'s seq or 0)
   * that replaces an expired one.
   *
   * @throws {RangeError} when `id` is not 32 bytes or `nonce` not 12.
   * @throws {TypeError} when `addr` is not a non-empty string.
   */
  whoareyou(
    id: Uint8Array,
    addr: string,
    nonce: Uint8Array,
    knownRecord?: Enr,
  ): { bytes: Uint8Array; repeated: boolean } {
    const key = endpointKey(id, addr)
    const now = this.#clock.now()
    const pending = this.#pending.peek(key)
    if (pending !== undefined && pending.expiresAt > now) {
      return { bytes: pending.bytes, repeated: true }
    }
    const { bytes, challengeData } = encodeWhoareyouPacket({
      destId: id,
      nonce,
      enrSeq: knownRecord?.seq ?? 0n,
    })
    // a replaced entry is deleted first, so the new one counts as the newest
    this.#pending.delete(key)
    this.#pending.set(key, { bytes, challengeData, knownRecord, expiresAt: now + this.#ttlMs })
    return { bytes, repeated: false }
  }

  /**
   * Takes the live challenge for a handshake from node `id` at `addr`, and forgets it:
   * one attempt per challenge, whatever the attempt's outcome. `undefined` when there is
   * none, or it expired (then it is forgotten too).
   */
  take(id: Uint8Array, addr: string): PendingChallenge | undefined {
    const key = endpointKey(id, addr)
    const entry = this.#pending.peek(key)
    if (entry === undefined) return undefined
    this.#pending.delete(key)
    if (entry.expiresAt <= this.#clock.now()) return undefined
    return { challengeData: entry.challengeData, knownRecord: entry.knownRecord }
  }
}
