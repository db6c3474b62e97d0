import {
  type ConsoleLike,
  consoleLogger,
  type Logger,
  type LogLevel,
  silentLogger,
} from '@devp2p/common'
import { InvalidArgumentError } from 'commander'
import type { CliIo } from './io.js'

const LEVEL_OF: Record<number, LogLevel> = {
  1: 'error',
  2: 'warn',
  3: 'info',
  4: 'debug',
  5: 'debug',
}

export type LogFormat = 'terminal' | 'json'

/** The `--verbosity` flag: an integer 0…5. */
export function parseVerbosity(value: string): number {
  const n = Number(value)
  if (!/^[0-5]$/.test(value)) throw new InvalidArgumentError(`not a verbosity (0…5): ${value}`)
  return n
}

/** The `--log.format` flag. */
export function parseLogFormat(value: string): LogFormat {
  if (value !== 'terminal' && value !== 'json') {
    throw new InvalidArgumentError(`not a log format (terminal or json): ${value}`)
  }
  return value
}

/**
 * The logger the stack gets from `--verbosity` and `--log.format`, writing to stderr:
 * `terminal` as `level message {fields}`, `json` as one object per line
 * (`{"t":…,"lvl":…,"msg":…,…fields}`, as geth's `--log.format json`).
 */
export function cliLogger(verbosity: number, format: LogFormat, io: CliIo): Logger {
  const level = LEVEL_OF[verbosity]
  if (level === undefined) return silentLogger
  const line = (text: unknown): void => io.err(`${String(text)}\n`)
  const sink: ConsoleLike = { debug: line, info: line, warn: line, error: line }
  return consoleLogger({ level, console: sink, format: format === 'json' ? 'json' : 'text' })
}
