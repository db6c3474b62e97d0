/**
 * What every devp2p-ts package shares, so there is one definition of each: the
 * {@link Clock} (timers and deadlines, swapped for a fake one in tests), the
 * {@link Logger} interface (pino fits; {@link consoleLogger} for trying things out), and
 * collections a remote party can fill but never grow past a named limit
 * ({@link BoundedMap}, {@link ExpiringSet}).
 *
 * @example
 * ```ts
 * import { BoundedMap, consoleLogger, systemClock, timeoutSignal } from '@devp2p/common'
 *
 * const log = consoleLogger({ level: 'debug' })
 * const signal = timeoutSignal(systemClock, 5_000)    // aborts in 5 s
 * export const MAX_SESSIONS = 1024
 * const sessions = new BoundedMap<string, Session>({ maxSize: MAX_SESSIONS, evict: 'recency' })
 * ```
 *
 * @packageDocumentation
 */
export type { BoundedMapOptions } from './bounded-map.js'
export { BoundedMap } from './bounded-map.js'
export type { Clock, Deadline, TimerHandle } from './clock.js'
export { systemClock, timeoutSignal } from './clock.js'
export type { ExpiringSetOptions } from './expiring-set.js'
export { ExpiringSet } from './expiring-set.js'
export type { ConsoleLike, Logger, LogLevel } from './logger.js'
export { consoleLogger, silentLogger } from './logger.js'
