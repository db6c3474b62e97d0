/** Where a command writes: stdout for its data, stderr for errors and progress. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

/** Exit codes: 0 success, 1 the command failed, 2 the command line was wrong. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A failure the user can act on: printed as `devp2p: <message>`, exit 1, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError'
}

// How many commands are watching for Ctrl-C now, and whether one has already stopped on it
let watching = 0
let stoppingOnInterrupt = false

/**
 * Whether a command is handling Ctrl-C and SIGTERM itself (now, or it already began a clean
 * stop on one): the process's own handler then leaves later signals alone. A second Ctrl-C
 * arrives when something between the terminal and us forwards the terminal's (`npx`, npm's
 * run-script): it must not kill a command in the middle of its clean stop.
 */
export function interruptsHandled(): boolean {
  return watching > 0 || stoppingOnInterrupt
}

/**
 * A signal that aborts on Ctrl-C (SIGINT) or SIGTERM, or after `timeLimitMs` when given,
 * until `dispose()`: how the long-running commands (`node`, `discv4 listen`, `discv4
 * crawl`) end cleanly, exit 0. The time limit is a timer of its own, cleared by `dispose()`:
 * not `AbortSignal.any([…, AbortSignal.timeout(ms)])`, whose timeout signal Node 20 may
 * garbage-collect before it fires, so the combined signal never aborts.
 */
export function interruption(timeLimitMs?: number): {
  signal: AbortSignal
  dispose(): void
  done: Promise<void>
} {
  const controller = new AbortController()
  const done = new Promise<void>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  const stop = (reason: unknown): void => {
    dispose()
    controller.abort(reason)
  }
  const abort = (): void => {
    stoppingOnInterrupt = true
    stop(new CliError('interrupted'))
  }
  const timer =
    timeLimitMs === undefined
      ? undefined
      : setTimeout(() => stop(new CliError('time limit reached')), timeLimitMs)
  let disposed = false
  const dispose = (): void => {
    if (disposed) return
    disposed = true
    watching--
    clearTimeout(timer)
    process.off('SIGINT', abort)
    process.off('SIGTERM', abort)
  }
  watching++
  process.once('SIGINT', abort)
  process.once('SIGTERM', abort)
  return { signal: controller.signal, dispose, done }
}
