import { request } from 'node:http'
import { connect } from 'node:net'
import { activeHandles, extraHandles, ManualClock, settleEventLoop } from '@devp2p/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  HttpRpcServer,
  type HttpRpcServerOptions,
  httpTransport,
  MAX_INFLIGHT_PER_CONNECTION,
  RpcClient,
  RpcClientError,
  RpcServer,
} from '../src/index.js'
import { Foo } from './support/foo-service.js'
import { postJson, rawRequest } from './support/raw-http.js'

/** Generous: these wait for real socket I/O on a loaded machine; a pass is usually immediate. */
const WAIT = { timeout: 10_000 }

const CALL = '{"jsonrpc":"2.0","id":1,"method":"foo_getNumber","params":[]}'

let servers: HttpRpcServer[] = []
let clients: RpcClient[] = []

async function serve(options: HttpRpcServerOptions = {}): Promise<HttpRpcServer> {
  const rpc = new RpcServer()
  rpc.registerName('foo', new Foo())
  const http = new HttpRpcServer(rpc, { host: '127.0.0.1', port: 0, ...options })
  await http.start()
  servers.push(http)
  return http
}

afterEach(async () => {
  for (const c of clients) await c.close()
  for (const s of servers) await s.stop()
  servers = []
  clients = []
})

