import { once } from 'node:events'
import { linkSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { activeHandles, extraHandles, settleEventLoop } from '@devp2p/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  callContext,
  INVALID_REQUEST,
  IpcRpcServer,
  ipcTransport,
  MAX_INFLIGHT_PER_CONNECTION,
  MAX_OUTGOING_QUEUE_BYTES,
  PARSE_ERROR,
  RpcClient,
  RpcClientError,
  RpcServer,
} from '../src/index.js'

let dir: string
let path: string
let server: RpcServer
const started: IpcRpcServer[] = []
const sockets: Socket[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rpc-ipc-'))
  path = join(dir, 'rpc.ipc')
  server = new RpcServer()
  server.registerName('foo', {
    getNumber: () => 42,
    echo: (x: unknown) => x,
    text: (n: number) => 'x'.repeat(n),
  })
})

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const ipc of started.splice(0)) await ipc.stop()
  server.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function serve(options: { maxMessageBytes?: number } = {}): Promise<IpcRpcServer> {
  const ipc = new IpcRpcServer(server, { path, ...options })
  started.push(ipc)
  await ipc.start()
  return ipc
}

/** A plain socket to the server, and its input split at "\n" (geth's framing, read by node:readline). */
async function rawClient(): Promise<{ socket: Socket; lines: AsyncIterator<string> }> {
  const socket = createConnection({ path })
  sockets.push(socket)
  await once(socket, 'connect')
  const lines = createInterface({ input: socket })[Symbol.asyncIterator]()
  return { socket, lines }
}

async function nextJson(lines: AsyncIterator<string>): Promise<unknown> {
  const { value, done } = await lines.next()
  if (done) throw new Error('connection closed before an answer')
  return JSON.parse(value)
}

describe('IpcRpcServer: the stream', () => {
  it('answers values written back to back without delimiters, a byte at a time', async () => {
    await serve()
    const { socket, lines } = await rawClient()
    const text =
      '{"jsonrpc":"2.0","id":1,"method":"foo_getNumber"}' +
      '[{"jsonrpc":"2.0","id":"b","method":"foo_echo","params":["}{\\"ü"]}]'
    for (const byte of Buffer.from(text)) socket.write(Uint8Array.of(byte))
    expect(await nextJson(lines)).toEqual({ jsonrpc: '2.0', id: 1, result: 42 })
    expect(await nextJson(lines)).toEqual([{ jsonrpc: '2.0', id: 'b', result: '}{"ü' }])
  })

  it('answers a top-level scalar with -32600 and keeps the connection, as geth', async () => {
    await serve()
    const { socket, lines } = await rawClient()
    // `42-1` is two numbers to geth's decoder
    socket.write('42-1 "x"\n{"jsonrpc":"2.0","id":7,"method":"foo_getNumber"}')
    const invalid = {
      jsonrpc: '2.0',
      id: null,
      error: { code: INVALID_REQUEST, message: 'invalid request' },
    }
    for (let i = 0; i < 3; i++) expect(await nextJson(lines)).toEqual(invalid)
    expect(await nextJson(lines)).toEqual({ jsonrpc: '2.0', id: 7, result: 42 })
  })

  it('answers a byte that cannot start a value with -32700 and closes, as geth', async () => {
    const ipc = await serve()
    const { socket, lines } = await rawClient()
    const closed = once(socket, 'close')
    socket.write(
      '{"jsonrpc":"2.0","id":1,"method":"foo_getNumber"}\n#{"jsonrpc":"2.0","id":2,"method":"foo_getNumber"}',
    )
    // geth lets the calls already read answer before it closes; the order of the two answers is free
    const answers = [await nextJson(lines), await nextJson(lines)]
    expect(answers).toContainEqual({ jsonrpc: '2.0', id: 1, result: 42 })
    expect(answers).toContainEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: PARSE_ERROR, message: "invalid character '#' looking for beginning of value" },
    })
    await closed
    expect((await lines.next()).done).toBe(true)
    await settleEventLoop()
    expect(ipc.connectionCount).toBe(0)
    expect(server.sessionCount).toBe(0)
  })

  it('answers a malformed value with -32700 and closes', async () => {
    await serve()
    const { socket, lines } = await rawClient()
    const closed = once(socket, 'close')
    socket.write('{"jsonrpc" "2.0"}')
    expect(await nextJson(lines)).toMatchObject({ id: null, error: { code: PARSE_ERROR } })
    await closed
  })

  it('closes a connection whose value passes the size limit', async () => {
    const ipc = await serve({ maxMessageBytes: 1024 })
    const { socket, lines } = await rawClient()
    const closed = once(socket, 'close')
    socket.write(`{"jsonrpc":"2.0","id":1,"method":"foo_echo","params":["${'x'.repeat(900)}"]}`)
    expect(await nextJson(lines)).toMatchObject({ id: 1 })
    // never finished: the server must not wait for the end of it
    socket.write(`{"jsonrpc":"2.0","id":2,"method":"foo_echo","params":["${'x'.repeat(2000)}`)
    expect(await nextJson(lines)).toMatchObject({ id: null, error: { code: INVALID_REQUEST } })
    await closed
    await settleEventLoop()
    expect(ipc.connectionCount).toBe(0)
  })
})

