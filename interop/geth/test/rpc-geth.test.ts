/**
 * JSON-RPC interop with go-ethereum's own rpc package, both directions, over HTTP,
 * WebSocket and IPC:
 * - geth's client (`rpcpeer check`) calls our RpcServer: calls, a batch, errors with
 *   data, wrong params, a subscription (the same hand-written contract as against
 *   geth's server in rpc-geth-self.test.ts);
 * - our RpcClient calls geth's rpc.Server (`rpcpeer serve`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  connect,
  HttpRpcServer,
  IpcRpcServer,
  METHOD_NOT_FOUND,
  type RpcClient,
  RpcServer,
  WsRpcServer,
} from '@devp2p/rpc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ECHO_VALUE, expectFooContract } from './helpers/foo-contract.js'
import { Foo, fooSpec } from './helpers/foo-service.js'
import { killAll } from './helpers/go.js'
import { type RpcpeerServer, runRpcpeerCheck, startRpcpeer } from './helpers/rpcpeer.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rpc-geth-'))
})

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

describe("geth's rpc client calls our server", () => {
  const server = new RpcServer()
  server.registerName('foo', new Foo(), fooSpec)
  let http: HttpRpcServer
  let ws: WsRpcServer
  let ipc: IpcRpcServer

  beforeAll(async () => {
    http = new HttpRpcServer(server, { host: '127.0.0.1', port: 0 })
    ws = new WsRpcServer(server, { host: '127.0.0.1', port: 0 })
    ipc = new IpcRpcServer(server, { path: join(dir, 'ours.ipc') })
    await Promise.all([http.start(), ws.start(), ipc.start()])
  })

  afterAll(async () => {
    await Promise.all([http.stop(), ws.stop(), ipc.stop()])
    server.stop()
  })

  for (const transport of ['http', 'ws', 'ipc'] as const) {
    it(`over ${transport}: every check of the contract`, async () => {
      const url = transport === 'http' ? http.url : transport === 'ws' ? ws.url : ipc.path
      const run = await runRpcpeerCheck(url)
      expect(run.code, run.stderr).toBe(0)
      expect(run.report?.transport).toBe(transport)
      expectFooContract(run.report)
    })
  }
})

describe("our client calls geth's rpc server", () => {
  let geth: RpcpeerServer

  beforeAll(async () => {
    geth = await startRpcpeer({
      http: '127.0.0.1:0',
      ws: '127.0.0.1:0',
      ipc: join(dir, 'geth.ipc'),
    })
  })

  afterAll(async () => {
    await geth.stop()
  })

  for (const transport of ['http', 'ws', 'ipc'] as const) {
    describe(`over ${transport}`, () => {
      let client: RpcClient

      beforeAll(async () => {
        const url = geth.endpoints[transport]
        if (url === undefined) throw new Error(`rpcpeer printed no ${transport} endpoint`)
        client = await connect(url)
      })

      afterAll(async () => {
        await client.close()
      })

      it('calls, with the typed client too', async () => {
        const foo = client.api<Foo>('foo')
        expect(await foo.getNumber()).toBe(42)
        expect(await foo.add(2, 3)).toBe(5)
        expect(await foo.echo(ECHO_VALUE)).toEqual(ECHO_VALUE)
        expect(await client.call('rpc_modules')).toMatchObject({ foo: '1.0' })
      })

      it('reads errors: code, message and data', async () => {
        await expect(client.call('foo_fail')).rejects.toMatchObject({
          code: -32042,
          message: 'foo failed',
          data: { reason: 'test' },
        })
        await expect(client.call('foo_nope')).rejects.toMatchObject({ code: METHOD_NOT_FOUND })
        await expect(client.call('foo_add', 'x', 1)).rejects.toMatchObject({ code: -32602 })
      })

      it('sends a batch and gets each answer in its place', async () => {
        const results = await client.batch([
          { method: 'foo_getNumber' },
          { method: 'foo_add', params: [1, 1] },
          { method: 'foo_nope' },
        ])
        expect(results[0]).toEqual({ result: 42 })
        expect(results[1]).toEqual({ result: 2 })
        expect(results[2]?.error).toMatchObject({ code: METHOD_NOT_FOUND })
      })

      if (transport === 'http') {
        it("is refused a subscription by geth's server over HTTP", async () => {
          await expect(client.call('foo_subscribe', 'ticks', 1)).rejects.toMatchObject({
            code: METHOD_NOT_FOUND,
            message: 'notifications not supported',
          })
        })
      } else {
        it('subscribes, reads the notifications in order, and unsubscribes', async () => {
          const sub = await client.api<Foo>('foo').subscribe('ticks', 3)
          const got: number[] = []
          for await (const n of sub) {
            got.push(n)
            if (got.length === 3) break
          }
          expect(got).toEqual([0, 1, 2])
          // geth answers an unsubscribe of an id it no longer has with an error
          await expect(client.call('foo_unsubscribe', sub.id)).rejects.toMatchObject({
            message: 'subscription not found',
          })
        })
      }
    })
  }
})
