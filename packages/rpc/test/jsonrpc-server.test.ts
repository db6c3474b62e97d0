import { describe, expect, it } from 'vitest'
import { RpcServer } from '../src/index.js'
import { exchange, fakeSession } from './support/fake-session.js'

/**
 * The server side of JSON-RPC 2.0, message by message: every expected answer here is
 * written by hand from the specification (and geth's behaviour where the spec is silent),
 * never produced by our own code.
 */

function newServer(options: ConstructorParameters<typeof RpcServer>[0] = {}): {
  server: RpcServer
  calls: string[]
} {
  const calls: string[] = []
  const server = new RpcServer(options)
  server.registerName('t', {
    add: (a: number, b: number) => a + b,
    record: (s: string) => {
      calls.push(s)
    },
    fail: () => {
      throw new Error('boom')
    },
    big: (n: number) => 'x'.repeat(n),
  })
  return { server, calls }
}

const call = (id: unknown, method: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })

describe('JSON-RPC 2.0 server: single messages', () => {
  it('answers a call with its result', async () => {
    const { server } = newServer()
    expect(
      await exchange(server, '{"jsonrpc":"2.0","id":1,"method":"t_add","params":[2,3]}'),
    ).toEqual([{ jsonrpc: '2.0', id: 1, result: 5 }])
  })

  it('writes the answer as exact text, fields in the order geth writes them', async () => {
    const { server } = newServer()
    const { session, transport } = fakeSession(server)
    await session.receive('{"method":"t_add","params":[1,1],"id":"x","jsonrpc":"2.0"}')
    expect(transport.sent).toEqual(['{"jsonrpc":"2.0","id":"x","result":2}'])
  })

  it('runs a notification without answering, even when it fails or does not exist', async () => {
    const { server, calls } = newServer()
    expect(await exchange(server, '{"jsonrpc":"2.0","method":"t_record","params":["a"]}')).toEqual(
      [],
    )
    expect(calls).toEqual(['a'])
    expect(await exchange(server, '{"jsonrpc":"2.0","method":"t_fail"}')).toEqual([])
    expect(await exchange(server, '{"jsonrpc":"2.0","method":"t_nope"}')).toEqual([])
    expect(await exchange(server, '{"jsonrpc":"2.0","method":"t_add","params":"x"}')).toEqual([])
  })

  it.each([
    ['a number', 7],
    ['zero', 0],
    ['a negative fraction', -1.5],
    ['a string', 'abc'],
    ['an empty string', ''],
    ['null', null],
    ['a big number', 1e300],
  ])('echoes %s id verbatim', async (_, id) => {
    const { server } = newServer()
    expect(await exchange(server, call(id, 't_add', [1, 2]))).toEqual([
      { jsonrpc: '2.0', id, result: 3 },
    ])
  })

  it.each([
    ['an object', '{}'],
    ['an array', '[]'],
    ['true', 'true'],
    ['false', 'false'],
  ])('refuses %s as id with -32600 and id null', async (_, idText) => {
    const { server, calls } = newServer()
    const text = `{"jsonrpc":"2.0","id":${idText},"method":"t_record","params":["x"]}`
    expect(await exchange(server, text)).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ])
    expect(calls).toEqual([])
  })

  it.each([
    ['missing', '{"id":1,"method":"t_add","params":[1,2]}'],
    ['"1.0"', '{"jsonrpc":"1.0","id":1,"method":"t_add","params":[1,2]}'],
    ['the number 2', '{"jsonrpc":2,"id":1,"method":"t_add","params":[1,2]}'],
    ['null', '{"jsonrpc":null,"id":1,"method":"t_add","params":[1,2]}'],
  ])('refuses a jsonrpc version %s with -32600 and the id', async (_, text) => {
    const { server } = newServer()
    expect(await exchange(server, text)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'invalid request' } },
    ])
  })

  it.each([
    ['missing', '{"jsonrpc":"2.0","id":1}'],
    ['empty', '{"jsonrpc":"2.0","id":1,"method":""}'],
    ['a number', '{"jsonrpc":"2.0","id":1,"method":5}'],
    ['an array', '{"jsonrpc":"2.0","id":1,"method":["t_add"]}'],
  ])('refuses a method %s with -32600 and the id', async (_, text) => {
    const { server } = newServer()
    expect(await exchange(server, text)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'invalid request' } },
    ])
  })

  it('answers an invalid message without id (not a notification) with -32600 and id null', async () => {
    const { server } = newServer()
    expect(await exchange(server, '{"jsonrpc":"1.0","method":"t_add"}')).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ])
    expect(await exchange(server, '{"foo":"bar"}')).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ])
  })

  it('refuses a method name longer than 2,048 characters without echoing it', async () => {
    const { server } = newServer()
    const name = `t_${'a'.repeat(3000)}`
    expect(await exchange(server, call(1, name))).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32600, message: 'method name too long: 3002 > 2048' },
      },
    ])
    expect(await exchange(server, JSON.stringify({ jsonrpc: '2.0', method: name }))).toEqual([])
  })

  it.each([
    ['a string', '"x"'],
    ['a number', '5'],
    ['true', 'true'],
  ])('answers params that are %s with -32602', async (_, params) => {
    const { server } = newServer()
    const text = `{"jsonrpc":"2.0","id":1,"method":"t_add","params":${params}}`
    expect(await exchange(server, text)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'non-array args' } },
    ])
  })

  it('answers an unknown method with -32601', async () => {
    const { server } = newServer()
    expect(await exchange(server, call(1, 'x_y'))).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32601, message: 'the method x_y does not exist/is not available' },
      },
    ])
  })

  it.each([
    ['a syntax error', '{"jsonrpc":'],
    ['plain text', 'hello'],
    ['an empty message', ''],
    ['two objects', '{}{}'],
  ])('answers %s with -32700 and id null', async (_, text) => {
    const { server } = newServer()
    expect(await exchange(server, text)).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } },
    ])
  })

  it.each([['1'], ['"x"'], ['null'], ['true']])(
    'answers a bare %s with -32600 and id null',
    async (text) => {
      const { server } = newServer()
      expect(await exchange(server, text)).toEqual([
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      ])
    },
  )
})

