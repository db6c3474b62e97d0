/** The subset of a pino logger this package calls. Pass a pino child logger, or nothing. */
export interface RlpxLogger {
  debug(obj: Record<string, unknown>, msg?: string): void
  warn(obj: Record<string, unknown>, msg?: string): void
}

const noop = (): void => {}

/** The default: logs nothing. */
export const silentLogger: RlpxLogger = { debug: noop, warn: noop }
