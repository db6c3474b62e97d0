/**
 * Spawns `discv5peer` (sigp's discv5 crate, built by `pnpm run build:rust`) and drives it
 * through its JSON-line interface: one command per stdin line, one answer per stdout line,
 * matched by `id`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  COMMAND_TIMEOUT_MS,
  MAX_COMMANDS_IN_FLIGHT,
  START_TIMEOUT_MS,
  STDERR_TAIL_BYTES,
  STOP_TIMEOUT_MS,
} from './constants.js'
import { RustPeerError } from './errors.js'

/** Where `cargo build --release` puts the binary (from src/ and from dist/ alike). */
export const DISCV5PEER_BIN = fileURLToPath(
  new URL('../target/release/discv5peer', import.meta.url),
)

/** Options of {@link startRustPeer}. */
export interface RustPeerOptions {
  /** The IPv4 address to bind and put in the record; default `127.0.0.1`. */
  readonly ip?: string
  /** The UDP port; default 0 (the kernel picks a free one, reported as `port`). */
  readonly port?: number
  /** The secp256k1 private key, 32 bytes; default a random one. */
  readonly privateKey?: Uint8Array
  /** Extra environment, e.g. `{ RUST_LOG: 'discv5=debug' }` (tracing to stderr). */
  readonly env?: Readonly<Record<string, string>>
  /** Another build of the binary; default {@link DISCV5PEER_BIN}. */
  readonly binary?: string
  /** How long each command may take; default {@link COMMAND_TIMEOUT_MS}. */
  readonly commandTimeoutMs?: number
}

/** The answer to a PING. */
export interface RustPong {
  /** The pinged node's record sequence number. */
  readonly enrSeq: bigint
  /** The address the pinged node saw our packet come from. */
  readonly ip: string
  readonly port: number
}

/** How {@link RustPeer.stop} ends the process. */
export type RustPeerStop = 'stdin' | 'SIGTERM' | 'SIGINT'

/** A running `discv5peer`. Every command rejects with a {@link RustPeerError}. */
export interface RustPeer {
  /** Its record, `enr:` text (IPv4 and UDP port set, sequence number 1). */
  readonly enr: string
  /** Its node id, 64 hex characters. */
  readonly nodeId: string
  /** The UDP port it listens on. */
  readonly port: number
  /** PINGs the node of `enr` (a session is made first if there is none). */
  ping(enr: string): Promise<RustPong>
  /** One FINDNODE to the node of `enr`; the records of its NODES answers, `enr:` text. */
  findnode(enr: string, distances: readonly number[]): Promise<string[]>
  /** One TALKREQ to the node of `enr`; the TALKRESP's bytes. */
  talkreq(enr: string, protocol: Uint8Array, request: Uint8Array): Promise<Uint8Array>
  /** Adds `enr` to its routing table. */
  addEnr(enr: string): Promise<void>
  /** The records in its routing table. */
  table(): Promise<string[]>
  /** An iterative lookup for `target` (32 bytes); the closest records found. */
  lookup(target: Uint8Array): Promise<string[]>
  /** Ends the process (closing stdin by default) and resolves with its exit code. */
  stop(how?: RustPeerStop): Promise<number | null>
  /** The last {@link STDERR_TAIL_BYTES} of its stderr. */
  stderr(): string
}

// bounded: the peers a test file started, each removed when it exits
const running = new Set<RustPeerProcess>()

/** Starts a `discv5peer` and resolves once it listens. */
export async function startRustPeer(options: RustPeerOptions = {}): Promise<RustPeer> {
  const binary = options.binary ?? DISCV5PEER_BIN
  if (!existsSync(binary)) {
    throw new RustPeerError(
      'RUST_PEER_MISSING',
      `${binary} is missing: run \`npm run test:geth\` (or \`pnpm run build:rust\` in interop/discv5-rs)`,
    )
  }
  const args = ['--ip', options.ip ?? '127.0.0.1', '--port', String(options.port ?? 0)]
  if (options.privateKey !== undefined) {
    args.push('--key', Buffer.from(options.privateKey).toString('hex'))
  }
  const child = spawn(binary, args, {
    stdio: 'pipe',
    env: { ...process.env, RUST_LOG: '', ...options.env },
  })
  const peer = new RustPeerProcess(child, options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS)
  running.add(peer)
  child.once('exit', () => running.delete(peer))
  try {
    await peer.ready()
  } catch (err) {
    await peer.stop('SIGTERM')
    throw err
  }
  return peer
}

/** Stops every peer started here that still runs (for `afterEach`/`afterAll`). */
export async function stopAllRustPeers(): Promise<void> {
  await Promise.all([...running].map((peer) => peer.stop()))
}

interface Waiter {
  readonly resolve: (answer: Record<string, unknown>) => void
  readonly reject: (err: RustPeerError) => void
  readonly timer: NodeJS.Timeout
}

