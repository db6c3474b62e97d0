import { type Clock, ExpiringSet } from '@devp2p/common'
import { toHex } from './address.js'
import { MAX_CLOCK_SKEW_MS, MAX_ENVELOPE_AGE_MS, MAX_SEEN_ENVELOPES } from './constants.js'
import type { Opened } from './envelope/types.js'

/** What {@link ReplayGuard.check} says of an opened envelope. */
export type ReplayVerdict = 'fresh' | 'replay' | 'stale' | 'future'

/** Options of {@link ReplayGuard}; the defaults are the constants of the same names. */
export interface ReplayGuardOptions {
  readonly clock: Pick<Clock, 'now'>
  readonly maxSeen?: number
  readonly maxAgeMs?: number
  readonly maxSkewMs?: number
}

/**
 * Lets each envelope through once (ENCRYPTION.md, "Replays"). An envelope's stamp — the
 * time its sender sealed it and 8 random bytes — is inside the encryption and, when
 * signed, under the signature, so a relay that copies an envelope can neither change it
 * nor make a new one. The guard refuses envelopes sealed more than `maxAgeMs` ago or
 * `maxSkewMs` ahead, and remembers every stamp it let through until it is that old.
 *
 * bounded: at most `maxSeen` stamps. When full, the one sealed earliest is forgotten and
 * the guard's low-water mark moves up to its time: from then on every envelope sealed no
 * later than that is refused, so a forgotten stamp can never come back as new (a flood
 * can only make the guard stricter, and only for old envelopes).
 */
export class ReplayGuard {
  readonly #clock: Pick<Clock, 'now'>
  readonly #maxSeen: number
  readonly #maxAgeMs: number
  readonly #maxSkewMs: number
  // bounded: at most #maxSeen stamps, each until it is #maxAgeMs old
  readonly #seen: ExpiringSet<string>
  /** Envelopes sealed at or before this time are refused (a stamp of theirs was forgotten). */
  #lowWater = Number.NEGATIVE_INFINITY

  constructor(options: ReplayGuardOptions) {
    this.#clock = options.clock
    this.#maxSeen = options.maxSeen ?? MAX_SEEN_ENVELOPES
    this.#maxAgeMs = options.maxAgeMs ?? MAX_ENVELOPE_AGE_MS
    this.#maxSkewMs = options.maxSkewMs ?? MAX_CLOCK_SKEW_MS
    this.#seen = new ExpiringSet({ clock: options.clock, maxSize: this.#maxSeen })
  }

  /** Stamps remembered now. */
  get size(): number {
    return this.#seen.size
  }

  /** `'fresh'` (and remembered) the first time; `'replay'`, `'stale'` or `'future'` to drop it. */
  check(opened: Opened): ReplayVerdict {
    const { time, id } = opened.stamp
    const now = this.#clock.now()
    if (time > now + this.#maxSkewMs) return 'future'
    const ttl = time + this.#maxAgeMs - now
    if (ttl <= 0) return 'stale'
    if (time <= this.#lowWater) return 'replay'
    // the signer is part of the key: two senders' ids never collide
    const from = opened.from === undefined ? '' : toHex(opened.from.subarray(0, 8))
    const key = `${time}:${toHex(id)}:${from}`
    if (this.#seen.has(key)) return 'replay'
    if (this.#seen.size >= this.#maxSeen) this.#seen.expire()
    const soonest = this.#seen.nextExpiry()
    if (this.#seen.size >= this.#maxSeen && soonest !== undefined) {
      // the add below evicts the stamp expiring soonest, the one sealed earliest
      const forgotten = soonest - this.#maxAgeMs
      if (time <= forgotten) return 'replay'
      this.#lowWater = Math.max(this.#lowWater, forgotten)
    }
    this.#seen.add(key, ttl)
    return 'fresh'
  }
}
