import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  type ClientTransport,
  RpcClient,
  RpcClientError,
  RpcError,
  type TransportKind,
} from '../src/index.js'

/**
 * A ClientTransport the test plays the server of: `sent` is what the client wrote,
 * `answer()` delivers a message as a two-way connection would. With `http: true`, each
 * send waits for the test to `reply()` with the response body instead.
 */
class FakeClientTransport implements ClientTransport {
  readonly kind: TransportKind
  readonly supportsSubscriptions: boolean
  onMessage: ((message: unknown) => void) | undefined
  onClose: ((err: Error | undefined) => void) | undefined
  readonly sent: Record<string, unknown>[] = []
  closed = false
  private replies: ((body: unknown) => void)[] = []

  constructor(http = false) {
    this.kind = http ? 'http' : 'ws'
    this.supportsSubscriptions = !http
  }

  send(message: object): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcClientError('CLOSED', 'closed'))
    this.sent.push(message as Record<string, unknown>)
    if (this.kind !== 'http') return Promise.resolve(undefined)
    return new Promise((resolve) => this.replies.push(resolve))
  }

  async close(): Promise<void> {
    this.closed = true
  }

  answer(message: unknown): void {
    this.onMessage?.(message)
  }

  reply(body: unknown): void {
    this.replies.shift()?.(body)
  }

  lose(err: Error): void {
    this.closed = true
    this.onClose?.(err)
  }

  /** The id of the n-th message the client sent. */
  idOf(n: number): number {
    return this.sent[n]?.id as number
  }
}

function setup(options: ConstructorParameters<typeof RpcClient>[1] = {}, http = false) {
  const transport = new FakeClientTransport(http)
  // a manual clock unless the test brings one: no real timer outlives a test
  const client = new RpcClient(transport, { clock: new ManualClock(), ...options })
  return { transport, client }
}

async function subscribed(client: RpcClient, transport: FakeClientTransport, id = '0xab') {
  const pending = client.subscribe<number>('s', 'ticks', 1)
  const n = transport.sent.length - 1
  expect(transport.sent[n]).toEqual({
    jsonrpc: '2.0',
    id: transport.idOf(n),
    method: 's_subscribe',
    params: ['ticks', 1],
  })
  transport.answer({ jsonrpc: '2.0', id: transport.idOf(n), result: id })
  return pending
}

const note = (subscription: string, result: unknown) => ({
  jsonrpc: '2.0',
  method: 's_subscription',
  params: { subscription, result },
})

describe('RpcClient: answers', () => {
  it('writes a call as JSON-RPC 2.0 and matches answers by id whatever their order', async () => {
    const { transport, client } = setup()
    const a = client.call('m_a', 1)
    const b = client.call('m_b')
    expect(transport.sent).toEqual([
      { jsonrpc: '2.0', id: transport.idOf(0), method: 'm_a', params: [1] },
      { jsonrpc: '2.0', id: transport.idOf(1), method: 'm_b', params: [] },
    ])
    expect(transport.idOf(0)).not.toBe(transport.idOf(1))
    transport.answer({ jsonrpc: '2.0', id: 999, result: 'stray' })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(1), result: 'B' })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: 'A' })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: 'again' })
    expect(await Promise.all([a, b])).toEqual(['A', 'B'])
  })

  it('rejects with the server’s RpcError, code, message and data', async () => {
    const { transport, client } = setup()
    const p = client.call('m')
    transport.answer({
      jsonrpc: '2.0',
      id: transport.idOf(0),
      error: { code: -32042, message: 'no', data: [1] },
    })
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcError)
    expect(err).toMatchObject({ code: -32042, message: 'no', data: [1] })
  })

  it.each([
    ['no result and no error', {}],
    ['an error without code', { error: { message: 'x' } }],
    ['an error with a fractional code', { error: { code: 1.5, message: 'x' } }],
    ['an error that is a string', { error: 'x' }],
  ])('fails a call answered with %s with BAD_RESPONSE', async (_, fields) => {
    const { transport, client } = setup()
    const p = client.call('m')
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), ...fields })
    await expect(p).rejects.toMatchObject({ name: 'RpcClientError', code: 'BAD_RESPONSE' })
  })

  it('takes a result beside "error": null', async () => {
    const { transport, client } = setup()
    const p = client.call('m')
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), error: null, result: 1 })
    expect(await p).toBe(1)
  })

  it('ignores messages that are not answers to it', async () => {
    const { transport, client } = setup()
    const p = client.call('m')
    for (const junk of [null, 5, 'x', [], [1, 2], { id: 'x', result: 1 }, { error: {} }])
      transport.answer(junk)
    transport.answer(note('0xunknown', 1))
    transport.answer({ jsonrpc: '2.0', method: 's_subscription', params: 5 })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: 'ok' })
    expect(await p).toBe('ok')
  })

  it('fails a call with TIMEOUT when no answer comes within requestTimeoutMs', async () => {
    const clock = new ManualClock()
    const { transport, client } = setup({ clock, requestTimeoutMs: 500 })
    const p = client.call('m')
    clock.advance(499)
    transport.answer({ jsonrpc: '2.0', id: 12345, result: 0 })
    clock.advance(1)
    await expect(p).rejects.toMatchObject({ code: 'TIMEOUT' })
    // a late answer is ignored
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: 'late' })
    expect(clock.pending).toBe(0)
  })

  it('fails a call with ABORTED when its signal aborts, and sends nothing when already aborted', async () => {
    const clock = new ManualClock()
    const { transport, client } = setup({ clock })
    const controller = new AbortController()
    const p = client.request({ method: 'm', signal: controller.signal })
    // a call with a signal has no time limit of its own
    expect(clock.pending).toBe(0)
    controller.abort('stop')
    await expect(p).rejects.toMatchObject({ code: 'ABORTED', cause: 'stop' })
    await expect(client.request({ method: 'm', signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    })
    expect(transport.sent).toHaveLength(1)
  })

  it('close() fails pending calls with CLOSED, refuses new ones, and sends nothing more', async () => {
    const { transport, client } = setup()
    const p = client.call('m')
    await client.close()
    await expect(p).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(client.call('m')).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(client.batch([{ method: 'm' }])).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(client.notify('m')).rejects.toMatchObject({ code: 'CLOSED' })
    expect(transport.sent).toHaveLength(1)
    expect(transport.closed).toBe(true)
    await client.close()
  })

  it('fails pending calls with CLOSED when the connection is lost', async () => {
    const { transport, client } = setup()
    const p = client.call('m')
    transport.lose(new Error('socket hang up'))
    await expect(p).rejects.toMatchObject({ code: 'CLOSED', message: 'socket hang up' })
  })

  it('sends a notification without id', async () => {
    const { transport, client } = setup()
    await client.notify('m_n', 1, 'a')
    expect(transport.sent).toEqual([{ jsonrpc: '2.0', method: 'm_n', params: [1, 'a'] }])
  })
})

