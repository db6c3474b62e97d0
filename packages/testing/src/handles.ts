/** How many active handles of each kind the process has (timers, TCP sockets, ...). */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

/**
 * Kinds of handle of which there are more now than in `before` (an `activeHandles()`
 * snapshot). A handle that was open before and has closed since (another test's timer)
 * is not counted against the code under test.
 */
export function extraHandles(before: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {}
  for (const [kind, count] of Object.entries(activeHandles())) {
    if (count > (before[kind] ?? 0)) extra[kind] = count - (before[kind] ?? 0)
  }
  return extra
}

/** Lets pending I/O callbacks and immediates run (`rounds` turns of the event loop). */
export async function settleEventLoop(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
