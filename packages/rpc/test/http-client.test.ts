import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpRpcServer, httpTransport, RpcClient, RpcServer } from '../src/index.js'

let servers: Server[] = []
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
  servers = []
})

/** A server that answers every request with `status` and `body`. */
async function fixed(status: number, body: string): Promise<string> {
  const s = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(body)
    })
  })
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const address = s.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

describe('httpTransport', () => {
  it('fails a call answered with a status other than 200 with HTTP_STATUS, the status and a body excerpt', async () => {
    const url = await fixed(503, `service unavailable ${'z'.repeat(10_000)}`)
    const client = new RpcClient(httpTransport(url))
    const err = await client.call('foo_getNumber').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HTTP_STATUS' })
    const message = (err as Error).message
    expect(message).toContain('503')
    expect(message).toContain('service unavailable')
    expect(message.length).toBeLessThan(400)
    await client.close()
  })

  it('fails an answer over maxResponseBytes with TOO_LARGE', async () => {
    const url = await fixed(
      200,
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(5000) }),
    )
    const client = new RpcClient(httpTransport(url, { maxResponseBytes: 1000 }))
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'TOO_LARGE' })
    await client.close()
  })

  it('fails an answer that is not JSON with BAD_RESPONSE', async () => {
    const url = await fixed(200, '<html>')
    const client = new RpcClient(httpTransport(url))
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
    await client.close()
  })

  it('fails with CONNECT_FAILED when nothing listens', async () => {
    const url = await fixed(200, '')
    const closed = servers.pop() as Server
    await new Promise((r) => closed.close(r))
    const client = new RpcClient(httpTransport(url))
    await expect(client.call('foo_getNumber')).rejects.toMatchObject({ code: 'CONNECT_FAILED' })
    await client.close()
  })

  it('sends notifications (answered 200 with an empty body)', async () => {
    const rpc = new RpcServer()
    let seen: string | undefined
    rpc.registerName('foo', {
      note(s: string) {
        seen = s
      },
    })
    const http = new HttpRpcServer(rpc, { host: '127.0.0.1', port: 0, vhosts: ['rpc.example'] })
    await http.start()
    const client = new RpcClient(httpTransport(http.url, { headers: { Host: 'rpc.example' } }))
    await client.notify('foo_note', 'hi')
    expect(seen).toBe('hi')
    await client.close()
    await http.stop()
  })

  it('refuses non-http URLs', () => {
    expect(() => httpTransport('ws://127.0.0.1:1')).toThrow(TypeError)
  })
})