describe('RpcClient: batches', () => {
  it('resolves one result or error per call, in order, whatever order the answers have', async () => {
    const { transport, client } = setup()
    const p = client.batch([{ method: 'a' }, { method: 'b', params: [1] }])
    const [first, second] = transport.sent[0] as unknown as { id: number }[]
    expect(transport.sent[0]).toEqual([
      { jsonrpc: '2.0', id: first?.id, method: 'a', params: [] },
      { jsonrpc: '2.0', id: second?.id, method: 'b', params: [1] },
    ])
    transport.answer([
      { jsonrpc: '2.0', id: second?.id, error: { code: -32601, message: 'nope' } },
      { jsonrpc: '2.0', id: first?.id, result: 'A' },
    ])
    const results = await p
    expect(results[0]).toEqual({ result: 'A' })
    expect(results[1]?.error).toBeInstanceOf(RpcError)
    expect(results[1]?.error).toMatchObject({ code: -32601, message: 'nope' })
  })

  it('sends nothing for an empty batch', async () => {
    const { transport, client } = setup()
    expect(await client.batch([])).toEqual([])
    expect(transport.sent).toEqual([])
  })

  it('fails a batch refused as a whole over HTTP with BAD_RESPONSE and the server’s error as cause', async () => {
    const { transport, client } = setup({}, true)
    const p = client.batch([{ method: 'a' }, { method: 'b' }])
    transport.reply({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } })
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcClientError)
    expect(err).toMatchObject({ code: 'BAD_RESPONSE' })
    expect((err as Error).cause).toMatchObject({ code: -32600, message: 'empty batch' })
  })

  it('fails a batch geth refuses as too large (one error with the first id) at once, on a two-way connection', async () => {
    const { transport, client } = setup()
    const p = client.batch([{ method: 'a' }, { method: 'b' }, { method: 'c' }])
    transport.answer([
      {
        jsonrpc: '2.0',
        id: (transport.sent[0] as unknown as { id: number }[])[0]?.id,
        error: { code: -32600, message: 'batch too large' },
      },
    ])
    const err = await p.catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'RpcClientError', code: 'BAD_RESPONSE' })
    expect((err as Error).cause).toMatchObject({ code: -32600, message: 'batch too large' })
  })

  it('fails a batch whose HTTP answer lacks some calls, and a call whose HTTP answer is not for it', async () => {
    const { transport, client } = setup({}, true)
    const batch = client.batch([{ method: 'a' }, { method: 'b' }])
    const ids = (transport.sent[0] as unknown as { id: number }[]).map((c) => c.id)
    transport.reply([{ jsonrpc: '2.0', id: ids[0], result: 1 }])
    await expect(batch).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
    const single = client.call('x')
    transport.reply({ jsonrpc: '2.0', id: 424242, result: 1 })
    await expect(single).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
  })
})