describe('JSON-RPC 2.0 server: batches', () => {
  it('answers in the order of the calls, with no element for a notification', async () => {
    const { server, calls } = newServer()
    const text = `[${call(1, 't_add', [1, 1])},{"jsonrpc":"2.0","method":"t_record","params":["n"]},${call('b', 't_add', [2, 2])}]`
    expect(await exchange(server, text)).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: 2 },
        { jsonrpc: '2.0', id: 'b', result: 4 },
      ],
    ])
    expect(calls).toEqual(['n'])
  })

  it('writes nothing for a batch of notifications only', async () => {
    const { server, calls } = newServer()
    const n = '{"jsonrpc":"2.0","method":"t_record","params":["n"]}'
    expect(await exchange(server, `[${n},${n}]`)).toEqual([])
    expect(calls).toEqual(['n', 'n'])
  })

  it('answers an empty batch with one -32600 "empty batch" object (not an array)', async () => {
    const { server } = newServer()
    expect(await exchange(server, '[]')).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } },
    ])
  })

  it('refuses a batch over maxBatchItems as geth does, running none of it', async () => {
    const { server, calls } = newServer({ maxBatchItems: 2 })
    const n = '{"jsonrpc":"2.0","method":"t_record","params":["n"]}'
    expect(await exchange(server, `[${n},${call(9, 't_add', [1, 1])},${n}]`)).toEqual([
      [{ jsonrpc: '2.0', id: 9, error: { code: -32600, message: 'batch too large' } }],
    ])
    expect(await exchange(server, `[${n},${n},${n}]`)).toEqual([
      [{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large' } }],
    ])
    expect(calls).toEqual([])
    expect(await exchange(server, `[${n},${n}]`)).toEqual([])
  })

  it('answers each invalid item of a mixed batch in its place', async () => {
    const { server } = newServer()
    const text = `[${call(1, 't_add', [1, 2])},55,{"jsonrpc":"2.0","id":2,"method":"t_nope"},{"jsonrpc":"2.0","id":{},"method":"t_add"},${call(3, 't_add', 'x')},[]]`
    expect(await exchange(server, text)).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: 3 },
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
        {
          jsonrpc: '2.0',
          id: 2,
          error: { code: -32601, message: 'the method t_nope does not exist/is not available' },
        },
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
        { jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'non-array args' } },
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      ],
    ])
  })

  it('answers the calls after maxBatchResponseBytes with -32003, without running them', async () => {
    const { server, calls } = newServer({ maxBatchResponseBytes: 100 })
    const text = `[${call(1, 't_big', [40])},${call(2, 't_big', [80])},${call(3, 't_record', ['late'])},{"jsonrpc":"2.0","method":"t_record","params":["n"]},${call(4, 't_add', [1, 1])}]`
    const tooLarge = { code: -32003, message: 'response too large' }
    expect(await exchange(server, text)).toEqual([
      [
        { jsonrpc: '2.0', id: 1, result: 'x'.repeat(40) },
        { jsonrpc: '2.0', id: 2, result: 'x'.repeat(80) },
        { jsonrpc: '2.0', id: 3, error: tooLarge },
        { jsonrpc: '2.0', id: 4, error: tooLarge },
      ],
    ])
    expect(calls).toEqual([])
  })

  it('has no batch limits when they are 0, as geth', async () => {
    const { server } = newServer({ maxBatchItems: 0, maxBatchResponseBytes: 0 })
    const items = Array.from({ length: 1500 }, (_, i) => call(i, 't_big', [100]))
    const [answers] = (await exchange(server, `[${items.join(',')}]`)) as [{ result: string }[]]
    expect(answers).toHaveLength(1500)
    expect(answers.every((a) => a.result === 'x'.repeat(100))).toBe(true)
  })

  it('counts the response limit in bytes, not characters', async () => {
    // 30 three-byte characters: 90 bytes, 30 UTF-16 units
    const { server } = newServer({ maxBatchResponseBytes: 100 })
    server.registerName('u', { wide: () => '€'.repeat(30) })
    const text = `[${call(1, 'u_wide')},${call(2, 'u_wide')}]`
    const [answers] = (await exchange(server, text)) as [{ id: number; error?: unknown }[]]
    expect(answers[1]).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32003, message: 'response too large' },
    })
  })

  it('gives HTTP (handleText) the same answers as text', async () => {
    const { server } = newServer({ maxBatchItems: 1 })
    const { session } = fakeSession(server, 'http', { noSend: true })
    expect(await session.handleText(call(1, 't_add', [1, 2]))).toBe(
      '{"jsonrpc":"2.0","id":1,"result":3}',
    )
    expect(await session.handleText('{"jsonrpc":"2.0","method":"t_add","params":[1,2]}')).toBe(
      undefined,
    )
    expect(await session.handleText('nope')).toBe(
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}',
    )
    expect(await session.handleText(`[${call(1, 't_add', [1, 2])},1]`)).toBe(
      '[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"batch too large"}}]',
    )
  })
})
