import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  addDeadline,
  cancelDeadline,
  deadlineTimer,
  pendingDeadlines,
  type SystemDeadline,
} from '../src/system-deadlines.js'

/** The system clock's deadlines, all on one timer, driven by vitest's fake timers. */
describe('system deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires each deadline at its time, not before, with one timer for all', async () => {
    const fired: string[] = []
    const now = performance.now()
    addDeadline(now + 300, () => fired.push('late'))
    addDeadline(now + 100, () => fired.push('early')) // earlier than the armed one: re-armed
    addDeadline(now + 200, () => fired.push('middle'))
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(99)
    expect(fired).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(fired).toEqual(['early'])
    await vi.advanceTimersByTimeAsync(100)
    expect(fired).toEqual(['early', 'middle'])
    await vi.advanceTimersByTimeAsync(100)
    expect(fired).toEqual(['early', 'middle', 'late'])
    expect(pendingDeadlines()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fires deadlines that fall due together in one go', async () => {
    const fired: number[] = []
    const at = performance.now() + 50
    for (let i = 0; i < 3; i++) addDeadline(at, () => fired.push(i))
    await vi.advanceTimersByTimeAsync(50)
    expect(fired.sort()).toEqual([0, 1, 2])
  })

  it('a cancelled deadline never fires; after the last, the timer no longer keeps the process alive', async () => {
    const fired: string[] = []
    const now = performance.now()
    const a = addDeadline(now + 100, () => fired.push('a'))
    const b = addDeadline(now + 200, () => fired.push('b'))
    cancelDeadline(a)
    expect(vi.getTimerCount()).toBe(1) // still armed for a: fires, finds b not due, re-arms
    await vi.advanceTimersByTimeAsync(100)
    expect(fired).toEqual([])
    cancelDeadline(b)
    cancelDeadline(b) // twice is harmless
    expect(pendingDeadlines()).toBe(0)
    // kept for the next wait, unref'd; it fires once, finds nothing and goes
    expect(deadlineTimer()).toBe('unref')
    await vi.advanceTimersByTimeAsync(1000)
    expect(fired).toEqual([])
    expect(deadlineTimer()).toBe('none')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a wait after the last one ended reuses the timer, refs it, and fires at its own time', async () => {
    const fired: string[] = []
    const now = performance.now()
    cancelDeadline(addDeadline(now + 100, () => fired.push('first')))
    expect(deadlineTimer()).toBe('unref')
    await vi.advanceTimersByTimeAsync(10)
    addDeadline(performance.now() + 100, () => fired.push('second')) // due at now + 110
    expect(vi.getTimerCount()).toBe(1) // no second timer
    expect(deadlineTimer()).toBe('ref')
    await vi.advanceTimersByTimeAsync(90) // the old timer fires at now + 100: nothing due
    expect(fired).toEqual([])
    expect(deadlineTimer()).toBe('ref') // re-armed for the wait
    await vi.advanceTimersByTimeAsync(9)
    expect(fired).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(fired).toEqual(['second'])
    expect(deadlineTimer()).toBe('none')
  })

  it('a deadline added from a firing callback is kept', async () => {
    const fired: string[] = []
    const now = performance.now()
    addDeadline(now + 10, () => {
      fired.push('first')
      addDeadline(performance.now() + 10, () => fired.push('second'))
    })
    await vi.advanceTimersByTimeAsync(10)
    expect(fired).toEqual(['first'])
    await vi.advanceTimersByTimeAsync(10)
    expect(fired).toEqual(['first', 'second'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fires every deadline not cancelled, in (time, registration) order, whatever the mix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ add: fc.integer({ min: 0, max: 50 }) }),
            fc.record({ cancel: fc.nat() }),
            fc.record({ advance: fc.integer({ min: 0, max: 30 }) }),
          ),
          { maxLength: 60 },
        ),
        async (ops) => {
          const fired: number[] = []
          const live: { n: number; at: number; d: SystemDeadline }[] = []
          const expected: number[] = []
          let n = 0
          const fireDue = (now: number): void => {
            const due = live.filter((e) => e.at <= now).sort((a, b) => a.at - b.at || a.n - b.n)
            for (const e of due) {
              expected.push(e.n)
              live.splice(live.indexOf(e), 1)
            }
          }
          for (const op of ops) {
            if ('add' in op) {
              const id = n++
              const at = performance.now() + op.add
              live.push({ n: id, at, d: addDeadline(at, () => fired.push(id)) })
            } else if ('cancel' in op) {
              if (live.length === 0) continue
              const [e] = live.splice(op.cancel % live.length, 1)
              cancelDeadline(e!.d)
            } else {
              // step a millisecond at a time, as the model fires per step
              for (let i = 0; i < op.advance; i++) {
                await vi.advanceTimersByTimeAsync(1)
                fireDue(performance.now())
              }
            }
          }
          await vi.advanceTimersByTimeAsync(100)
          fireDue(performance.now())
          expect(fired).toEqual(expected)
          expect(pendingDeadlines()).toBe(0)
          expect(vi.getTimerCount()).toBe(0)
        },
      ),
      { numRuns: 100 },
    )
  })
})

// last: it leaves a real (unref'd) timer in the module's state
describe('system deadlines on real timers', () => {
  it('with real timers, nothing keeps the process alive once the last wait ended', () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timeouts()
    const d = addDeadline(performance.now() + 60_000, () => {})
    expect(timeouts()).toBe(before + 1)
    cancelDeadline(d)
    expect(timeouts()).toBe(before)
    const again = addDeadline(performance.now() + 60_000, () => {})
    expect(timeouts()).toBe(before + 1)
    cancelDeadline(again)
    expect(timeouts()).toBe(before)
  })
})
