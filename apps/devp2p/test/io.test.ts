import { afterEach, describe, expect, it, vi } from 'vitest'
import { CliError, interruption } from '../src/io.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('interruption', () => {
  it('aborts at its time limit with a CliError, and dispose() clears the timer', async () => {
    vi.useFakeTimers()
    const limited = interruption(1_000)
    vi.advanceTimersByTime(999)
    expect(limited.signal.aborted).toBe(false)
    vi.advanceTimersByTime(1)
    await limited.done
    expect(limited.signal.reason).toBeInstanceOf(CliError)
    expect((limited.signal.reason as Error).message).toBe('time limit reached')

    const disposed = interruption(1_000)
    disposed.dispose()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(2_000)
    expect(disposed.signal.aborted).toBe(false)
  })

  it('aborts on SIGINT and SIGTERM, and stops listening after dispose()', async () => {
    const before = process.listenerCount('SIGINT')
    const a = interruption()
    process.emit('SIGINT')
    await a.done
    expect((a.signal.reason as Error).message).toBe('interrupted')
    expect(process.listenerCount('SIGINT')).toBe(before)

    const b = interruption()
    process.emit('SIGTERM')
    await b.done
    expect(b.signal.aborted).toBe(true)

    const c = interruption()
    c.dispose()
    expect(process.listenerCount('SIGINT')).toBe(before)
  })
})