describe('RpcClient: subscriptions', () => {
  it('refuses to subscribe over a transport without notifications', async () => {
    const { transport, client } = setup({}, true)
    await expect(client.subscribe('s', 'ticks')).rejects.toMatchObject({ code: 'NOT_SUPPORTED' })
    expect(transport.sent).toEqual([])
  })

  it('delivers the notifications of its own subscription, in order, and ignores others', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    expect(sub.id).toBe('0xab')
    transport.answer(note('0xab', 1))
    transport.answer(note('0xother', 99))
    transport.answer(note('0xab', 2))
    const it = sub[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 1, done: false })
    expect(await it.next()).toEqual({ value: 2, done: false })
  })

  it('fails a subscribe answered with a non-string id with BAD_RESPONSE', async () => {
    const { transport, client } = setup()
    const p = client.subscribe('s', 'ticks')
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: 5 })
    await expect(p).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
  })

  it('fails with SUBSCRIPTION_OVERFLOW past maxSubscriptionBuffer and unsubscribes', async () => {
    const { transport, client } = setup({ maxSubscriptionBuffer: 2 })
    const sub = await subscribed(client, transport)
    for (const v of [1, 2, 3, 4]) transport.answer(note('0xab', v))
    expect(sub.closed).toBe(true)
    expect(transport.sent[1]).toEqual({
      jsonrpc: '2.0',
      id: transport.idOf(1),
      method: 's_unsubscribe',
      params: ['0xab'],
    })
    const it = sub[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 1, done: false })
    expect(await it.next()).toEqual({ value: 2, done: false })
    await expect(it.next()).rejects.toMatchObject({ code: 'SUBSCRIPTION_OVERFLOW' })
  })

  it('unsubscribe() ends the iteration and tells the server once', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    const it = sub[Symbol.asyncIterator]()
    const pending = it.next()
    const done = sub.unsubscribe()
    expect(await pending).toEqual({ value: undefined, done: true })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(1), result: true })
    await done
    await sub.unsubscribe()
    expect(transport.sent.filter((m) => m.method === 's_unsubscribe')).toHaveLength(1)
  })

  it('a signal ends the subscription quietly', async () => {
    const { transport, client } = setup()
    const controller = new AbortController()
    const pending = client.subscribe({
      namespace: 's',
      name: 'ticks',
      signal: controller.signal,
    })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: '0xab' })
    const sub = await pending
    controller.abort()
    expect(sub.closed).toBe(true)
    expect(transport.sent[1]?.method).toBe('s_unsubscribe')
  })

  it('a signal that aborts before the answer fails the subscribe at once and closes the late subscription', async () => {
    const { transport, client } = setup()
    const controller = new AbortController()
    const pending = client.subscribe({ namespace: 's', name: 'ticks', signal: controller.signal })
    controller.abort('enough')
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', cause: 'enough' })
    transport.answer({ jsonrpc: '2.0', id: transport.idOf(0), result: '0xlate' })
    await Promise.resolve()
    expect(transport.sent[1]).toEqual({
      jsonrpc: '2.0',
      id: transport.idOf(1),
      method: 's_unsubscribe',
      params: ['0xlate'],
    })
    transport.answer(note('0xlate', 1)) // ignored
    await expect(
      client.subscribe({ namespace: 's', name: 'ticks', signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' })
    expect(transport.sent).toHaveLength(2)
  })

  it('unsubscribe() resolves even when the server no longer knows the subscription', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    const done = sub.unsubscribe()
    transport.answer({
      jsonrpc: '2.0',
      id: transport.idOf(1),
      error: { code: -32000, message: 'subscription not found' },
    })
    await expect(done).resolves.toBeUndefined()
  })

  it('close() ends subscriptions quietly', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    transport.answer(note('0xab', 1))
    const it = sub[Symbol.asyncIterator]()
    await client.close()
    expect(await it.next()).toEqual({ value: 1, done: false })
    expect(await it.next()).toEqual({ value: undefined, done: true })
    expect(transport.sent.filter((m) => m.method === 's_unsubscribe')).toHaveLength(0)
  })

  it('a lost connection ends subscriptions with CLOSED', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    const it = sub[Symbol.asyncIterator]()
    const pending = it.next()
    transport.lose(new Error('reset'))
    await expect(pending).rejects.toMatchObject({ name: 'RpcClientError', code: 'CLOSED' })
  })

  it('ignores notifications after unsubscribe', async () => {
    const { transport, client } = setup()
    const sub = await subscribed(client, transport)
    void sub.unsubscribe()
    transport.answer(note('0xab', 1))
    const it = sub[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: undefined, done: true })
  })
})
