import { activeHandles, extraHandles, ManualClock, settleEventLoop } from '@devp2p/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import {
  HttpRpcServer,
  MAX_INFLIGHT_PER_CONNECTION,
  RpcClient,
  RpcClientError,
  RpcServer,
  WsRpcServer,
  type WsRpcServerOptions,
  webSocketTransport,
} from '../src/index.js'
import { Foo } from './support/foo-service.js'

/** Generous: these wait for real socket I/O on a loaded machine; a pass is usually immediate. */
const WAIT = { timeout: 10_000 }

let servers: Array<{ stop(): Promise<void> }> = []
let clients: RpcClient[] = []
let sockets: WebSocket[] = []

async function serve(options: WsRpcServerOptions = {}, rpc = fooServer()) {
  const ws = new WsRpcServer(rpc, { host: '127.0.0.1', port: 0, ...options })
  await ws.start()
  servers.push(ws)
  return { ws, rpc }
}

function fooServer(): RpcServer {
  const rpc = new RpcServer()
  rpc.registerName('foo', new Foo())
  return rpc
}

async function connect(url: string, options: Parameters<typeof webSocketTransport>[1] = {}) {
  const client = new RpcClient(await webSocketTransport(url, options))
  clients.push(client)
  return client
}

/** A raw `ws` client, for a peer that misbehaves (stops reading, floods). */
function rawSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url)
  sockets.push(ws)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

afterEach(async () => {
  for (const s of sockets) s.terminate()
  for (const c of clients) await c.close()
  for (const s of servers) await s.stop()
  servers = []
  clients = []
  sockets = []
})

describe('WebSocket server: origins, hosts, JWT', () => {
  it('refuses a browser origin not allowed (geth default: http://localhost and this host), 403', async () => {
    const { ws } = await serve()
    const err = await webSocketTransport(ws.url, { origin: 'http://evil.example' }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RpcClientError)
    expect(err).toMatchObject({ code: 'CONNECT_FAILED' })
    expect((err as Error).message).toContain('403')
    expect(
      await (await connect(ws.url, { origin: 'http://localhost' })).call('foo_getNumber'),
    ).toBe(42)
    expect(await (await connect(ws.url)).call('foo_getNumber')).toBe(42) // no Origin: not a browser
  })

  it('matches origin rules as geth: any part a rule leaves out matches anything', async () => {
    const { ws } = await serve({ origins: ['localhost:8080', 'https://app.example'] })
    await expect(connect(ws.url, { origin: 'http://localhost:8080' })).resolves.toBeDefined()
    await expect(connect(ws.url, { origin: 'https://localhost:8080' })).resolves.toBeDefined()
    await expect(connect(ws.url, { origin: 'http://localhost:9090' })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    })
    await expect(connect(ws.url, { origin: 'https://app.example' })).resolves.toBeDefined()
    await expect(connect(ws.url, { origin: 'http://app.example' })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    })
    const any = await serve({ origins: ['*'] })
    await expect(connect(any.ws.url, { origin: 'http://evil.example' })).resolves.toBeDefined()
  })

  it('checks vhosts when configured', async () => {
    const { ws } = await serve({ vhosts: ['rpc.example'] })
    await expect(connect(ws.url, { headers: { Host: 'evil.example' } })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    })
    await expect(connect(ws.url, { headers: { Host: 'rpc.example' } })).resolves.toBeDefined()
  })

  it('needs a valid JWT at the upgrade when a secret is set; refuses it with 401', async () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i)
    const clock = new ManualClock()
    const { ws } = await serve({ jwtSecret: secret, clock })
    expect(await (await connect(ws.url, { jwtSecret: secret, clock })).call('foo_getNumber')).toBe(
      42,
    )
    const missing = await webSocketTransport(ws.url).catch((e: unknown) => e)
    expect((missing as Error).message).toContain('401')
    const stale = await webSocketTransport(ws.url, {
      jwtSecret: secret,
      clock: new ManualClock(clock.now() - 61_000),
    }).catch((e: unknown) => e)
    expect((stale as Error).message).toContain('401')
    const wrong = await webSocketTransport(ws.url, { jwtSecret: new Uint8Array(32), clock }).catch(
      (e: unknown) => e,
    )
    expect((wrong as Error).message).toContain('401')
  })

  it('applies the HTTP server JWT secret to WebSocket on the same port', async () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => 200 - i)
    const http = new HttpRpcServer(fooServer(), {
      host: '127.0.0.1',
      port: 0,
      ws: true,
      jwtSecret: secret,
    })
    await http.start()
    servers.push(http)
    await expect(webSocketTransport(http.wsUrl)).rejects.toMatchObject({ code: 'CONNECT_FAILED' })
    expect(await (await connect(http.wsUrl, { jwtSecret: secret })).call('foo_getNumber')).toBe(42)
  })

  it('answers plain HTTP with 404 on a WebSocket-only server', async () => {
    const { ws } = await serve()
    const res = await fetch(ws.url.replace('ws:', 'http:'))
    expect(res.status).toBe(404)
  })
})

