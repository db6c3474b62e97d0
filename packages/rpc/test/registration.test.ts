import { describe, expect, it } from 'vitest'
import { inProcessTransport, RpcClient, RpcError, RpcServer } from '../src/index.js'
import { exchange, fakeSession } from './support/fake-session.js'

/** What `method` answers over a wire session, as `{ result }` or `{ error }`. */
async function ask(server: RpcServer, method: string, params?: unknown): Promise<unknown> {
  const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  const [answer] = (await exchange(server, text)) as [Record<string, unknown>]
  return 'error' in answer ? { error: answer.error } : { result: answer.result }
}

const notFound = (method: string) => ({
  error: { code: -32601, message: `the method ${method} does not exist/is not available` },
})

describe('registerName: which methods a service offers', () => {
  it('offers the public methods of a class and of its base classes, first letter lowered', async () => {
    class Base {
      Inherited() {
        return 'base'
      }
      overridden() {
        return 'base'
      }
    }
    class Service extends Base {
      own() {
        return 'own'
      }
      override overridden() {
        return 'derived'
      }
      _private() {
        return 'hidden'
      }
      get accessor() {
        throw new Error('a getter is never called by registration')
      }
    }
    const server = new RpcServer()
    server.registerName('s', new Service())
    expect(await ask(server, 's_own')).toEqual({ result: 'own' })
    expect(await ask(server, 's_inherited')).toEqual({ result: 'base' })
    expect(await ask(server, 's_overridden')).toEqual({ result: 'derived' })
    expect(await ask(server, 's_Inherited')).toEqual(notFound('s_Inherited'))
    expect(await ask(server, 's__private')).toEqual(notFound('s__private'))
    expect(await ask(server, 's_accessor')).toEqual(notFound('s_accessor'))
    expect(await ask(server, 's_constructor')).toEqual(notFound('s_constructor'))
  })

  it('offers a plain object’s functions and calls them with the object as this', async () => {
    const server = new RpcServer()
    const service = {
      n: 7,
      get() {
        return this.n
      },
      arrow: () => 'arrow',
      value: 5,
    }
    server.registerName('p', service)
    expect(await ask(server, 'p_get')).toEqual({ result: 7 })
    expect(await ask(server, 'p_arrow')).toEqual({ result: 'arrow' })
    expect(await ask(server, 'p_value')).toEqual(notFound('p_value'))
  })

  it('never offers what Object.prototype has', async () => {
    const server = new RpcServer()
    server.registerName('p', { a: () => 1 })
    for (const name of ['toString', 'hasOwnProperty', 'valueOf', '__proto__', 'constructor']) {
      expect(await ask(server, `p_${name}`)).toEqual(notFound(`p_${name}`))
    }
  })

  it('refuses a bad namespace', () => {
    const server = new RpcServer()
    for (const ns of ['', 'a_b', 'a.b', 'a b', 'ä', '__proto__']) {
      expect(() => server.registerName(ns, { a: () => 1 })).toThrow(TypeError)
    }
  })

  it('refuses a service without methods, and reserved names', () => {
    const server = new RpcServer()
    expect(() => server.registerName('e', {})).toThrow(/no public methods/)
    expect(() => server.registerName('e', { _only: () => 1 })).toThrow(/no public methods/)
    for (const name of ['subscribe', 'Unsubscribe', 'subscription']) {
      expect(() => server.registerName('r', { [name]: () => 1 })).toThrow(/reserved/)
    }
  })

  it('refuses a method registered twice, across registrations and within one service', () => {
    const server = new RpcServer()
    server.registerName('d', { a: () => 1 })
    expect(() => server.registerName('d', { a: () => 2 })).toThrow(/d_a is already registered/)
    expect(() => server.registerName('x', { GetN: () => 1, getN: () => 2 })).toThrow(
      /x_getN is already registered/,
    )
    expect(() =>
      server.registerName('y', {
        async *Ticks() {},
        async *ticks() {},
      }),
    ).toThrow(/subscription ticks is already registered/)
    expect(() => server.registerName('rpc', { modules: () => ({}) })).toThrow(/already registered/)
  })

  it('adds to a namespace registered again, and a failed registration adds nothing', async () => {
    const server = new RpcServer()
    server.registerName('m', { a: () => 'a' })
    server.registerName('m', { b: () => 'b' })
    expect(() => server.registerName('m', { c: () => 'c', a: () => 'dup' })).toThrow()
    expect(await ask(server, 'm_a')).toEqual({ result: 'a' })
    expect(await ask(server, 'm_b')).toEqual({ result: 'b' })
    expect(await ask(server, 'm_c')).toEqual(notFound('m_c'))
  })

  it('refuses a spec for a method the service does not have', () => {
    const server = new RpcServer()
    expect(() =>
      server.registerName('s', { a: () => 1 }, { methods: { b: { params: ['x'] } } }),
    ).toThrow(/spec for s.b/)
  })

  it('does not take a method spec from Object.prototype', async () => {
    const server = new RpcServer()
    server.registerName('s', { toString: () => 'own', a: () => 1 }, { methods: {} })
    expect(await ask(server, 's_toString')).toEqual({ result: 'own' })
    expect(server.discover().methods.find((m) => m.name === 's_toString')).toEqual({
      name: 's_toString',
      params: [],
      result: { name: 'result', schema: {} },
    })
  })
})

