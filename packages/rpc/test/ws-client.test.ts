import { createServer } from 'node:net'
import { settleEventLoop } from '@devp2p/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocketServer, type WebSocket as WsSocket } from 'ws'
import {
  MAX_OUTGOING_QUEUE_BYTES,
  RpcClient,
  RpcClientError,
  webSocketTransport,
} from '../src/index.js'

/** Generous: these wait for real socket I/O on a loaded machine; a pass is usually immediate. */
const WAIT = { timeout: 10_000 }

let wss: WebSocketServer | undefined
afterEach(async () => {
  if (wss !== undefined) {
    for (const c of wss.clients) c.terminate()
    await new Promise((r) => wss?.close(r))
  }
  wss = undefined
})

/** A bare `ws` server (not ours), to play a server that misbehaves. */
async function bareServer(onConnection: (ws: WsSocket) => void): Promise<string> {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', onConnection)
  await new Promise<void>((r) => wss?.once('listening', r))
  const address = wss.address()
  return `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

describe('webSocketTransport', () => {
  it('fails with CONNECT_FAILED when nothing listens', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    await new Promise((r) => server.close(r))
    await expect(webSocketTransport(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    })
  })

  it('aborts dialing when its signal aborts', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      webSocketTransport('ws://127.0.0.1:1', { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' })
  })

  it('fails pending calls with CLOSED when the server closes the connection', async () => {
    const url = await bareServer((ws) => ws.on('message', () => ws.close(1001, 'going away')))
    const client = new RpcClient(await webSocketTransport(url))
    const err = await client.call('foo_getNumber').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcClientError)
    expect(err).toMatchObject({ code: 'CLOSED' })
    expect((err as Error).message).toContain('1001')
    await client.close()
  })

  it('holds writes while more than the outgoing limit is queued for a server that does not read', async () => {
    let server: WsSocket | undefined
    const url = await bareServer((ws) => {
      server = ws
      ws.pause()
    })
    const client = new RpcClient(await webSocketTransport(url))
    await vi.waitFor(() => expect(server).toBeDefined(), WAIT)
    const big = 'n'.repeat(1024 * 1024)
    const count = Math.ceil((MAX_OUTGOING_QUEUE_BYTES * 3) / big.length)
    let written = 0
    const writes = Array.from({ length: count }, () =>
      client.notify('foo_note', big).then(() => void written++),
    )
    await settleEventLoop(50)
    expect(written).toBeGreaterThan(0)
    expect(written).toBeLessThan(count) // the rest wait: memory stays near the limit
    server?.resume()
    await Promise.all(writes)
    expect(written).toBe(count)
    await client.close()
  })

  it('refuses non-ws URLs', () => {
    expect(() => webSocketTransport('http://127.0.0.1:1')).toThrow(TypeError)
  })
})
