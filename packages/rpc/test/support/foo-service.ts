import { setTimeout as sleep } from 'node:timers/promises'
import { callContext, RpcError, type ServiceSpec } from '../../src/index.js'

/**
 * The shared test service: the same `foo` namespace the Go side (interop/geth/cmd/rpcpeer)
 * implements, so one script of checks runs against either server.
 */
export class Foo {
  getNumber(): number {
    return 42
  }
  add(a: number, b: number): number {
    return a + b
  }
  echo<T>(x: T): T {
    return x
  }
  fail(): never {
    throw new RpcError(-32042, 'foo failed', { data: { reason: 'test' } })
  }
  plainFail(): never {
    throw new Error('plain failure')
  }
  async sleep(ms: number): Promise<number> {
    await sleep(ms, undefined, { signal: callContext().signal })
    return ms
  }
  big(): bigint {
    return 2n ** 70n
  }
  bytes(): Uint8Array {
    return Uint8Array.of(0xde, 0xad)
  }
  nothing(): void {}
  async *ticks(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i
    // stays open until unsubscribed or the connection closes, as geth's subscriptions do
    const signal = callContext().signal
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
  }
}

export const fooSpec: ServiceSpec = {
  methods: {
    add: {
      params: [
        { name: 'a', schema: { type: 'integer' } },
        { name: 'b', schema: { type: 'integer' } },
      ],
      result: { type: 'integer' },
      description: 'a + b',
    },
    sleep: { params: [{ name: 'ms', schema: { type: 'integer' } }] },
    ticks: { params: [{ name: 'n', schema: { type: 'integer' } }] },
  },
}
