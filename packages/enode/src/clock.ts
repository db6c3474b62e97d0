/** An opaque timer handle from {@link Clock.setTimeout}. */
export type TimerHandle = unknown

/**
 * Where time comes from, so tests can use a fake clock instead of sleeping. Timers must
 * not keep the process alive on their own (the system clock unrefs them).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** The real clock: `Date.now` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** The subset of a pino logger this package uses. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = () => {}

/** The default logger: says nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }
