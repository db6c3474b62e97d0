import { describe, expect, it } from 'vitest'
import { callContext, RpcServer } from '../src/index.js'
import { fakeSession } from './support/fake-session.js'

/**
 * Subscriptions on the server, driven through an RpcSession with a fake transport: the
 * expected messages are written by hand from geth's wire format.
 */

const sub = (id: number, ns: string, params: unknown[]) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: `${ns}_subscribe`, params })
const unsub = (id: number, ns: string, subId: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: `${ns}_unsubscribe`, params: [subId] })

/** An async iterable whose values are all ready at once: next() never waits. */
function eager(values: unknown[], onReturn?: () => void): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0
      return {
        next: () =>
          Promise.resolve(
            i < values.length
              ? { value: values[i++], done: false }
              : { value: undefined, done: true },
          ),
        return: () => {
          onReturn?.()
          return Promise.resolve({ value: undefined, done: true })
        },
      }
    },
  }
}

/** An iterable that yields nothing until the test pushes, and records how it ended. */
function controlled() {
  const log: string[] = []
  let signal: AbortSignal | undefined
  let push: ((v: unknown) => void) | undefined
  const iterable: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]() {
      return {
        next: () =>
          new Promise((resolve) => {
            push = (value) => resolve({ value, done: false })
          }),
        return: () => {
          log.push('return')
          return Promise.resolve({ value: undefined, done: true })
        },
      }
    },
  }
  return {
    log,
    getSignal: () => signal,
    push: (v: unknown) => push?.(v),
    method: () => {
      signal = callContext().signal
      signal.addEventListener('abort', () => log.push(`abort:${String(signal?.reason)}`))
      return iterable
    },
  }
}

const SUB_ID = /^0x[0-9a-f]{32}$/