describe('WebSocket server: limits', () => {
  it('closes a connection that sends a message over maxMessageBytes', async () => {
    const { ws, rpc } = await serve({ maxMessageBytes: 1024 })
    const client = await connect(ws.url)
    expect(await client.call('foo_echo', 'small')).toBe('small')
    const err = await client.call('foo_echo', 'x'.repeat(2000)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcClientError)
    await vi.waitFor(() => expect(rpc.sessionCount).toBe(0), WAIT)
  })

  it('client: an answer over its maxMessageBytes ends the connection with TOO_LARGE', async () => {
    const { ws } = await serve()
    const client = await connect(ws.url, { maxMessageBytes: 256 })
    const err = await client.call('foo_echo', 'y'.repeat(1000)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'TOO_LARGE' })
  })

  it(`runs at most ${MAX_INFLIGHT_PER_CONNECTION} calls of one connection at once, and answers them all`, async () => {
    const rpc = new RpcServer()
    let running = 0
    let most = 0
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    rpc.registerName('gate', {
      async wait() {
        running++
        most = Math.max(most, running)
        await gate
        running--
        return true
      },
    })
    const { ws } = await serve({}, rpc)
    const raw = await rawSocket(ws.url)
    const answers: unknown[] = []
    raw.on('message', (d) => answers.push(JSON.parse(d.toString())))
    const total = MAX_INFLIGHT_PER_CONNECTION * 3
    for (let i = 0; i < total; i++)
      raw.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'gate_wait' }))
    await vi.waitFor(() => expect(running).toBe(MAX_INFLIGHT_PER_CONNECTION), WAIT)
    await settleEventLoop(50)
    expect(running).toBe(MAX_INFLIGHT_PER_CONNECTION)
    release()
    await vi.waitFor(() => expect(answers).toHaveLength(total), WAIT)
    expect(most).toBe(MAX_INFLIGHT_PER_CONNECTION)
  })

  it('disconnects a slow consumer: a client that stops reading while a subscription floods it', async () => {
    const rpc = new RpcServer()
    const value = 'v'.repeat(64 * 1024)
    let produced = 0
    let ended = false
    rpc.registerName('flood', {
      async *values() {
        try {
          for (;;) {
            produced++
            yield value
          }
        } finally {
          ended = true
        }
      },
    })
    const limit = 1024 * 1024
    const { ws } = await serve({ maxOutgoingQueueBytes: limit }, rpc)
    const raw = await rawSocket(ws.url)
    raw.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'flood_subscribe', params: ['values'] }),
    )
    raw.pause() // reads nothing more: the server's queue for it grows
    await vi.waitFor(() => expect(rpc.sessionCount).toBe(0), WAIT)
    expect(ended).toBe(true)
    // bounded: the queue limit plus what the kernel's socket buffers took, not without end
    expect(produced * value.length).toBeLessThan(limit + 16 * 1024 * 1024)
  })
})

describe('WebSocket server: keepalive (geth: ping every 30 s, pong within 30 s)', () => {
  it('drops a peer that does not answer pings, using the injected clock', async () => {
    const clock = new ManualClock()
    const { ws, rpc } = await serve({ clock })
    const raw = await rawSocket(ws.url)
    await vi.waitFor(() => expect(rpc.sessionCount).toBe(1), WAIT)
    raw.pause() // a dead peer: it reads no ping, so it sends no pong
    clock.advance(30_000) // ping
    await settleEventLoop()
    expect(rpc.sessionCount).toBe(1)
    clock.advance(29_000)
    await settleEventLoop()
    expect(rpc.sessionCount).toBe(1)
    clock.advance(1_000) // no pong within 30 s
    await vi.waitFor(() => expect(rpc.sessionCount).toBe(0), WAIT)
  })

  it('keeps a peer that answers pings', async () => {
    const clock = new ManualClock()
    const { ws, rpc } = await serve({ clock })
    const client = await connect(ws.url)
    await vi.waitFor(() => expect(rpc.sessionCount).toBe(1), WAIT)
    for (let round = 0; round < 3; round++) {
      clock.advance(30_000) // a ping, and its pong deadline
      expect(clock.pending).toBe(2)
      await vi.waitFor(() => expect(clock.pending).toBe(1), WAIT) // the pong came: only the next ping is left
    }
    expect(rpc.sessionCount).toBe(1)
    expect(await client.call('foo_getNumber')).toBe(42)
  })
})

describe('WebSocket server lifecycle', () => {
  it('drops a connection (no crash) when the RpcServer was stopped before the transport', async () => {
    const { ws, rpc } = await serve()
    rpc.stop()
    const transport = await webSocketTransport(ws.url)
    const client = new RpcClient(transport)
    clients.push(client)
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('stop() closes every connection (the client sees CLOSED), is idempotent and leaves no handle', async () => {
    const before = activeHandles()
    const rpc = fooServer()
    const ws = new WsRpcServer(rpc, { host: '127.0.0.1', port: 0 })
    await ws.start()
    const client = new RpcClient(await webSocketTransport(ws.url))
    const sub = await client.api<Foo>('foo').subscribe('ticks', 1)
    const it = sub[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 0, done: false })
    const pending = client.call('foo_sleep', 60_000).catch((e: unknown) => e)
    await Promise.all([ws.stop(), ws.stop()])
    await ws.stop()
    expect(await pending).toMatchObject({ code: 'CLOSED' })
    await expect(it.next()).rejects.toMatchObject({ code: 'CLOSED' })
    expect(rpc.sessionCount).toBe(0)
    await client.close()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })
})

describe('WebSocket server: connection cap', () => {
  it('drops a connection past maxConnections before its upgrade, and serves the one it holds', async () => {
    const { ws } = await serve({ maxConnections: 1 })
    const first = await connect(ws.url)
    expect(await first.call('foo_getNumber')).toBe(42)
    await expect(webSocketTransport(ws.url)).rejects.toMatchObject({ code: 'CONNECT_FAILED' })
    expect(ws.connectionCount).toBe(1)
    expect(await first.call('foo_getNumber')).toBe(42)
  })
})