describe('IpcRpcServer: a client that half-closes', () => {
  it('still gets the answers of its last calls, then the connection closes, as geth', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let running!: () => void
    const started = new Promise<void>((resolve) => {
      running = resolve
    })
    server.registerName('slow', {
      async value(): Promise<number> {
        running()
        await gate
        return 7
      },
    })
    await serve()
    const { socket, lines } = await rawClient()
    const closed = once(socket, 'close')
    // the last value is a bare number, complete only at the end of the stream
    socket.end('{"jsonrpc":"2.0","id":1,"method":"slow_value"} 12')
    await started
    // let the server see the end of the stream while the call still runs
    await settleEventLoop(20)
    release()
    const answers = [await nextJson(lines), await nextJson(lines)]
    expect(answers).toContainEqual({ jsonrpc: '2.0', id: 1, result: 7 })
    expect(answers).toContainEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: INVALID_REQUEST, message: 'invalid request' },
    })
    await closed
    expect(server.sessionCount).toBe(0)
  })
})

describe('IpcRpcServer: backpressure', () => {
  it(`runs at most ${MAX_INFLIGHT_PER_CONNECTION} calls of one connection at once`, async () => {
    let running = 0
    let most = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let full!: () => void
    const reachedLimit = new Promise<void>((resolve) => {
      full = resolve
    })
    server.registerName('gate', {
      async wait(): Promise<number> {
        running++
        most = Math.max(most, running)
        if (running === MAX_INFLIGHT_PER_CONNECTION) full()
        await gate
        running--
        return 1
      },
    })
    await serve()
    const { socket, lines } = await rawClient()
    const calls = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ jsonrpc: '2.0', id: i, method: 'gate_wait' }),
    )
    socket.write(calls.join(''))
    await reachedLimit
    // give a server without the limit every chance to start the other calls
    await settleEventLoop(20)
    expect(running).toBe(MAX_INFLIGHT_PER_CONNECTION)
    release()
    const ids = new Set<unknown>()
    for (let i = 0; i < 200; i++) ids.add(((await nextJson(lines)) as { id: unknown }).id)
    expect(ids.size).toBe(200)
    expect(most).toBe(MAX_INFLIGHT_PER_CONNECTION)
  })

  it('disconnects a client that does not read a fast subscription, its queue bounded', async () => {
    const payload = 'x'.repeat(1000)
    let yielded = 0
    let stopped!: () => void
    const cancelled = new Promise<void>((resolve) => {
      stopped = resolve
    })
    server.registerName('flood', {
      async *values(): AsyncGenerator<string> {
        callContext().signal.addEventListener('abort', () => stopped(), { once: true })
        for (;;) {
          yielded++
          yield payload
        }
      },
    })
    const ipc = await serve()
    const { socket, lines } = await rawClient()
    socket.write('{"jsonrpc":"2.0","id":1,"method":"flood_subscribe","params":["values"]}')
    expect(await nextJson(lines)).toMatchObject({ id: 1, result: expect.any(String) })
    socket.pause() // and never read again
    await cancelled
    await settleEventLoop()
    expect(ipc.connectionCount).toBe(0)
    expect(server.sessionCount).toBe(0)
    // what was queued: the outgoing limit, plus what the kernel's socket buffers took
    const notification = JSON.stringify({
      jsonrpc: '2.0',
      method: 'flood_subscription',
      params: { subscription: `0x${'0'.repeat(32)}`, result: payload },
    })
    const bytes = yielded * (notification.length + 1)
    expect(bytes).toBeGreaterThan(MAX_OUTGOING_QUEUE_BYTES)
    expect(bytes).toBeLessThan(MAX_OUTGOING_QUEUE_BYTES + 16 * 1024 * 1024)
  })
})