describe('HTTP server: what geth answers at the edges', () => {
  it('answers a call 200 with application/json', async () => {
    const http = await serve()
    const res = await postJson(http.url, CALL)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 1, result: 42 })
  })

  it('answers a notification, an empty body and an OPTIONS 200 with an empty body, and non-JSON with a -32700 answer', async () => {
    const http = await serve()
    const res = await postJson(http.url, '{"jsonrpc":"2.0","method":"foo_getNumber"}')
    expect(res.status).toBe(200)
    expect(res.body).toBe('')
    const empty = await postJson(http.url, '')
    expect(empty).toMatchObject({ status: 200, body: '' })
    const options = await rawRequest(http.url, {
      method: 'OPTIONS',
      headers: { Host: 'localhost' },
    })
    expect(options).toMatchObject({ status: 200, body: '' })
    const bad = await postJson(http.url, '{not json')
    expect(bad.status).toBe(200)
    expect(JSON.parse(bad.body)).toMatchObject({ id: null, error: { code: -32700 } })
  })

  it('answers an empty GET 200 (health checks), PUT and DELETE 405, other paths 404', async () => {
    const http = await serve()
    const get = await rawRequest(http.url, { method: 'GET', headers: { Host: 'localhost' } })
    expect(get).toMatchObject({ status: 200, body: '' })
    for (const method of ['PUT', 'DELETE']) {
      const res = await rawRequest(http.url, {
        method,
        headers: { Host: 'localhost', 'Content-Type': 'application/json' },
        body: CALL,
      })
      expect(res).toMatchObject({ status: 405, body: 'method not allowed\n' })
    }
    const notFound = await rawRequest(http.url, {
      path: '/other',
      headers: { Host: 'localhost', 'Content-Type': 'application/json' },
      body: CALL,
    })
    expect(notFound.status).toBe(404)
  })

  it('requires a JSON media type (415), parameters allowed', async () => {
    const http = await serve()
    const res = await postJson(http.url, CALL, { 'Content-Type': 'text/plain' })
    expect(res.status).toBe(415)
    expect(res.body).toBe('invalid content type, only application/json is supported\n')
    const none = await rawRequest(http.url, { headers: { Host: 'localhost' }, body: CALL })
    expect(none.status).toBe(415)
    for (const type of [
      'application/json; charset=utf-8',
      'application/json-rpc',
      'application/jsonrequest',
    ]) {
      const ok = await postJson(http.url, CALL, { 'Content-Type': type })
      expect(ok.status).toBe(200)
    }
  })

  it('refuses a Host not in the vhosts with 403; IP literals and listed names pass', async () => {
    const http = await serve()
    const evil = await postJson(http.url, CALL, { Host: 'evil.example:8545' })
    expect(evil).toMatchObject({ status: 403, body: 'invalid host specified\n' })
    expect((await postJson(http.url, CALL, { Host: 'LOCALHOST:8545' })).status).toBe(200)
    expect((await postJson(http.url, CALL, { Host: '127.0.0.1:8545' })).status).toBe(200)
    expect((await postJson(http.url, CALL, { Host: '[::1]:8545' })).status).toBe(200)
    const named = await serve({ vhosts: ['rpc.example'] })
    expect((await postJson(named.url, CALL, { Host: 'rpc.example' })).status).toBe(200)
    expect((await postJson(named.url, CALL, { Host: 'localhost' })).status).toBe(403)
    const any = await serve({ vhosts: ['*'] })
    expect((await postJson(any.url, CALL, { Host: 'evil.example' })).status).toBe(200)
  })

  it('sends CORS headers only to allowed origins, and answers preflights', async () => {
    const http = await serve({ cors: ['https://good.example', 'https://*.wild.example'] })
    const good = await postJson(http.url, CALL, { Origin: 'https://good.example' })
    expect(good.status).toBe(200)
    expect(good.headers['access-control-allow-origin']).toBe('https://good.example')
    expect(good.headers.vary).toBe('Origin')
    const wild = await postJson(http.url, CALL, { Origin: 'https://a.wild.example' })
    expect(wild.headers['access-control-allow-origin']).toBe('https://a.wild.example')
    const denied = await postJson(http.url, CALL, { Origin: 'https://evil.example' })
    expect(denied.status).toBe(200) // the browser withholds it, as with geth
    expect(denied.headers['access-control-allow-origin']).toBeUndefined()

    const preflight = (origin: string) =>
      rawRequest(http.url, {
        method: 'OPTIONS',
        headers: {
          Host: 'localhost',
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      })
    const ok = await preflight('https://good.example')
    expect(ok.status).toBe(200)
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'https://good.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    })
    const no = await preflight('https://evil.example')
    expect(no.status).toBe(200)
    expect(no.headers['access-control-allow-origin']).toBeUndefined()

    const star = await serve({ cors: ['*'] })
    const any = await postJson(star.url, CALL, { Origin: 'https://whoever.example' })
    expect(any.headers['access-control-allow-origin']).toBe('*')
    const none = await serve()
    const plain = await postJson(none.url, CALL, { Origin: 'https://good.example' })
    expect(plain.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('refuses a declared Content-Length over the limit with 413 without reading the body', async () => {
    const http = await serve({ maxBodyBytes: 1024 })
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: http.port,
          method: 'POST',
          agent: false,
          headers: {
            Host: 'localhost',
            'Content-Type': 'application/json',
            'Content-Length': '100000000',
          },
        },
        (r) => {
          let body = ''
          r.on('data', (c: Buffer) => (body += c.toString()))
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }))
        },
      )
      req.on('error', reject)
      req.write('{"jsonrpc":') // 100 MB promised, a few bytes sent: the answer must not wait for the rest
    })
    expect(res).toEqual({ status: 413, body: 'content length too large (100000000>1024)\n' })
  })

  it('refuses a chunked body with 413 as soon as it passes the limit, before it ends', async () => {
    const http = await serve({ maxBodyBytes: 64 * 1024 })
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: http.port,
          method: 'POST',
          agent: false,
          headers: {
            Host: 'localhost',
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked',
          },
        },
        (r) => {
          r.resume()
          resolve(r.statusCode ?? 0)
        },
      )
      req.on('error', () => {}) // the server closes the connection once it has answered
      req.write(`"${'x'.repeat(64 * 1024)}`) // one byte over, and the request never ends
      void reject
    })
    expect(res).toBe(413)
  })

  it('passes a body exactly at the limit', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"foo_echo","params":["${'x'.repeat(900)}"]}`
    const http = await serve({ maxBodyBytes: body.length })
    const res = await postJson(http.url, body)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).result).toHaveLength(900)
  })

  it('refuses subscriptions with -32601 notifications not supported', async () => {
    const http = await serve()
    const res = await postJson(
      http.url,
      '{"jsonrpc":"2.0","id":7,"method":"foo_subscribe","params":["ticks",1]}',
    )
    expect(JSON.parse(res.body)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32601, message: 'notifications not supported' },
    })
  })
})

describe('HTTP server: malformed HTTP', () => {
  it('answers a request that is not HTTP with 400 and goes on serving', async () => {
    const http = await serve()
    const socket = connect(http.port, '127.0.0.1')
    let received = ''
    socket.on('data', (d: Buffer) => (received += d.toString()))
    socket.write('NOT HTTP AT ALL\r\n\r\n')
    await new Promise((r) => socket.once('close', r))
    expect(received).toMatch(/^HTTP\/1\.1 400/)
    expect((await postJson(http.url, CALL)).status).toBe(200)
  })
})

describe('HTTP server: hostile bodies', () => {
  it('answers any body 200 with a JSON-RPC answer or nothing, never a crash', async () => {
    const http = await serve()
    const json = fc.oneof(
      fc.json(),
      fc
        .record({
          jsonrpc: fc.constant('2.0'),
          id: fc.jsonValue(),
          method: fc.string(),
          params: fc.jsonValue(),
        })
        .map((v) => JSON.stringify(v)),
    )
    const bodies = fc.oneof(
      fc.string({ unit: 'binary' }),
      json,
      json.map((t) => t.slice(0, Math.max(0, t.length - 1))),
    )
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await postJson(http.url, body)
        expect(res.status).toBe(200)
        if (res.body === '') return
        const answer = JSON.parse(res.body)
        for (const a of Array.isArray(answer) ? answer : [answer]) expect(a.jsonrpc).toBe('2.0')
      }),
      { numRuns: 150 },
    )
  })
})

describe('HTTP server: pipelining', () => {
  it(`answers at most ${MAX_INFLIGHT_PER_CONNECTION} pipelined requests of one connection at once, and all of them in order`, async () => {
    const rpc = new RpcServer()
    let running = 0
    let most = 0
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    rpc.registerName('gate', {
      async wait(i: number) {
        running++
        most = Math.max(most, running)
        await gate
        running--
        return i
      },
    })
    const http = new HttpRpcServer(rpc, { host: '127.0.0.1', port: 0 })
    await http.start()
    servers.push(http)
    const socket = connect(http.port, '127.0.0.1')
    let received = ''
    socket.on('data', (d: Buffer) => (received += d.toString()))
    const total = MAX_INFLIGHT_PER_CONNECTION * 3
    for (let i = 0; i < total; i++) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'gate_wait', params: [i] })
      socket.write(
        `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      )
    }
    await vi.waitFor(() => expect(running).toBe(MAX_INFLIGHT_PER_CONNECTION), WAIT)
    await settleEventLoop(50)
    expect(running).toBe(MAX_INFLIGHT_PER_CONNECTION)
    release()
    await vi.waitFor(() => expect(received.split('HTTP/1.1 200').length - 1).toBe(total), WAIT)
    expect(most).toBe(MAX_INFLIGHT_PER_CONNECTION)
    const ids = [...received.matchAll(/"id":(\d+)/g)].map((m) => Number(m[1]))
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i))
    socket.destroy()
  })
})

