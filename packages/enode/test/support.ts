import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock, Logger } from '../src/index.js'

/** A clock that moves only when told to, running due timers in order. */
export class FakeClock implements Clock {
  #now: number
  #timers = new Map<number, { at: number; fn: () => void }>()
  #next = 1

  constructor(now = 1_700_000_000_000) {
    this.#now = now
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++
    this.#timers.set(id, { at: this.#now + ms, fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  get pendingTimers(): number {
    return this.#timers.size
  }

  advance(ms: number): void {
    const end = this.#now + ms
    for (;;) {
      const due = [...this.#timers]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.#timers.delete(due[0])
      this.#now = Math.max(this.#now, due[1].at)
      due[1].fn()
    }
    this.#now = end
  }
}

/** A logger that remembers what was logged. */
export function recordingLogger(): Logger & {
  lines: { level: string; msg: string | undefined }[]
} {
  const lines: { level: string; msg: string | undefined }[] = []
  const at = (level: string) => (_obj: object, msg?: string) => {
    lines.push({ level, msg })
  }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'devp2p-enode-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Catches what `fn` throws (or undefined when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