describe('IpcRpcServer: the socket file and the lifecycle', () => {
  it('makes the socket mode 0600, and removes it at stop; stop is idempotent and leaves no handle', async () => {
    const before = activeHandles()
    const ipc = new IpcRpcServer(server, { path })
    await ipc.start()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const client = new RpcClient(await ipcTransport(path))
    expect(await client.call('foo_getNumber')).toBe(42)
    const raw = createConnection({ path })
    await once(raw, 'connect')
    const rawClosed = once(raw, 'close')
    raw.resume()
    await Promise.all([ipc.stop(), ipc.stop()])
    await rawClosed
    expect(server.sessionCount).toBe(0)
    await ipc.stop()
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'CLOSED' })
    expect(() => statSync(path)).toThrow(/ENOENT/)
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
    await expect(ipc.start()).rejects.toThrow(/started once/)
  })

  it('removes a stale socket file nobody answers on', async () => {
    // a socket file left behind by a process that died: a hard link to a listener's
    // socket outlives the listener (closing it unlinks only its own name)
    const other = join(dir, 'other.ipc')
    const dead = createServer()
    await new Promise<void>((resolve) => dead.listen({ path: other }, resolve))
    linkSync(other, path)
    await new Promise<void>((resolve) => dead.close(() => resolve()))
    expect(statSync(path).isSocket()).toBe(true)
    await serve()
    const client = new RpcClient(await ipcTransport(path))
    expect(await client.call('foo_getNumber')).toBe(42)
    await client.close()
  })

  it('refuses connections beyond maxConnections', async () => {
    const ipc = new IpcRpcServer(server, { path, maxConnections: 1 })
    started.push(ipc)
    await ipc.start()
    const first = new RpcClient(await ipcTransport(path))
    expect(await first.call('foo_getNumber')).toBe(42)
    const second = new RpcClient(await ipcTransport(path))
    await expect(second.call('foo_getNumber')).rejects.toMatchObject({ code: 'CLOSED' })
    expect(ipc.connectionCount).toBe(1)
    expect(await first.call('foo_getNumber')).toBe(42)
    await first.close()
  })

  it('refuses to start on a live socket, and on a path that is not a socket', async () => {
    await serve()
    const second = new IpcRpcServer(new RpcServer(), { path })
    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await second.stop()
    const client = new RpcClient(await ipcTransport(path))
    expect(await client.call('foo_getNumber')).toBe(42)
    await client.close()
    const file = join(dir, 'not-a-socket')
    writeFileSync(file, 'keep me')
    const third = new IpcRpcServer(new RpcServer(), { path: file })
    await expect(third.start()).rejects.toMatchObject({ code: 'EEXIST' })
    expect(statSync(file).isFile()).toBe(true)
  })
})

describe('ipcTransport', () => {
  it('fails to dial a missing socket with CONNECT_FAILED, and an aborted dial with ABORTED', async () => {
    await expect(ipcTransport(join(dir, 'none.ipc'))).rejects.toMatchObject({
      name: 'RpcClientError',
      code: 'CONNECT_FAILED',
    })
    await serve()
    await expect(ipcTransport(path, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    })
  })

  it('fails the call with TOO_LARGE and closes when an answer passes its limit', async () => {
    await serve()
    const client = new RpcClient(await ipcTransport(path, { maxMessageBytes: 200 }))
    expect(await client.call('foo_text', 10)).toBe('x'.repeat(10))
    const err = await client.call('foo_text', 500).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcClientError)
    expect(err).toMatchObject({ code: 'TOO_LARGE' })
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('refuses to send a message over its limit', async () => {
    await serve()
    const client = new RpcClient(await ipcTransport(path, { maxMessageBytes: 100 }))
    await expect(client.call('foo_echo', 'w'.repeat(200))).rejects.toMatchObject({
      code: 'TOO_LARGE',
    })
    expect(await client.call('foo_getNumber')).toBe(42)
    await client.close()
  })

  it('fails calls with BAD_RESPONSE and closes when the server sends what is not JSON', async () => {
    const fake = createServer((socket) => {
      socket.once('data', () => socket.write('{"jsonrpc":"2.0","id":1,"result":1}\n#'))
    })
    await new Promise<void>((resolve) => fake.listen({ path }, resolve))
    try {
      const client = new RpcClient(await ipcTransport(path))
      const [first, second] = await Promise.allSettled([client.call('x'), client.call('y')])
      expect(first).toEqual({ status: 'fulfilled', value: 1 })
      expect(second).toMatchObject({ status: 'rejected', reason: { code: 'BAD_RESPONSE' } })
      await expect(client.call('z')).rejects.toMatchObject({ code: 'CLOSED' })
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()))
    }
  })

  it('reads answers the server writes without delimiters, and ends calls with CLOSED when it goes', async () => {
    // a server of our own that answers two calls in one write, with no "\n", then hangs up
    const fake = createServer((socket) => {
      socket.once('data', () => {
        socket.end('{"jsonrpc":"2.0","id":1,"result":"a"}{"jsonrpc":"2.0","id":2,"result":"b"}')
      })
    })
    await new Promise<void>((resolve) => fake.listen({ path }, resolve))
    try {
      const client = new RpcClient(await ipcTransport(path))
      const [a, b] = await Promise.all([client.call('x'), client.call('y')])
      expect([a, b]).toEqual(['a', 'b'])
      await expect(client.call('z')).rejects.toMatchObject({ code: 'CLOSED' })
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()))
    }
  })
})
