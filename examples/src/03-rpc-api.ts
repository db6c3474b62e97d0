/**
 * Chapter 3: an RPC API.
 *
 * A service is a plain object registered under a namespace: its methods are called as
 * `namespace_method`, and an `async function*` method is a subscription
 * (`namespace_subscribe("name", ...)`), as in go-ethereum's `rpc` package. The same
 * `RpcServer` is served over HTTP and WebSocket; the typed client (`client.api<T>()`)
 * knows the service's methods and their types.
 *
 * Run: npx pnpm --filter @devp2p/examples start 03
 */
import { connect, HttpRpcServer, RpcServer, WsRpcServer } from '@devp2p/rpc'

/** The `counter` namespace: counter_add, counter_value and the "ticks" subscription. */
class CounterService {
  #value = 0

  add(n: number): number {
    this.#value += n
    return this.#value
  }

  value(): number {
    return this.#value
  }

  /** Counts from the current value, one item per step: a subscription. */
  async *ticks(steps: number) {
    for (let i = 1; i <= steps; i++) yield this.#value + i
  }
}

const rpc = new RpcServer()
rpc.registerName('counter', new CounterService())

// port 0: any free port. Loopback only; the URLs say where they ended up.
const http = new HttpRpcServer(rpc, { host: '127.0.0.1', port: 0 })
const ws = new WsRpcServer(rpc, { host: '127.0.0.1', port: 0 })
await http.start()
await ws.start()

// Over HTTP: plain calls (HTTP cannot carry subscriptions).
const overHttp = await connect(http.url)
const counter = overHttp.api<CounterService>('counter') // typed from the class
console.log(`http counter_add(2) = ${await counter.add(2)}`)
console.log(`http counter_add(3) = ${await counter.add(3)}`)
// the untyped way works too, by the method's wire name
console.log(`http counter_value = ${await overHttp.call('counter_value')}`)

// Over WebSocket: the same API, and a subscription.
const overWs = await connect(ws.url)
const ticks: number[] = []
for await (const tick of await overWs.api<CounterService>('counter').subscribe('ticks', 3)) {
  ticks.push(tick)
  if (ticks.length === 3) break // leaving the loop unsubscribes
}
console.log(`ws ticks: ${ticks.join(' ')}`)

await overHttp.close()
await overWs.close()
await http.stop()
await ws.stop()
rpc.stop()
