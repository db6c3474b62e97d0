/**
 * The logger every package takes: the subset of a pino logger we call (`pino()` and its
 * child loggers fit as they are). Nothing is logged unless a logger is passed.
 */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** The levels of {@link Logger}, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

const noop = (): void => {}

/** The default logger: says nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/** Where {@link consoleLogger} writes: `console` unless told otherwise. */
export interface ConsoleLike {
  debug(...args: unknown[]): void
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
}

/**
 * A logger on the console, for trying things out (use pino in production): one line per
 * entry from `level` up (default `info`): `level msg {fields}`, or with `format: 'json'`
 * one JSON object per line, `{"t":<ISO time>,"lvl":…,"msg":…,…fields}` (the shape of
 * geth's `--log.format json`).
 *
 * @example
 * ```ts
 * const server = new Server({ ..., logger: consoleLogger({ level: 'debug' }) })
 * ```
 */
export function consoleLogger(
  options: {
    level?: LogLevel
    name?: string
    console?: ConsoleLike
    format?: 'text' | 'json'
  } = {},
): Logger {
  const min = LEVELS.indexOf(options.level ?? 'info')
  if (min < 0) throw new RangeError(`unknown log level ${String(options.level)}`)
  const out = options.console ?? console
  const prefix = options.name === undefined ? '' : `[${options.name}] `
  const json = options.format === 'json'
  const make =
    (level: LogLevel) =>
    (obj: object, msg?: string): void => {
      if (json) {
        const fields = safeJson(obj)
        const head = JSON.stringify({
          t: new Date().toISOString(),
          lvl: level,
          ...(options.name === undefined ? {} : { name: options.name }),
          msg: msg ?? '',
        })
        out[level](
          fields === '' || fields.startsWith('[')
            ? head
            : `${head.slice(0, -1)},${fields.slice(1)}`,
        )
        return
      }
      out[level](`${prefix}${level} ${msg ?? ''} ${safeJson(obj)}`.trimEnd())
    }
  const logger = { ...silentLogger }
  for (const level of LEVELS.slice(min)) logger[level] = make(level)
  return logger
}

function safeJson(obj: object): string {
  try {
    const text = JSON.stringify(obj, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString()
      if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
      if (value instanceof Error) {
        const { code } = value as { code?: unknown }
        return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) }
      }
      return value
    })
    return text === '{}' ? '' : text
  } catch {
    return '[unserialisable]'
  }
}
