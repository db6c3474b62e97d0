import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  MAX_CLOCK_SKEW_MS,
  MAX_ENVELOPE_AGE_MS,
  MAX_SEEN_ENVELOPES,
  MAX_TTL_S,
} from '../src/constants.js'
import type { Opened } from '../src/envelope/types.js'
import { ReplayGuard } from '../src/replay-guard.js'

const opened = (time: number, id: number, from?: number): Opened => ({
  payload: new Uint8Array(0),
  stamp: { time, id: Uint8Array.of(0, 0, 0, 0, 0, 0, id >> 8, id & 0xff) },
  ...(from === undefined ? {} : { from: new Uint8Array(64).fill(from) }),
})

describe('replay guard', () => {
  it('covers a message living MAX_TTL_S plus a minute of clock skew', () => {
    expect(MAX_ENVELOPE_AGE_MS).toBe(MAX_TTL_S * 1000 + 60_000)
    expect(MAX_CLOCK_SKEW_MS).toBe(60_000)
    expect(MAX_SEEN_ENVELOPES).toBe(65_536)
  })

  it('lets an envelope through once; the same stamp from another signer is another envelope', () => {
    const clock = new ManualClock()
    const guard = new ReplayGuard({ clock })
    const now = clock.now()
    expect(guard.check(opened(now, 1, 7))).toBe('fresh')
    expect(guard.check(opened(now, 1, 7))).toBe('replay')
    expect(guard.check(opened(now, 1, 8))).toBe('fresh')
    expect(guard.check(opened(now, 1))).toBe('fresh')
    expect(guard.check(opened(now, 1))).toBe('replay')
    expect(guard.check(opened(now, 2, 7))).toBe('fresh')
    expect(guard.check(opened(now + 1, 1, 7))).toBe('fresh')
  })

  it('remembers a stamp until it is too old, then refuses it as stale', () => {
    const clock = new ManualClock()
    const guard = new ReplayGuard({ clock })
    const sent = clock.now()
    expect(guard.check(opened(sent, 1, 7))).toBe('fresh')
    clock.advance(MAX_ENVELOPE_AGE_MS - 1)
    expect(guard.check(opened(sent, 1, 7))).toBe('replay')
    expect(guard.check(opened(sent, 2, 7))).toBe('fresh')
    clock.advance(1)
    expect(guard.check(opened(sent, 1, 7))).toBe('stale')
    expect(guard.check(opened(sent, 3, 7))).toBe('stale')
  })

  it('refuses envelopes sealed more than the skew ahead of our clock', () => {
    const clock = new ManualClock()
    const guard = new ReplayGuard({ clock })
    expect(guard.check(opened(clock.now() + MAX_CLOCK_SKEW_MS, 1))).toBe('fresh')
    expect(guard.check(opened(clock.now() + MAX_CLOCK_SKEW_MS + 1, 2))).toBe('future')
  })

  it('when full, forgets the earliest stamp and refuses everything sealed no later than it', () => {
    const clock = new ManualClock()
    const guard = new ReplayGuard({ clock, maxSeen: 3 })
    const t = clock.now()
    expect(guard.check(opened(t - 30, 1, 1))).toBe('fresh')
    expect(guard.check(opened(t - 20, 2, 1))).toBe('fresh')
    expect(guard.check(opened(t - 10, 3, 1))).toBe('fresh')
    expect(guard.size).toBe(3)
    // a fourth: the stamp of t - 30 is forgotten, so t - 30 and anything before is refused
    expect(guard.check(opened(t, 4, 1))).toBe('fresh')
    expect(guard.size).toBe(3)
    expect(guard.check(opened(t - 30, 1, 1))).toBe('replay')
    expect(guard.check(opened(t - 40, 5, 1))).toBe('replay')
    // the rest is still remembered exactly
    expect(guard.check(opened(t - 20, 2, 1))).toBe('replay')
    // room for t - 5 forgets t - 20: it and anything sealed no later is refused from now on
    expect(guard.check(opened(t - 5, 6, 1))).toBe('fresh')
    expect(guard.check(opened(t - 20, 2, 1))).toBe('replay')
    expect(guard.check(opened(t - 10, 3, 1))).toBe('replay')
    // a new envelope that would need t - 10 forgotten, and is older than it, is refused
    expect(guard.check(opened(t - 15, 7, 1))).toBe('replay')
    expect(guard.size).toBe(3)
  })

  it('a flood of distinct stamps keeps it bounded and never lets an earlier one through twice', () => {
    const clock = new ManualClock()
    const guard = new ReplayGuard({ clock, maxSeen: 100 })
    const t = clock.now()
    const first = opened(t, 0, 9)
    expect(guard.check(first)).toBe('fresh')
    for (let i = 1; i <= 1000; i++) {
      clock.advance(1)
      expect(guard.check(opened(clock.now(), i, 9))).toBe('fresh')
      expect(guard.size).toBeLessThanOrEqual(100)
    }
    expect(guard.check(first)).toBe('replay')
    expect(guard.check(opened(t + 500, 500, 9))).toBe('replay')
  })
})