describe('server subscriptions', () => {
  it('writes the id answer before the first notification, even for a source ready at once', async () => {
    const server = new RpcServer()
    server.registerName(
      's',
      { numbers: () => eager([1, 2, undefined]) },
      {
        methods: { numbers: { subscription: true } },
      },
    )
    const { session, transport } = fakeSession(server)
    await session.receive(sub(1, 's', ['numbers']))
    const messages = (await transport.waitFor(4)) as { result: string }[]
    const id = messages[0]?.result as string
    expect(id).toMatch(SUB_ID)
    expect(messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: id },
      { jsonrpc: '2.0', method: 's_subscription', params: { subscription: id, result: 1 } },
      { jsonrpc: '2.0', method: 's_subscription', params: { subscription: id, result: 2 } },
      { jsonrpc: '2.0', method: 's_subscription', params: { subscription: id, result: null } },
    ])
  })

  it('starts subscriptions opened in a batch after the batch answer', async () => {
    const server = new RpcServer()
    server.registerName('s', {
      async *ready() {
        yield 'first'
      },
      echo: (x: unknown) => x,
    })
    const { session, transport } = fakeSession(server)
    await session.receive(
      `[${sub(1, 's', ['ready'])},{"jsonrpc":"2.0","id":2,"method":"s_echo","params":[5]}]`,
    )
    const messages = (await transport.waitFor(2)) as [{ result: string }[], unknown]
    const id = messages[0][0]?.result
    expect(messages).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: id },
        { jsonrpc: '2.0', id: 2, result: 5 },
      ],
      { jsonrpc: '2.0', method: 's_subscription', params: { subscription: id, result: 'first' } },
    ])
  })

  it('unsubscribe aborts the signal, calls the iterator’s return and answers true', async () => {
    const server = new RpcServer()
    const c = controlled()
    server.registerName('s', { c: c.method }, { methods: { c: { subscription: true } } })
    const { session, transport } = fakeSession(server)
    await session.receive(sub(1, 's', ['c']))
    const id = (transport.messages[0] as { result: string }).result
    c.push('v')
    await transport.waitFor(2)
    expect(session.subscriptionCount).toBe(1)
    await session.receive(unsub(2, 's', id))
    expect(transport.messages.slice(1)).toEqual([
      { jsonrpc: '2.0', method: 's_subscription', params: { subscription: id, result: 'v' } },
      { jsonrpc: '2.0', id: 2, result: true },
    ])
    expect(c.log).toEqual(['abort:unsubscribed', 'return'])
    expect(session.subscriptionCount).toBe(0)
    await session.receive(unsub(3, 's', id))
    expect(transport.messages[3]).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32000, message: 'subscription not found' },
    })
  })

  it('ends every subscription when the session closes', async () => {
    const server = new RpcServer()
    const c = controlled()
    server.registerName('s', { c: c.method }, { methods: { c: { subscription: true } } })
    const { session } = fakeSession(server)
    await session.receive(sub(1, 's', ['c']))
    await Promise.resolve()
    session.close()
    expect(c.log).toEqual(['abort:connection closed', 'return'])
    expect(session.subscriptionCount).toBe(0)
  })

  it('ends a subscription whose source throws, without crashing the session', async () => {
    const server = new RpcServer()
    server.registerName('s', {
      async *broken() {
        yield 1
        throw new Error('source failed')
      },
      echo: (x: unknown) => x,
    })
    const { session, transport } = fakeSession(server)
    await session.receive(sub(1, 's', ['broken']))
    const id = (transport.messages[0] as { result: string }).result
    await transport.waitFor(2)
    // the session goes on answering; the ended subscription keeps its id until the
    // client unsubscribes, as in geth (the protocol has no "ended" message)
    await session.receive(unsub(2, 's', id))
    await session.receive(unsub(3, 's', id))
    await session.receive('{"jsonrpc":"2.0","id":4,"method":"s_echo","params":[3]}')
    expect(transport.messages.slice(2)).toEqual([
      { jsonrpc: '2.0', id: 2, result: true },
      { jsonrpc: '2.0', id: 3, error: { code: -32000, message: 'subscription not found' } },
      { jsonrpc: '2.0', id: 4, result: 3 },
    ])
    expect(session.closed).toBe(false)
  })

  it.each(['ipc', 'inproc'] as const)(
    'skips a value JSON cannot hold and goes on (%s)',
    async (kind) => {
      const server = new RpcServer()
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      server.registerName(
        's',
        { values: () => eager([cyclic, 'after']) },
        {
          methods: { values: { subscription: true } },
        },
      )
      const { session, transport } = fakeSession(server, kind)
      await session.receive(sub(1, 's', ['values']))
      const messages = await transport.waitFor(2)
      const id = (messages[0] as { result: string }).result
      expect(messages[1]).toEqual({
        jsonrpc: '2.0',
        method: 's_subscription',
        params: { subscription: id, result: 'after' },
      })
    },
  )

  it('refuses subscribe over a transport without send (HTTP) with -32601', async () => {
    const server = new RpcServer()
    let called = false
    server.registerName('s', {
      async *t() {
        called = true
        yield 1
      },
    })
    const { session } = fakeSession(server, 'http', { noSend: true })
    expect(await session.handleText(sub(1, 's', ['t']))).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"notifications not supported"}}',
    )
    expect(called).toBe(false)
  })

  it('refuses a bad subscribe: no name, unknown name, no id, a method that returns no iterable', async () => {
    const server = new RpcServer()
    server.registerName(
      's',
      { async *t() {}, notIterable: () => 5 },
      {
        methods: { notIterable: { subscription: true } },
      },
    )
    const { session, transport } = fakeSession(server)
    await session.receive(sub(1, 's', []))
    await session.receive(sub(2, 's', [7]))
    await session.receive(sub(3, 's', ['nope']))
    await session.receive(sub(4, 'other', ['t']))
    await session.receive(sub(5, 's', ['notIterable']))
    await session.receive('{"jsonrpc":"2.0","id":6,"method":"s_subscribe","params":{"a":1}}')
    await session.receive('{"jsonrpc":"2.0","method":"s_subscribe","params":["t"]}')
    const name = { code: -32602, message: 'expected subscription name as first argument' }
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 1, error: name },
      { jsonrpc: '2.0', id: 2, error: name },
      {
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32601, message: 'no "nope" subscription in s namespace' },
      },
      {
        jsonrpc: '2.0',
        id: 4,
        error: { code: -32601, message: 'no "t" subscription in other namespace' },
      },
      { jsonrpc: '2.0', id: 5, error: { code: -32603, message: 'internal error' } },
      { jsonrpc: '2.0', id: 6, error: name },
    ])
    expect(session.subscriptionCount).toBe(0)
  })

  it('refuses a bad unsubscribe with -32602', async () => {
    const server = new RpcServer()
    server.registerName('s', { async *t() {} })
    const { session, transport } = fakeSession(server)
    await session.receive('{"jsonrpc":"2.0","id":1,"method":"s_unsubscribe","params":[]}')
    await session.receive('{"jsonrpc":"2.0","id":2,"method":"s_unsubscribe","params":[5]}')
    const bad = { code: -32602, message: 'expected subscription id as first argument' }
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 1, error: bad },
      { jsonrpc: '2.0', id: 2, error: bad },
    ])
  })

  it('caps the subscriptions of one connection at maxSubscriptionsPerConnection', async () => {
    const server = new RpcServer({ maxSubscriptionsPerConnection: 2 })
    const c = controlled()
    server.registerName('s', { c: c.method }, { methods: { c: { subscription: true } } })
    const { session, transport } = fakeSession(server)
    for (let i = 1; i <= 3; i++) await session.receive(sub(i, 's', ['c']))
    expect(transport.messages[2]).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32000, message: 'too many subscriptions (at most 2 per connection)' },
    })
    expect(session.subscriptionCount).toBe(2)
    // another connection has its own allowance
    const other = fakeSession(server)
    await other.session.receive(sub(1, 's', ['c']))
    expect((other.transport.messages[0] as { result: string }).result).toMatch(SUB_ID)
    // one ends, one more may open
    const first = (transport.messages[0] as { result: string }).result
    await session.receive(unsub(4, 's', first))
    await session.receive(sub(5, 's', ['c']))
    expect((transport.messages[4] as { result: string }).result).toMatch(SUB_ID)
  })

  it('passes the subscription’s arguments, checked against its declared params', async () => {
    const server = new RpcServer()
    server.registerName(
      's',
      {
        async *count(n: number) {
          for (let i = 0; i < n; i++) yield i
        },
      },
      { methods: { count: { params: [{ name: 'n', schema: { type: 'integer' } }] } } },
    )
    const { session, transport } = fakeSession(server)
    await session.receive(sub(1, 's', ['count', 'x']))
    expect(transport.messages[0]).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: 'invalid argument 0: want integer' },
    })
    await session.receive(sub(2, 's', ['count', 2]))
    const messages = await transport.waitFor(4)
    expect(
      messages.slice(2).map((m) => (m as { params: { result: number } }).params.result),
    ).toEqual([0, 1])
  })
})