describe('arguments', () => {
  const spec = {
    methods: {
      f: {
        params: [
          { name: 'a', schema: { type: 'integer' } },
          { name: 'b', schema: { type: ['string', 'null'] } },
          { name: 'c', required: false },
        ],
      },
      g: { params: ['toString'] },
    },
  }
  const service = {
    f: (...args: unknown[]) => args,
    g: (...args: unknown[]) => args,
    free: (...args: unknown[]) => args,
  }
  const server = new RpcServer()
  server.registerName('a', service, spec)
  const invalid = (message: string) => ({ error: { code: -32602, message } })

  it('passes positional params as they are', async () => {
    expect(await ask(server, 'a_f', [1, 'x'])).toEqual({ result: [1, 'x'] })
    expect(await ask(server, 'a_f', [1, null, { k: 1 }])).toEqual({ result: [1, null, { k: 1 }] })
    expect(await ask(server, 'a_free', [1, 2, 3, 4])).toEqual({ result: [1, 2, 3, 4] })
    expect(await ask(server, 'a_free')).toEqual({ result: [] })
    expect(await ask(server, 'a_free', null)).toEqual({ result: [] })
  })

  it('takes params by name for a method that declares them', async () => {
    expect(await ask(server, 'a_f', { b: 'y', a: 2 })).toEqual({ result: [2, 'y'] })
    expect(await ask(server, 'a_f', { a: 2, b: 'y', c: true })).toEqual({
      result: [2, 'y', true],
    })
    expect(await ask(server, 'a_free', { a: 1 })).toEqual(invalid('non-array args'))
  })

  it('refuses too many, missing, unknown and mistyped params with -32602', async () => {
    expect(await ask(server, 'a_f', [1, 'x', 3, 4])).toEqual(
      invalid('too many arguments, want at most 3'),
    )
    expect(await ask(server, 'a_f', [1])).toEqual(invalid('missing value for required argument 1'))
    expect(await ask(server, 'a_f', { b: 'x' })).toEqual(
      invalid('missing value for required argument 0'),
    )
    expect(await ask(server, 'a_f', { a: 1, b: 'x', d: 1 })).toEqual(
      invalid('unknown parameter "d"'),
    )
    expect(await ask(server, 'a_f', [1.5, 'x'])).toEqual(
      invalid('invalid argument 0: want integer'),
    )
    expect(await ask(server, 'a_f', [1, 2])).toEqual(
      invalid('invalid argument 1: want string or null'),
    )
  })

  it('never reads a param by name from Object.prototype', async () => {
    expect(await ask(server, 'a_g', {})).toEqual(invalid('missing value for required argument 0'))
    expect(await ask(server, 'a_f', JSON.parse('{"a":1,"b":"x","__proto__":{"p":1}}'))).toEqual(
      invalid('unknown parameter "__proto__"'),
    )
    expect(({} as Record<string, unknown>).p).toBeUndefined()
  })
})

