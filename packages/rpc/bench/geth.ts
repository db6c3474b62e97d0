/**
 * go-ethereum's `rpc.Server` for the rpc bench: interop/geth's `rpcpeer serve` (geth's
 * rpc.Server with the shared `foo` service behind a geth node's HTTP and WebSocket handler
 * stacks, and on a Unix socket), one process per column: GOMAXPROCS=1, then (unless
 * BENCH_GETH_ALL_CORES=0) the default, every core.
 *
 * The binary is interop/geth/bin/rpcpeer, built with `go build ./cmd/rpcpeer` when a source
 * of it, go.mod or go.sum is newer; BENCH_RPCPEER=<path> uses that binary instead. Without
 * the sources, the binary or `go`, the geth columns print as missing with the reason.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { findGethModule } from '@devp2p/testing'
import type { Endpoints } from './messages.ts'

/** How long `go build` may take (a cold build compiles go-ethereum: minutes). */
const GO_BUILD_TIMEOUT_MS = 20 * 60_000
/** How long `rpcpeer serve` may take to print where it listens. */
const SERVE_READY_TIMEOUT_MS = 30_000

function run(file: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: GO_BUILD_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error) reject(new Error(stderr.trim().split('\n')[0] || error.message))
      else resolve()
    })
  })
}

/** The rpcpeer binary, built if needed, or why there is none. */
export async function findRpcpeer(): Promise<{ binary: string } | { missing: string }> {
  const override = process.env.BENCH_RPCPEER
  if (override !== undefined && override !== '') {
    return existsSync(override) ? { binary: override } : { missing: `${override} not found` }
  }
  const mod = findGethModule()
  if (mod === undefined) return { missing: 'interop/geth not found' }
  const src = join(mod, 'cmd', 'rpcpeer')
  const binary = join(mod, 'bin', process.platform === 'win32' ? 'rpcpeer.exe' : 'rpcpeer')
  if (!existsSync(src)) {
    return existsSync(binary) ? { binary } : { missing: 'interop/geth/cmd/rpcpeer not found' }
  }
  const inputs = [
    join(mod, 'go.mod'),
    join(mod, 'go.sum'),
    ...readdirSync(src).map((f) => join(src, f)),
  ]
  const built = existsSync(binary) ? statSync(binary).mtimeMs : -1
  if (inputs.every((f) => statSync(f).mtimeMs <= built)) return { binary }
  try {
    await run('go', ['build', '-o', binary, './cmd/rpcpeer'], mod)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return { missing: code === 'ENOENT' ? 'go not found' : `go build: ${(e as Error).message}` }
  }
  return { binary }
}

/** A running `rpcpeer serve`. */
export interface GethServer {
  readonly pid: number
  readonly endpoints: Endpoints
  /** Ends its stdin, its signal to exit, and waits for the exit. */
  stop(): Promise<void>
}

/** Starts `rpcpeer serve` on every transport; `procs` 1 sets GOMAXPROCS=1, 0 leaves it. */
export function startGeth(binary: string, ipcPath: string, procs: number): Promise<GethServer> {
  const env = { ...process.env }
  if (procs > 0) env.GOMAXPROCS = String(procs)
  else delete env.GOMAXPROCS
  const args = ['serve', '--http', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--ipc', ipcPath]
  const child: ChildProcessWithoutNullStreams = spawn(binary, args, { env, stdio: 'pipe' })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4096)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    child.stdin.end()
    await exited
  }
  return new Promise((resolve, reject) => {
    let stdout = ''
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`rpcpeer serve ${why}: ${stderr.trim().split('\n').pop() ?? ''}`))
    }
    const timer = setTimeout(() => fail('printed no endpoints in time'), SERVE_READY_TIMEOUT_MS)
    child.once('error', (e) => fail(`could not start (${e.message})`))
    const onExit = (code: number | null) => fail(`exited (${code})`)
    child.once('exit', onExit)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const end = stdout.indexOf('\n')
      if (end < 0) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      try {
        const endpoints = JSON.parse(stdout.slice(0, end)) as Endpoints
        resolve({ pid: child.pid!, endpoints, stop })
      } catch {
        fail('printed a line that is not JSON')
      }
    })
  })
}

/** The resident set size of a process, from /proc (Linux). */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    return kib === undefined ? undefined : Number(kib) * 1024
  } catch {
    return undefined
  }
}
