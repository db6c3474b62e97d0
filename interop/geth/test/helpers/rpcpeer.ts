/**
 * The rpcpeer (cmd/rpcpeer): go-ethereum's rpc package on one side of the JSON-RPC interop
 * tests. `serve` runs geth's rpc.Server with the shared `foo` service; `check` runs geth's
 * rpc.Client through a fixed script against any server offering `foo` and reports each
 * check's outcome as one JSON object. Processes are tracked by helpers/go.ts, so its
 * `killAll` ends them too.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { EVENT_TIMEOUT_MS, runToEnd, track } from './go.js'

export const RPCPEER = fileURLToPath(new URL('../../bin/rpcpeer', import.meta.url))

if (!existsSync(RPCPEER)) {
  throw new Error(`${RPCPEER} is missing: run \`npm run test:geth\`, which builds it with Go first`)
}

/** How long a whole `rpcpeer check` run may take (each of its checks has 10 s). */
export const CHECK_TIMEOUT_MS = 60_000

/** Where `rpcpeer serve` listens: only the transports it was asked for. */
export interface RpcpeerEndpoints {
  readonly http?: string
  readonly ws?: string
  readonly ipc?: string
}

/** Flags of `rpcpeer serve`; each maps to the flag of the same name. */
export interface RpcpeerServeOptions {
  /** HTTP listen address, e.g. `127.0.0.1:0`. */
  readonly http?: string
  /** WebSocket listen address. */
  readonly ws?: string
  /** Unix socket path. */
  readonly ipc?: string
  /** 32 bytes as hex: HTTP and WebSocket then require a JWT (geth's handler). */
  readonly jwtSecret?: string
  /** CORS origins for HTTP (none by default, as geth: no CORS headers at all). */
  readonly cors?: readonly string[]
  /** Virtual hosts for HTTP (geth's default: `localhost`; IP-literal hosts always pass). */
  readonly vhosts?: readonly string[]
  /** WebSocket origins (default `*`). */
  readonly wsOrigins?: readonly string[]
  /** No gzip on HTTP responses. */
  readonly nogzip?: boolean
}

/** A running `rpcpeer serve`. */
export interface RpcpeerServer {
  readonly child: ChildProcessWithoutNullStreams
  readonly endpoints: RpcpeerEndpoints
  /** Ends its stdin (its signal to stop) and resolves with its exit code. */
  stop(): Promise<number | null>
}

function serveArgs(options: RpcpeerServeOptions): string[] {
  const args = ['serve']
  const flag = (name: string, value: string | readonly string[] | undefined): void => {
    if (value !== undefined)
      args.push(`--${name}`, typeof value === 'string' ? value : value.join(','))
  }
  flag('http', options.http)
  flag('ws', options.ws)
  flag('ipc', options.ipc)
  flag('jwt-secret', options.jwtSecret)
  flag('cors', options.cors)
  flag('vhosts', options.vhosts)
  flag('ws-origins', options.wsOrigins)
  if (options.nogzip) args.push('--nogzip')
  return args
}

/** Starts `rpcpeer serve` and resolves once it printed where it listens. */
export function startRpcpeer(
  options: RpcpeerServeOptions,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<RpcpeerServer> {
  const child = spawn(RPCPEER, serveArgs(options), { stdio: 'pipe' })
  track(child)
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const stop = async (): Promise<number | null> => {
    child.stdin.end()
    return exited
  }
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-8192)
  })
  return new Promise((resolve, reject) => {
    let stdout = ''
    const fail = (why: string): void => {
      settle()
      child.kill('SIGKILL')
      reject(new Error(`rpcpeer serve ${why}\nstdout: ${stdout}\nstderr: ${stderr}`))
    }
    const onError = (err: Error): void => fail(`could not start: ${err.message}`)
    const onExit = (code: number | null): void => fail(`exited (${code}) before listening`)
    const onData = (d: string): void => {
      stdout += d
      const end = stdout.indexOf('\n')
      if (end < 0) return
      let endpoints: RpcpeerEndpoints
      try {
        endpoints = JSON.parse(stdout.slice(0, end)) as RpcpeerEndpoints
      } catch {
        fail('printed a line that is not JSON')
        return
      }
      settle()
      resolve({ child, endpoints, stop })
    }
    const timer = setTimeout(() => fail(`printed no endpoints within ${timeoutMs} ms`), timeoutMs)
    const settle = (): void => {
      clearTimeout(timer)
      child.off('error', onError)
      child.off('exit', onExit)
      child.stdout.off('data', onData)
      child.stdout.resume() // nothing more is expected there; keep the pipe drained
    }
    child.once('error', onError)
    child.once('exit', onExit)
    child.stdout.setEncoding('utf8').on('data', onData)
  })
}

/** An error as geth's client reads it: `code` from rpc.Error, `data` from rpc.DataError. */
export interface CheckedError {
  readonly code?: number
  readonly message: string
  readonly data?: unknown
  /** Set when the error was the client's or the transport's, not a JSON-RPC error. */
  readonly notRPCError?: true
}

/** A check that could not run to its end (timeout, a result where an error was due, ...). */
export interface CheckFailure {
  readonly error: string
}

/** What `rpcpeer check` prints: one slot per check (cmd/rpcpeer/check.go). */
export interface CheckReport {
  readonly transport: 'http' | 'ws' | 'ipc'
  readonly dial?: CheckFailure
  readonly getNumber?: unknown
  readonly add?: unknown
  readonly echo?: unknown
  /** foo_echo(null): null */
  readonly echoNull?: unknown
  readonly batch?: readonly ({ result: unknown } | { error: CheckedError })[] | CheckFailure
  readonly fail?: CheckedError | CheckFailure
  readonly noMethod?: CheckedError | CheckFailure
  readonly badParams?: CheckedError | CheckFailure
  readonly sleep?: unknown
  /** ws and ipc: the first three notifications of ticks(3). */
  readonly ticks?: unknown
  /** ws and ipc: true when the unsubscription finished cleanly. */
  readonly unsubscribed?: true | CheckFailure
  /** ws and ipc: foo_unsubscribe of an id that was never issued. */
  readonly unsubscribeUnknown?: CheckedError | CheckFailure
  /** http: what geth's client says to Subscribe (it refuses without asking the server). */
  readonly httpSubscribeError?: string | CheckFailure
  /** http: the server's answer to foo_subscribe sent as a plain call. */
  readonly httpSubscribeCall?: CheckedError | CheckFailure
}

/** The result of one `rpcpeer check` run. */
export interface CheckRun {
  readonly code: number | null
  /** The parsed stdout line; undefined when there was none. */
  readonly report: CheckReport | undefined
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `rpcpeer check --url <url>` (an `http://` or `ws://` URL, or an IPC socket path)
 * to its end; killed after `timeoutMs`.
 */
export async function runRpcpeerCheck(
  url: string,
  extraArgs: readonly string[] = [],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<CheckRun> {
  const { code, stdout, stderr } = await runToEnd(
    RPCPEER,
    ['check', '--url', url, ...extraArgs],
    timeoutMs,
  )
  let report: CheckReport | undefined
  try {
    report = stdout.trim() === '' ? undefined : (JSON.parse(stdout) as CheckReport)
  } catch {
    report = undefined
  }
  return { code, report, stdout, stderr }
}
