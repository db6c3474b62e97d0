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
