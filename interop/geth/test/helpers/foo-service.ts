/**
 * The shared `foo` service (see foo-contract.ts) on our server, for geth's client to call.
 * Written from the contract, as cmd/rpcpeer's Go service is.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { callContext, RpcError, type ServiceSpec } from '@devp2p/rpc'

export class Foo {
  getNumber(): number {
    return 42
  }
  add(a: number, b: number): number {
    return a + b
  }
  echo(x: unknown = null): unknown {
    return x
  }
  fail(): never {
    throw new RpcError(-32042, 'foo failed', { data: { reason: 'test' } })
  }
  async sleep(ms: number): Promise<number> {
    await sleep(ms, undefined, { signal: callContext().signal })
    return ms
  }
  async *ticks(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i
    // open until unsubscribed or the connection closes, as geth's subscriptions are
    const { signal } = callContext()
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
  }
}

const integer = { type: 'integer' }

/** Declared params: the server checks them, so `add("x", 1)` is -32602 as in Go. */
export const fooSpec: ServiceSpec = {
  methods: {
    add: {
      params: [
        { name: 'a', schema: integer },
        { name: 'b', schema: integer },
      ],
    },
    echo: { params: [{ name: 'x', required: false }] },
    sleep: { params: [{ name: 'ms', schema: integer }] },
    ticks: { params: [{ name: 'n', schema: integer }] },
  },
}
