/**
 * go-ethereum's side of the interop tests: the binaries `npm run test:geth` builds into
 * bin/ (geth's `devp2p` and our `refpeer` on geth's p2p.Server), spawned as child
 * processes and driven through their output. Every process started here is tracked and
 * killed by {@link killAll}, which each test file calls in `afterEach`/`afterAll`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/', import.meta.url))
export const DEVP2P = `${BIN}devp2p`
export const REFPEER = `${BIN}refpeer`
/** geth's dnsdisc client with its resolver pointed at a given DNS server (cmd/dnsclient). */
export const DNSCLIENT = `${BIN}dnsclient`

for (const bin of [DEVP2P, REFPEER, DNSCLIENT]) {
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`npm run test:geth\`, which builds it with Go first`)
  }
}

/** How long a single wait for a Go process's event may take before the test fails. */
export const EVENT_TIMEOUT_MS = 30_000
/** How long a `quit` may take before the process is killed. */
const QUIT_TIMEOUT_MS = 5_000

// bounded: the processes of one test file, each killed after its test
const running = new Set<ChildProcessWithoutNullStreams>()

/** Kills every process started by this file's tests that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGKILL')
        await exited
      }
      running.delete(child)
    }),
  )
}

/** Adds `child` to the processes {@link killAll} kills (and forgets it once it exits). */
export function track(child: ChildProcessWithoutNullStreams): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

/** What a finished `devp2p` run printed. */
export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `binary` with `args` to the end, collecting its output; killed (and rejected, the
 * output in the message) after `timeoutMs`. `input` is written to its stdin (then closed).
 */
export function runToEnd(
  binary: string,
  args: readonly string[],
  timeoutMs: number,
  input = '',
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'pipe' })
    track(child)
    child.stdin.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    const name = binary.slice(binary.lastIndexOf('/') + 1)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} ${args.join(' ')} ran over ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs geth's `devp2p` with `args` to the end (killed after `timeoutMs`), `input` on stdin. */
export function runDevp2p(
  args: readonly string[],
  timeoutMs = 60_000,
  input = '',
): Promise<RunResult> {
  return runToEnd(DEVP2P, args, timeoutMs, input)
}

/** One JSON line from the refpeer (see cmd/refpeer/main.go for every event). */
export interface RefEvent {
  readonly event: string
  readonly [field: string]: unknown
}

/** What the refpeer's `ready` event says about it. */
export interface RefReady {
  readonly id: string
  readonly enode: string
  readonly enr: string
  readonly tcp: number
  readonly udp: number
}

/** Options of {@link startRefpeer}; each maps to the refpeer flag of the same name. */
export interface RefpeerOptions {
  readonly key?: string
  readonly listen?: string
  readonly discaddr?: string
  readonly discv4?: boolean
  readonly discv5?: boolean
  readonly bootnodes?: readonly string[]
  readonly static?: readonly string[]
  readonly maxpeers?: number
  readonly dialratio?: number
  readonly nodial?: boolean
  readonly name?: string
  /** The protocol's name (default `foo`); `''` runs no protocol. */
  readonly protocol?: string
  readonly version?: number
  readonly length?: number
}

/** A running refpeer: go-ethereum's p2p.Server with the tutorial's foo/bar. */
/** One stdout line as an event; a line that is not JSON is kept as `unparsed`. */
function parseEvent(line: string): RefEvent {
  try {
    return JSON.parse(line) as RefEvent
  } catch {
    return { event: 'unparsed', line }
  }
}

export class Refpeer {
  // bounded: one test's events from one process (a few hundred at most)
  readonly events: RefEvent[] = []
  #stderr = ''
  readonly #waiters = new Set<() => void>()

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly label: string,
  ) {
    let partial = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        if (line.trim() === '') continue
        this.events.push(parseEvent(line))
      }
      for (const wake of [...this.#waiters]) wake()
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-8192)
    })
    const wakeAll = (): void => {
      for (const wake of [...this.#waiters]) wake()
    }
    child.once('exit', wakeAll)
    // a binary that cannot start, or a command written after it exited: the waiters
    // learn of it (as an exit) instead of an uncaught 'error' ending the test run
    child.once('error', (err) => {
      this.#failure = err
      wakeAll()
    })
    child.stdin.on('error', (err) => {
      this.#failure ??= err
    })
  }

  #failure: Error | undefined

  /** The `ready` event's fields. */
  ready!: RefReady

  /** Starts a refpeer and waits for its `ready` event. */
  static async start(options: RefpeerOptions = {}, label = 'refpeer'): Promise<Refpeer> {
    const args: string[] = []
    for (const [flag, value] of Object.entries(options)) {
      if (value === undefined) continue
      if (typeof value === 'boolean') args.push(`--${flag}=${value}`)
      else if (Array.isArray(value)) args.push(`--${flag}`, value.join(','))
      else args.push(`--${flag}`, String(value))
    }
    const child = spawn(REFPEER, args, { stdio: 'pipe' })
    track(child)
    const peer = new Refpeer(child, label)
    peer.ready = (await peer.waitFor((e) => e.event === 'ready', 'ready')) as unknown as RefReady
    return peer
  }

  /** Sends one command line (see cmd/refpeer/main.go). */
  command(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }

  /** The first event, from the start, that `match` accepts; waits for it if needed. */
  waitFor(
    match: (event: RefEvent) => boolean,
    what: string,
    timeoutMs = EVENT_TIMEOUT_MS,
  ): Promise<RefEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find(match)
        if (found) {
          done()
          resolve(found)
          return true
        }
        if (
          this.#failure !== undefined ||
          this.child.exitCode !== null ||
          this.child.signalCode !== null
        ) {
          done()
          reject(new Error(`${this.label} exited while waiting for ${what}${this.#context()}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms${this.#context()}`))
      }, timeoutMs)
      const wake = (): void => {
        check()
      }
      const done = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
      }
      this.#waiters.add(wake)
      check()
    })
  }

  /** Waits until `condition` holds, checked at every event. */
  async until(condition: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
    await this.waitFor(() => condition(), what, timeoutMs)
  }

  /** The ids of the peers connected now, from the add and drop events so far. */
  peerIds(): Set<string> {
    const ids = new Set<string>()
    for (const e of this.events) {
      if (e.event === 'add') ids.add(e.peer as string)
      if (e.event === 'drop') ids.delete(e.peer as string)
    }
    return ids
  }

  /** Stops the server with `quit` (peers get "client quitting") and waits for the exit. */
  async quit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.command('quit')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), QUIT_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  #context(): string {
    const last = this.events.slice(-15).map((e) => JSON.stringify(e))
    const failure = this.#failure ? `\nprocess error: ${this.#failure.message}` : ''
    return `${failure}\nlast events:\n${last.join('\n')}\nstderr:\n${this.#stderr}`
  }
}
