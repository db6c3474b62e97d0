/**
 * How the rpc bench's load generator (bench/load.ts) calls a server: `foo_getNumber` over
 * HTTP/1.1 keep-alive (POSTs written on raw `node:net` sockets), WebSocket (the `ws`
 * package, no per-message deflate) and IPC (`node:net` on the Unix socket, answers split
 * by a streaming JSON scanner, so a server may end its messages with a newline, as geth
 * does, or not). Each answer is checked: `{"result":42}` with the id sent.
 */
import { connect, type Socket } from 'node:net'
import { WebSocket } from 'ws'
import { EXPECTED_RESULT, METHOD, type Transport } from './messages.ts'

export type Done = (error?: string) => void

/** Longest wait for a connection to open, or for an idle connection's one answer. */
const OPEN_TIMEOUT_MS = 10_000

/** `promise`, or a rejection once `ms` passed (so a server that never answers cannot hang the bench). */
export function within<T>(promise: Promise<T>, what: string, ms = OPEN_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Resolves when `socket` connects; destroys it if it does not in time. */
async function connected(socket: Socket, what: string): Promise<void> {
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve)
        socket.once('error', reject)
      }),
      what,
    )
  } catch (e) {
    socket.destroy()
    throw e
  }
}

/** Sends calls on one transport; `broken` is set once it can send no more. */
export interface Caller {
  call(done: Done): void
  close(): void
  broken?: string
}

export const body = (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"${METHOD}","params":[]}`

export interface Answer {
  id?: unknown
  result?: unknown
}

export function parse(text: string): Answer | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Answer) : undefined
  } catch {
    return undefined
  }
}

/** Why an answer to call `id` is wrong, or undefined when it is `{"result":42}`. */
export function check(answer: Answer | undefined, text: string, id: number): string | undefined {
  if (answer === undefined) return `not a JSON object: ${text.slice(0, 80)}`
  if (answer.id !== id) return `id ${String(answer.id)}, expected ${id}`
  if (answer.result !== EXPECTED_RESULT) return `unexpected answer: ${text.slice(0, 120)}`
  return undefined
}

/** Splits a byte stream into top-level JSON objects or arrays, whatever lies between them. */
class JsonSplitter {
  private parts: Buffer[] = []
  private depth = 0
  private inString = false
  private escaped = false

  push(chunk: Buffer, emit: (text: string) => void): void {
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === 0x5c) this.escaped = true
        else if (c === 0x22) this.inString = false
        continue
      }
      if (c === 0x22) this.inString = true
      else if (c === 0x7b || c === 0x5b) this.depth++
      else if (c === 0x7d || c === 0x5d) {
        if (--this.depth === 0) {
          const last = chunk.subarray(start, i + 1)
          const text =
            this.parts.length === 0
              ? last.toString('utf8')
              : Buffer.concat([...this.parts, last]).toString('utf8')
          this.parts = []
          start = i + 1
          emit(text)
        }
      } else if (this.depth === 0) start = i + 1 // whitespace (a newline) between messages
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start))
  }
}

/** Calls matched to answers by id, for the transports that carry many on one connection. */
class Pending {
  private next = 1
  private readonly waiting = new Map<number, Done>()
  open(done: Done): number {
    const id = this.next++
    this.waiting.set(id, done)
    return id
  }
  answer(text: string): void {
    const answer = parse(text)
    const id = answer?.id
    const done = typeof id === 'number' ? this.waiting.get(id) : undefined
    if (done === undefined) return // not an answer to a call of ours: its call times out
    this.waiting.delete(id as number)
    done(check(answer, text, id as number))
  }
  failAll(reason: string): void {
    const all = [...this.waiting.values()]
    this.waiting.clear()
    for (const done of all) done(reason)
  }
}

/** Where a response's head ends, and its body's length, or chunked. */
interface Head {
  status: number
  bodyStart: number
  length: number | 'chunked' | 'close'
}

function parseHead(buffer: Buffer): Head | undefined {
  const end = buffer.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const head = buffer.toString('latin1', 0, end)
  const status = Number(head.slice(9, 12))
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1]
  if (length !== undefined) return { status, bodyStart: end + 4, length: Number(length) }
  const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head)
  return { status, bodyStart: end + 4, length: chunked ? 'chunked' : 'close' }
}

/** A chunked body's bytes, once its last chunk arrived; `used`: bytes of the message. */
function dechunk(buffer: Buffer, from: number): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = []
  let at = from
  for (;;) {
    const line = buffer.indexOf('\r\n', at)
    if (line < 0) return undefined
    const size = Number.parseInt(buffer.toString('latin1', at, line), 16)
    if (size === 0) {
      const end = buffer.indexOf('\r\n\r\n', line)
      return end < 0 ? undefined : { body: Buffer.concat(parts), used: end + 4 }
    }
    if (buffer.length < line + 2 + size + 2) return undefined
    parts.push(buffer.subarray(line + 2, line + 2 + size))
    at = line + 2 + size + 2
  }
}

/**
 * HTTP/1.1 keep-alive POSTs on raw `node:net` sockets, one request at a time per
 * connection (no pipelining), `inflight` connections. Not node:http's client: its Agent
 * costs about 0.3 ms of CPU per request, so it saturated before the servers did.
 */
async function httpCaller(url: string, inflight: number): Promise<Caller> {
  const { hostname, port, pathname, host } = new URL(url)
  const open = async () => {
    const socket = connect({ host: hostname, port: Number(port), noDelay: true })
    await connected(socket, `connect to ${url}`)
    let buffer: Buffer = Buffer.alloc(0)
    let current: { done: Done; id: number } | undefined
    const conn = {
      send(id: number, done: Done) {
        current = { done, id }
        const text = body(id)
        socket.write(
          `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
        )
      },
      close: () => socket.destroy(),
    }
    const finish = (error: string | undefined) => {
      const call = current
      current = undefined
      if (call !== undefined) call.done(error)
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      const head = parseHead(buffer)
      if (head === undefined || current === undefined) return
      let text: string
      if (head.length === 'close') return // the body ends with the connection
      if (head.length === 'chunked') {
        const got = dechunk(buffer, head.bodyStart)
        if (got === undefined) return
        text = got.body.toString('utf8')
        buffer = buffer.subarray(got.used)
      } else {
        if (buffer.length < head.bodyStart + head.length) return
        text = buffer.toString('utf8', head.bodyStart, head.bodyStart + head.length)
        buffer = buffer.subarray(head.bodyStart + head.length)
      }
      const id = current.id
      finish(head.status === 200 ? check(parse(text), text, id) : `HTTP ${head.status}: ${text}`)
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      const head = parseHead(buffer)
      if (head?.length === 'close' && current !== undefined) {
        const text = buffer.toString('utf8', head.bodyStart)
        finish(check(parse(text), text, current.id))
      } else finish('connection closed')
      const i = idle.indexOf(conn)
      if (i >= 0) idle.splice(i, 1)
      connections.delete(conn)
      if (connections.size === 0) caller.broken = 'every connection closed'
    })
    return conn
  }
  type Conn = Awaited<ReturnType<typeof open>>
  const connections = new Set<Conn>()
  const idle: Conn[] = []
  for (const conn of await Promise.all(Array.from({ length: inflight }, open))) {
    connections.add(conn)
    idle.push(conn)
  }
  const waiting: Done[] = []
  let id = 0
  const caller: Caller = {
    call(done) {
      if (caller.broken !== undefined) return void setImmediate(done, caller.broken)
      const conn = idle.pop()
      if (conn === undefined) return void waiting.push(done)
      conn.send(++id, (error) => {
        if (connections.has(conn)) idle.push(conn)
        const next = waiting.shift()
        if (next !== undefined) caller.call(next)
        done(error)
      })
    },
    close() {
      for (const conn of connections) conn.close()
    },
  }
  return caller
}

