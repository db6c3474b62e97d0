import { run, runCaptured } from '../src/cli.js'

/** Runs `devp2p argv…` in-process and collects what it wrote. */
export const cli = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured(argv)

/** A long-running `devp2p` command (`node`, `discv4 listen`) started in-process. */
export interface RunningCli {
  /** What it wrote to stdout and stderr so far. */
  readonly out: () => string
  readonly err: () => string
  /** Resolves when its stdout (`'out'`) or stderr (`'err'`) matches `pattern`. */
  until(stream: 'out' | 'err', pattern: RegExp): Promise<string>
  /** Its exit code, once it ends (on `process.emit('SIGINT')`). */
  readonly exit: Promise<number>
}

export function startCli(...argv: string[]): RunningCli {
  const text = { out: '', err: '' }
  // bounded: the waits of one test
  const waits: Array<{ stream: 'out' | 'err'; pattern: RegExp; resolve: (t: string) => void }> = []
  const check = (): void => {
    for (const w of [...waits]) {
      if (!w.pattern.test(text[w.stream])) continue
      waits.splice(waits.indexOf(w), 1)
      w.resolve(text[w.stream])
    }
  }
  const exit = run(argv, {
    out: (t) => {
      text.out += t
      check()
    },
    err: (t) => {
      text.err += t
      check()
    },
  })
  return {
    out: () => text.out,
    err: () => text.err,
    exit,
    until(stream, pattern) {
      return new Promise((resolve) => {
        waits.push({ stream, pattern, resolve })
        check()
      })
    },
  }
}

/** The `name: value` lines `devp2p node` prints on stdout, as an object. */
export function endpointLines(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter((l) => /^\w+:/.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  )
}

/** `devp2p node` on 127.0.0.1, free ports, no discovery, HTTP on: add the flags a test needs. */
export const LOCAL_NODE: readonly string[] = [
  'node',
  '--p2p.addr',
  '127.0.0.1',
  '--port',
  '0',
  '--nodiscover',
  '--http',
  '--http.port',
  '0',
]
