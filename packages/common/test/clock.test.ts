/** The system clock's timers and deadlines, and timeoutSignal, on vitest's fake timers. */
import { ManualClock } from '@devp2p/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { systemClock, timeoutSignal } from '../src/clock.js'
import { pendingDeadlines } from '../src/system-deadlines.js'

describe('systemClock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('now() is wall-clock milliseconds', () => {
    vi.setSystemTime(1_234_567)
    expect(systemClock.now()).toBe(1_234_567)
  })

  it('setTimeout fires once after ms, clearTimeout stops it', async () => {
    const fired: string[] = []
    systemClock.setTimeout(() => fired.push('a'), 100)
    const b = systemClock.setTimeout(() => fired.push('b'), 100)
    systemClock.clearTimeout(b)
    await vi.advanceTimersByTimeAsync(99)
    expect(fired).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(fired).toEqual(['a'])
  })

  it('deadline fires at its time; cancel is idempotent and leaves nothing behind', async () => {
    const fired: string[] = []
    const a = systemClock.deadline(50, () => fired.push('a'))
    const b = systemClock.deadline(80, () => fired.push('b'))
    expect(pendingDeadlines()).toBe(2)
    b.cancel()
    b.cancel()
    await vi.advanceTimersByTimeAsync(49)
    expect(fired).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(fired).toEqual(['a'])
    a.cancel() // after firing: harmless
    expect(pendingDeadlines()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a negative deadline fires on the next timer turn', async () => {
    const fired: string[] = []
    systemClock.deadline(-5, () => fired.push('now'))
    await vi.advanceTimersByTimeAsync(0)
    expect(fired).toEqual(['now'])
  })
})

describe('timeoutSignal', () => {
  const fakeClock = () => new ManualClock(0)
  const live = (clock: ManualClock) => clock.pending

  it('aborts with a TimeoutError at the deadline, not before', () => {
    const clock = fakeClock()
    const signal = timeoutSignal(clock, 100)
    clock.advance(99)
    expect(signal.aborted).toBe(false)
    clock.advance(1)
    expect(signal.aborted).toBe(true)
    expect((signal.reason as DOMException).name).toBe('TimeoutError')
  })

  it('aborts with the given reason', () => {
    const clock = fakeClock()
    const reason = new Error('no message within 100 ms')
    const signal = timeoutSignal(clock, 100, { reason })
    clock.advance(100)
    expect(signal.reason).toBe(reason)
  })

  it('follows an outer signal and then cancels its deadline', () => {
    const clock = fakeClock()
    const outer = new AbortController()
    const signal = timeoutSignal(clock, 100, { signal: outer.signal })
    expect(live(clock)).toBe(1)
    outer.abort('stop')
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe('stop')
    expect(live(clock)).toBe(0)
  })

  it('is aborted at once when the outer signal already is', () => {
    const clock = fakeClock()
    const signal = timeoutSignal(clock, 100, { signal: AbortSignal.abort('gone') })
    expect(signal.reason).toBe('gone')
    expect(live(clock)).toBe(0)
  })
})
