/**
 * The rpcpeer against itself: geth's rpc.Client (`rpcpeer check`) calling geth's
 * rpc.Server (`rpcpeer serve`) over HTTP, WebSocket and IPC. This proves the Go side of
 * the JSON-RPC interop before our server or client is put on the other end, and pins
 * the shapes geth gives (its error messages included) by hand-written expectations.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectFooContract } from './helpers/foo-contract.js'
import { killAll } from './helpers/go.js'
import { type RpcpeerServer, runRpcpeerCheck, startRpcpeer } from './helpers/rpcpeer.js'

let dir: string
let server: RpcpeerServer

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rpcpeer-'))
  server = await startRpcpeer({
    http: '127.0.0.1:0',
    ws: '127.0.0.1:0',
    ipc: join(dir, 'geth.ipc'),
  })
})

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

/** geth's own texts, as rpcpeer check reports them from geth's server. */
const GETH_NO_METHOD = 'the method foo_noSuchMethod does not exist/is not available'

describe('rpcpeer check against rpcpeer serve', () => {
  it('printed one endpoint per transport asked for, on loopback', () => {
    expect(server.endpoints.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.endpoints.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(server.endpoints.ipc).toBe(join(dir, 'geth.ipc'))
    expect(server.endpoints.http).not.toMatch(/:0$/)
  })

  for (const transport of ['http', 'ws', 'ipc'] as const) {
    it(`over ${transport}`, async () => {
      const url = server.endpoints[transport]!
      const run = await runRpcpeerCheck(url)
      expect(run.code, run.stderr).toBe(0)
      expect(run.report?.transport).toBe(transport)
      expectFooContract(run.report)
      const r = run.report!
      // geth's exact texts, for our server to match where it chooses to
      expect(r.noMethod).toEqual({ code: -32601, message: GETH_NO_METHOD })
      expect(r.batch).toEqual([
        { result: 42 },
        { result: 2 },
        { error: { code: -32601, message: GETH_NO_METHOD } },
      ])
      expect(r.badParams).toEqual({
        code: -32602,
        message: 'invalid argument 0: json: cannot unmarshal string into Go value of type int',
      })
      if (transport === 'http') {
        expect(r.httpSubscribeCall).toEqual({
          code: -32601,
          message: 'notifications not supported',
        })
      } else {
        expect(r.unsubscribeUnknown).toEqual({ code: -32000, message: 'subscription not found' })
      }
    })
  }

  it('a check against nothing reports the dial error instead of hanging', async () => {
    const run = await runRpcpeerCheck(join(dir, 'nobody-listens.ipc'))
    expect(run.code).toBe(1)
    expect(run.report?.transport).toBe('ipc')
    expect(run.report?.dial?.error).toMatch(/no such file|connect/)
  })

  it("with a JWT secret: geth's JWT client passes geth's JWT handler, no token is refused", async () => {
    const secret = randomBytes(32).toString('hex')
    const authed = await startRpcpeer({ http: '127.0.0.1:0', ws: '127.0.0.1:0', jwtSecret: secret })
    for (const url of [authed.endpoints.http!, authed.endpoints.ws!]) {
      const run = await runRpcpeerCheck(url, ['--jwt-secret', secret])
      expect(run.code, run.stderr).toBe(0)
      expectFooContract(run.report)
    }
    const noTokenHttp = await runRpcpeerCheck(authed.endpoints.http!)
    expect(noTokenHttp.report?.getNumber).toEqual({
      error: 'foo_getNumber failed: 401 Unauthorized: missing token\n',
    })
    const noTokenWs = await runRpcpeerCheck(authed.endpoints.ws!)
    expect(noTokenWs.code).toBe(1)
    expect(noTokenWs.report?.dial?.error).toContain('401')
    expect(await authed.stop()).toBe(0)
  })

  it('serve exits 0 when its stdin ends', async () => {
    expect(await server.stop()).toBe(0)
  })
})
