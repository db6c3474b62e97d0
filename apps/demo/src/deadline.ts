/** The demo's one deadline: every step races it, so nothing waits forever. */
export interface Deadline {
  /** `task`, or the deadline's error when it passes (or the signal aborts) first. */
  within<T>(task: Promise<T>): Promise<T>
  /** Disarms it (idempotent). */
  clear(): void
}

/**
 * A deadline `timeoutMs` from now that fails with `onTimeout()`'s error, or with
 * `demo interrupted` when `signal` aborts.
 */
export function demoDeadline(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
): Deadline {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const passed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs)
    onAbort = () => reject(new Error('demo interrupted'))
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
  passed.catch(() => {})
  return {
    within: (task) => Promise.race([task, passed]),
    clear() {
      clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** Resolves when `signal` aborts (at once if it has): `--stay` runs until Ctrl-C. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/**
 * The end of a scenario: with `stay`, runs until the signal aborts (Ctrl-C); then stops
 * every node and says so.
 */
export async function stayThenStop(
  options: { readonly stay?: boolean | undefined },
  signal: AbortSignal | undefined,
  print: (line: string) => void,
  stopAll: () => Promise<void>,
): Promise<void> {
  if (options.stay && signal) {
    print('running      until Ctrl-C')
    await untilAborted(signal)
  }
  print('stopping')
  await stopAll()
  print('demo finished')
}