class RustPeerProcess implements RustPeer {
  enr = ''
  nodeId = ''
  port = 0
  #stderr = ''
  #partial = ''
  #nextId = 1
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  #failure: Error | undefined
  readonly #exited: Promise<void>
  // bounded: MAX_COMMANDS_IN_FLIGHT, each entry removed by its answer or its deadline
  readonly #waiters = new Map<number, Waiter>()
  #onReady: ((line: Record<string, unknown>) => void) | undefined

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly commandTimeoutMs: number,
  ) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#read(chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES)
    })
    // a binary that cannot start, or a write after the exit: reported, never thrown
    child.once('error', (err) => {
      this.#failure ??= err
    })
    child.stdin.on('error', (err) => {
      this.#failure ??= err
    })
    this.#exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.#exit = { code, signal }
        const err = this.#error('RUST_PEER_EXITED', 'discv5peer exited')
        for (const waiter of this.#waiters.values()) {
          clearTimeout(waiter.timer)
          waiter.reject(err)
        }
        this.#waiters.clear()
        resolve()
      })
    })
  }

  /** Waits for the ready line and takes `enr`, `nodeId` and `port` from it. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#error('RUST_PEER_START_FAILED', `no ready line in ${START_TIMEOUT_MS} ms`))
      }, START_TIMEOUT_MS)
      this.#onReady = (line) => {
        clearTimeout(timer)
        this.enr = String(line.enr)
        this.nodeId = String(line.nodeId)
        this.port = Number(line.port)
        resolve()
      }
      void this.#exited.then(() => {
        clearTimeout(timer)
        reject(this.#error('RUST_PEER_START_FAILED', 'discv5peer exited before it was ready'))
      })
    })
  }

  async ping(enr: string): Promise<RustPong> {
    const answer = await this.#command({ cmd: 'ping', enr })
    return {
      enrSeq: BigInt(String(answer.enrSeq)),
      ip: String(answer.ip),
      port: Number(answer.port),
    }
  }

  async findnode(enr: string, distances: readonly number[]): Promise<string[]> {
    return enrList(await this.#command({ cmd: 'findnode', enr, distances }))
  }

  async talkreq(enr: string, protocol: Uint8Array, request: Uint8Array): Promise<Uint8Array> {
    const answer = await this.#command({
      cmd: 'talkreq',
      enr,
      protocol: Buffer.from(protocol).toString('hex'),
      request: Buffer.from(request).toString('hex'),
    })
    return new Uint8Array(Buffer.from(String(answer.response), 'hex'))
  }

  async addEnr(enr: string): Promise<void> {
    await this.#command({ cmd: 'addEnr', enr })
  }

  async table(): Promise<string[]> {
    return enrList(await this.#command({ cmd: 'table' }))
  }

  async lookup(target: Uint8Array): Promise<string[]> {
    if (target.length !== 32) throw new RangeError('a lookup target is a 32-byte node id')
    const hex = Buffer.from(target).toString('hex')
    return enrList(await this.#command({ cmd: 'lookup', target: hex }))
  }

  async stop(how: RustPeerStop = 'stdin'): Promise<number | null> {
    if (this.#exit === undefined) {
      if (how === 'stdin') this.child.stdin.end()
      else this.child.kill(how)
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await this.#exited
      clearTimeout(timer)
    }
    return this.#exit?.code ?? null
  }

  stderr(): string {
    return this.#stderr
  }

  #command(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#exit !== undefined || this.#failure !== undefined) {
      return Promise.reject(this.#error('RUST_PEER_EXITED', `${fields.cmd}: discv5peer is gone`))
    }
    if (this.#waiters.size >= MAX_COMMANDS_IN_FLIGHT) {
      return Promise.reject(
        new RustPeerError('RUST_PEER_BUSY', `${MAX_COMMANDS_IN_FLIGHT} commands already in flight`),
      )
    }
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(
          this.#error(
            'RUST_PEER_TIMEOUT',
            `${fields.cmd}: no answer in ${this.commandTimeoutMs} ms`,
          ),
        )
      }, this.commandTimeoutMs)
      this.#waiters.set(id, {
        timer,
        reject,
        resolve: (answer) => {
          if (answer.ok === true) resolve(answer)
          else
            reject(new RustPeerError('RUST_PEER_REFUSED', `${fields.cmd}: ${String(answer.error)}`))
        },
      })
      this.child.stdin.write(`${JSON.stringify({ id, ...fields })}\n`)
    })
  }

  #read(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n')
    this.#partial = lines.pop() ?? ''
    for (const text of lines) {
      let line: Record<string, unknown>
      try {
        line = JSON.parse(text) as Record<string, unknown>
      } catch {
        continue // not ours to answer: nothing waits for it
      }
      if (this.#onReady !== undefined && typeof line.enr === 'string' && !('id' in line)) {
        const onReady = this.#onReady
        this.#onReady = undefined
        onReady(line)
        continue
      }
      const waiter = typeof line.id === 'number' ? this.#waiters.get(line.id) : undefined
      if (waiter === undefined) continue // answered after its deadline
      this.#waiters.delete(line.id as number)
      clearTimeout(waiter.timer)
      waiter.resolve(line)
    }
  }

  #error(code: 'RUST_PEER_EXITED' | 'RUST_PEER_START_FAILED' | 'RUST_PEER_TIMEOUT', what: string) {
    const exit =
      this.#exit === undefined ? '' : ` (exit ${this.#exit.code ?? this.#exit.signal ?? '?'})`
    const failure = this.#failure === undefined ? '' : `\nprocess error: ${this.#failure.message}`
    const stderr = this.#stderr === '' ? '' : `\nstderr:\n${this.#stderr}`
    return new RustPeerError(code, `${what}${exit}${failure}${stderr}`, { cause: this.#failure })
  }
}

function enrList(answer: Record<string, unknown>): string[] {
  return Array.isArray(answer.enrs) ? answer.enrs.map(String) : []
}