export async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', reject)
      }),
      `WebSocket to ${url}`,
    )
  } catch (e) {
    ws.terminate()
    throw e
  }
  return ws
}

async function wsCaller(url: string): Promise<Caller> {
  const ws = await openWs(url)
  const pending = new Pending()
  const caller: Caller = {
    call(done) {
      if (caller.broken !== undefined) return void setImmediate(done, caller.broken)
      ws.send(body(pending.open(done)))
    },
    close: () => ws.terminate(),
  }
  ws.on('message', (data) => pending.answer(String(data)))
  ws.on('error', () => {})
  ws.on('close', () => {
    caller.broken = 'connection closed'
    pending.failAll(caller.broken)
  })
  return caller
}

async function ipcCaller(path: string): Promise<Caller> {
  const socket = connect(path)
  await connected(socket, `connect to ${path}`)
  const pending = new Pending()
  const splitter = new JsonSplitter()
  const emit = (text: string) => pending.answer(text)
  const caller: Caller = {
    call(done) {
      if (caller.broken !== undefined) return void setImmediate(done, caller.broken)
      socket.write(`${body(pending.open(done))}\n`)
    },
    close: () => socket.destroy(),
  }
  socket.on('data', (chunk: Buffer) => splitter.push(chunk, emit))
  socket.on('error', () => {})
  socket.on('close', () => {
    caller.broken = 'connection closed'
    pending.failAll(caller.broken)
  })
  return caller
}

export function openCaller(transport: Transport, url: string, inflight: number): Promise<Caller> {
  if (transport === 'http') return httpCaller(url, inflight)
  return transport === 'ws' ? wsCaller(url) : ipcCaller(url)
}
