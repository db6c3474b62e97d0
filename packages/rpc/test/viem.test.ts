/**
 * A stock Ethereum TypeScript client calls our server: viem's `http` and `webSocket`
 * transports, both with custom requests (`foo_*`) and with viem's own actions against an
 * `eth` namespace we register (`getBlockNumber`, `getChainId`), and viem's raw
 * `eth_subscribe` over WebSocket.
 */
import { createPublicClient, http, webSocket } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpRpcServer, RpcServer, WsRpcServer } from '../src/index.js'
import { Foo, fooSpec } from './support/foo-service.js'

/** Just enough of `eth` for viem's actions: answers in geth's hex quantities. */
class Eth {
  blockNumber(): bigint {
    return 0x1234n
  }
  chainId(): bigint {
    return 1337n
  }
  async *newHeads(): AsyncGenerator<{ number: string; hash: string }> {
    for (let n = 1; n <= 3; n++)
      yield { number: `0x${n.toString(16)}`, hash: `0x${n.toString(16).padStart(64, '0')}` }
  }
}

const server = new RpcServer()
server.registerName('foo', new Foo(), fooSpec)
server.registerName('eth', new Eth())
const httpServer = new HttpRpcServer(server, { host: '127.0.0.1', port: 0 })
const wsServer = new WsRpcServer(server, { host: '127.0.0.1', port: 0 })

beforeAll(async () => {
  await Promise.all([httpServer.start(), wsServer.start()])
})

afterAll(async () => {
  await Promise.all([httpServer.stop(), wsServer.stop()])
  server.stop()
})

describe("viem's http transport", () => {
  it("runs viem's own actions and custom requests against our server", async () => {
    const client = createPublicClient({ transport: http(httpServer.url, { retryCount: 0 }) })
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(0x1234n)
    expect(await client.getChainId()).toBe(1337)
    expect(await client.request({ method: 'foo_getNumber' as never, params: [] as never })).toBe(42)
    expect(await client.request({ method: 'foo_add' as never, params: [2, 3] as never })).toBe(5)
  })

  it('reads our error answers: code, message and data', async () => {
    const client = createPublicClient({ transport: http(httpServer.url, { retryCount: 0 }) })
    const err = await client.request({ method: 'foo_fail' as never }).catch((e: unknown) => e)
    // viem wraps the JSON-RPC error; the server's code and data survive in its cause chain
    expect(err).toMatchObject({ code: -32042 })
    expect(
      JSON.stringify(
        (err as { cause?: { data?: unknown } }).cause?.data ?? (err as { data?: unknown }).data,
      ),
    ).toBe('{"reason":"test"}')
  })
})

describe("viem's webSocket transport", () => {
  it('calls, and receives an eth_subscribe subscription', async () => {
    const transport = webSocket(wsServer.url, { retryCount: 0 })
    const client = createPublicClient({ transport })
    expect(await client.request({ method: 'foo_getNumber' as never, params: [] as never })).toBe(42)
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(0x1234n)

    const heads: string[] = []
    let gotThree: () => void = () => {}
    const three = new Promise<void>((resolve) => {
      gotThree = resolve
    })
    const { unsubscribe } = await client.transport.subscribe({
      params: ['newHeads'],
      onData: (data) => {
        heads.push((data.result as { number: string }).number)
        if (heads.length === 3) gotThree()
      },
    })
    await three
    expect(heads).toEqual(['0x1', '0x2', '0x3'])
    // our answer to eth_unsubscribe: true
    expect(await unsubscribe()).toMatchObject({ result: true })
    const socket = await client.transport.getRpcClient()
    socket.close()
  })
})