describe('what a method’s outcome becomes', () => {
  const server = new RpcServer()
  class Outcomes {
    sync() {
      return 1
    }
    async later() {
      await Promise.resolve()
      return 2
    }
    nothing() {}
    throwsError() {
      const err = new Error('went wrong')
      err.stack = 'Error: went wrong\n    at secret (/home/me/secret.ts:1:1)'
      throw err
    }
    async rejectsError() {
      throw new TypeError('async went wrong')
    }
    throwsString() {
      throw 'a string'
    }
    async rejectsUndefined() {
      throw undefined
    }
    throwsRpcError() {
      throw new RpcError(-32042, 'custom', { data: { why: 1 } })
    }
    cycle() {
      const o: Record<string, unknown> = {}
      o.o = o
      return o
    }
    deepCycle() {
      const a: unknown[] = []
      a.push({ a })
      return { ok: true, a }
    }
  }
  server.registerName('o', new Outcomes())

  it('answers sync and async results, undefined as null', async () => {
    expect(await ask(server, 'o_sync')).toEqual({ result: 1 })
    expect(await ask(server, 'o_later')).toEqual({ result: 2 })
    expect(await ask(server, 'o_nothing')).toEqual({ result: null })
  })

  it('answers a thrown Error with -32000 and its message, never the stack', async () => {
    const { session, transport } = fakeSession(server)
    await session.receive('{"jsonrpc":"2.0","id":1,"method":"o_throwsError"}')
    expect(transport.sent).toEqual([
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"went wrong"}}',
    ])
    expect(await ask(server, 'o_rejectsError')).toEqual({
      error: { code: -32000, message: 'async went wrong' },
    })
  })

  it('answers a thrown non-Error with -32603', async () => {
    const internal = { error: { code: -32603, message: 'internal error' } }
    expect(await ask(server, 'o_throwsString')).toEqual(internal)
    expect(await ask(server, 'o_rejectsUndefined')).toEqual(internal)
  })

  it('answers an RpcError with its code, message and data', async () => {
    expect(await ask(server, 'o_throwsRpcError')).toEqual({
      error: { code: -32042, message: 'custom', data: { why: 1 } },
    })
  })

  it('answers a result JSON cannot hold with -32603, on the wire and in-process alike', async () => {
    const internal = { error: { code: -32603, message: 'internal error' } }
    expect(await ask(server, 'o_cycle')).toEqual(internal)
    expect(await ask(server, 'o_deepCycle')).toEqual(internal)
    const client = new RpcClient(inProcessTransport(server))
    await expect(client.call('o_cycle')).rejects.toMatchObject({
      code: -32603,
      message: 'internal error',
    })
    await client.close()
  })
})

describe('rpc_modules and rpc_discover', () => {
  const server = new RpcServer({ info: { title: 'test', version: '2.0' } })
  server.registerName(
    'foo',
    {
      add: (a: number, b: number) => a + b,
      plain: () => 1,
      async *ticks(_n: number) {},
    },
    {
      methods: {
        add: {
          params: [
            { name: 'a', schema: { type: 'integer' }, description: 'first' },
            { name: 'b', schema: { type: 'integer' }, required: false },
          ],
          result: { type: 'integer' },
          description: 'a + b',
        },
        ticks: { params: ['n'], result: { type: 'integer' } },
      },
    },
  )
  server.registerName('bar', { x: () => 1 })

  it('lists every namespace with version 1.0', async () => {
    expect(await ask(server, 'rpc_modules')).toEqual({
      result: { bar: '1.0', foo: '1.0', rpc: '1.0' },
    })
  })

  it('describes every method in an OpenRPC 1.2.6 document, sorted by name', async () => {
    expect(await ask(server, 'rpc_discover')).toEqual({
      result: {
        openrpc: '1.2.6',
        info: { title: 'test', version: '2.0' },
        methods: [
          { name: 'bar_x', params: [], result: { name: 'result', schema: {} } },
          {
            name: 'foo_add',
            description: 'a + b',
            params: [
              { name: 'a', required: true, schema: { type: 'integer' }, description: 'first' },
              { name: 'b', required: false, schema: { type: 'integer' } },
            ],
            result: { name: 'result', schema: { type: 'integer' } },
          },
          { name: 'foo_plain', params: [], result: { name: 'result', schema: {} } },
          {
            name: 'foo_subscribe',
            description: 'Opens a subscription; notifications arrive as foo_subscription.',
            params: [
              {
                name: 'subscription',
                required: true,
                schema: { type: 'string', enum: ['ticks'] },
              },
            ],
            result: { name: 'subscriptionId', schema: { type: 'string' } },
            'x-subscriptions': {
              ticks: {
                params: [{ name: 'n', required: true, schema: {} }],
                result: { name: 'result', schema: { type: 'integer' } },
              },
            },
          },
          {
            name: 'foo_unsubscribe',
            params: [{ name: 'subscriptionId', required: true, schema: { type: 'string' } }],
            result: { name: 'ok', schema: { type: 'boolean' } },
          },
          { name: 'rpc_discover', params: [], result: { name: 'result', schema: {} } },
          { name: 'rpc_modules', params: [], result: { name: 'result', schema: {} } },
        ],
      },
    })
  })
})
