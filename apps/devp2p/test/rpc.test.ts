import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpRpcServer, IpcRpcServer, RpcError, RpcServer, WsRpcServer } from '@devp2p/rpc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../src/cli.js'
import { parseParam } from '../src/commands/rpc.js'
import { cli } from './run-cli.js'

const server = new RpcServer()
server.registerName('foo', {
  getNumber: () => 42,
  add: (a: number, b: number) => a + b,
  echo: (x: unknown) => x,
  fail: () => {
    throw new RpcError(-32042, 'foo failed', { data: { reason: 'test' } })
  },
  async *ticks(count: number) {
    for (let i = 0; i < count; i++) yield { tick: i }
  },
})
let dir: string
let http: HttpRpcServer
let ipc: IpcRpcServer
let ws: WsRpcServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-rpc-'))
  http = new HttpRpcServer(server, { host: '127.0.0.1', port: 0 })
  ipc = new IpcRpcServer(server, { path: join(dir, 'node.ipc') })
  ws = new WsRpcServer(server, { host: '127.0.0.1', port: 0 })
  await Promise.all([http.start(), ipc.start(), ws.start()])
})

afterAll(async () => {
  await Promise.all([http.stop(), ipc.stop(), ws.stop()])
  server.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('devp2p rpc', () => {
  it('calls a method over HTTP and over IPC and prints the result as JSON', async () => {
    expect(await cli('rpc', http.url, 'foo_getNumber')).toEqual({ code: 0, out: '42\n', err: '' })
    expect(await cli('rpc', ipc.path, 'foo_add', '40', '2')).toEqual({
      code: 0,
      out: '42\n',
      err: '',
    })
    expect((await cli('rpc', '--compact', http.url, 'foo_echo', '{"a":[1,"x"]}')).out).toBe(
      '{"a":[1,"x"]}\n',
    )
    expect((await cli('rpc', http.url, 'foo_echo', '{"a":1}')).out).toBe('{\n  "a": 1\n}\n')
  })

  it('fails with exit 1 and the error code, message and data', async () => {
    expect(await cli('rpc', http.url, 'foo_fail')).toEqual({
      code: 1,
      out: '',
      err: 'devp2p: foo_fail: foo failed (code -32042) {"reason":"test"}\n',
    })
    const missing = await cli('rpc', http.url, 'foo_nope')
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('(code -32601)')
  })

  it('fails with exit 1 when nothing listens on the endpoint', async () => {
    const res = await cli('rpc', join(dir, 'nothing.ipc'), 'foo_getNumber')
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/^devp2p: /)
  })

  for (const transport of ['WebSocket', 'IPC'] as const) {
    it(`streams a subscription over ${transport}, one JSON line per notification, until Ctrl-C (exit 0)`, async () => {
      const endpoint = transport === 'IPC' ? ipc.path : ws.url
      let out = ''
      let err = ''
      const code = await run(['rpc', endpoint, 'foo_subscribe', 'ticks', '3'], {
        out: (t) => {
          out += t
          if (out.split('\n').length > 3) process.emit('SIGINT')
        },
        err: (t) => {
          err += t
        },
      })
      expect(code).toBe(0)
      expect(out).toBe('{"tick":0}\n{"tick":1}\n{"tick":2}\n')
      expect(err).toMatch(/^subscribed to foo ticks \(id 0x[0-9a-f]+\); Ctrl-C to stop\n$/)
    })
  }

  it('refuses a subscription over HTTP with exit 1, and one without a name', async () => {
    const overHttp = await cli('rpc', http.url, 'foo_subscribe', 'ticks', '1')
    expect(overHttp.code).toBe(1)
    expect(overHttp.err).toMatch(/^devp2p: .*subscriptions need a two-way transport/)
    const nameless = await cli('rpc', ws.url, 'foo_subscribe', '3')
    expect(nameless).toEqual({
      code: 1,
      out: '',
      err: "devp2p: foo_subscribe: the subscription's name comes first\n",
    })
  })

  it('reads params as JSON when they parse, as text otherwise', () => {
    expect([
      parseParam('42'),
      parseParam('"0x1"'),
      parseParam('true'),
      parseParam('enode://ab@1.2.3.4:5'),
    ]).toEqual([42, '0x1', true, 'enode://ab@1.2.3.4:5'])
  })
})