describe('HTTP server: JWT (geth authenticated endpoint)', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i)
  const now = 1_800_000_000_000

  it('serves a client that signs with the secret, a fresh token per request', async () => {
    const clock = new ManualClock(now) // one clock for both sides
    const http = await serve({ jwtSecret: secret, clock })
    const client = new RpcClient(httpTransport(http.url, { jwtSecret: secret, clock }))
    clients.push(client)
    expect(await client.call('foo_getNumber')).toBe(42)
    clock.advance(120_000) // a token made once would now be stale
    expect(await client.call('foo_getNumber')).toBe(42)
  })

  it('refuses missing, stale, future and wrongly signed tokens with 401', async () => {
    const http = await serve({ jwtSecret: secret, clock: new ManualClock(now) })
    const missing = await postJson(http.url, CALL)
    expect(missing).toMatchObject({ status: 401, body: 'missing token\n' })
    const cases: Array<[ManualClock, Uint8Array, string]> = [
      [new ManualClock(now - 61_000), secret, 'stale token'],
      [new ManualClock(now + 61_000), secret, 'future token'],
      [new ManualClock(now), new Uint8Array(32), 'signature is invalid'],
    ]
    for (const [clock, key, reason] of cases) {
      const client = new RpcClient(httpTransport(http.url, { jwtSecret: key, clock }))
      clients.push(client)
      const err = await client.call('foo_getNumber').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RpcClientError)
      expect(err).toMatchObject({ code: 'HTTP_STATUS' })
      expect((err as Error).message).toContain('401')
      expect((err as Error).message).toContain(reason)
    }
  })
})

describe('HTTP server lifecycle', () => {
  it('stop() closes keep-alive connections, is idempotent and leaves no handle', async () => {
    const before = activeHandles()
    const rpc = new RpcServer()
    rpc.registerName('foo', new Foo())
    const http = new HttpRpcServer(rpc, { host: '127.0.0.1', port: 0 })
    await http.start()
    const client = new RpcClient(httpTransport(http.url))
    expect(await client.call('foo_getNumber')).toBe(42)
    await Promise.all([http.stop(), http.stop()])
    await http.stop()
    await client.close()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('aborts a call whose server stops, and refuses a second start', async () => {
    const http = await serve()
    await expect(http.start()).rejects.toThrow(/already started/)
    const client = new RpcClient(httpTransport(http.url))
    clients.push(client)
    const pending = client.call('foo_sleep', 60_000).catch((e: unknown) => e)
    await settleEventLoop(20)
    await http.stop()
    expect(await pending).toBeInstanceOf(RpcClientError)
  })
})

describe('HTTP server: connection cap', () => {
  it('drops a connection past maxConnections at once, and serves the ones it holds', async () => {
    const http = await serve({ maxConnections: 1 })
    const { port } = new URL(http.url)
    const first = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => first.once('connect', () => resolve()))
    const second = connect(Number(port), '127.0.0.1')
    second.on('error', () => {})
    // the server closes the second socket without a byte
    const secondData: Buffer[] = []
    second.on('data', (d: Buffer) => secondData.push(d))
    await new Promise<void>((resolve) => second.once('close', () => resolve()))
    expect(Buffer.concat(secondData).length).toBe(0)
    // the first one is still served
    const answer = new Promise<string>((resolve) => {
      let text = ''
      first.on('data', (d: Buffer) => {
        text += d.toString()
        if (text.includes('"result"')) resolve(text)
      })
    })
    first.write(
      `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${CALL.length}\r\n\r\n${CALL}`,
    )
    expect(await answer).toContain('{"jsonrpc":"2.0","id":1,"result":42}')
    first.destroy()
  })
})
