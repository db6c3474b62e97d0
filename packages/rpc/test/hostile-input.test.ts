import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callContext, RpcServer } from '../src/index.js'
import { fakeSession } from './support/fake-session.js'

/**
 * Whatever a client sends, the server answers with valid JSON-RPC (success or error, for
 * the right ids, in order) or with nothing for notifications: never an exception, an
 * unhandled rejection, or a call that does not settle.
 */

const MAX_BATCH_ITEMS = 8

function hostileServer(): RpcServer {
  const server = new RpcServer({ maxBatchItems: MAX_BATCH_ITEMS })
  server.registerName('h', {
    echo: (...args: unknown[]) => args,
    fail: () => {
      throw new Error('failed')
    },
    throwValue: (v: unknown) => {
      throw v
    },
    later: async (v: unknown) => {
      await Promise.resolve()
      return v
    },
    rejectLater: async () => {
      await Promise.resolve()
      throw new TypeError('later')
    },
    async *ticks(n: unknown) {
      yield n
      const signal = callContext().signal
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
    },
  })
  server.registerName(
    'named',
    { f: (a: unknown, b: unknown) => [a, b] },
    {
      methods: { f: { params: ['a', { name: 'b', schema: { type: 'string' }, required: false }] } },
    },
  )
  return server
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const isId = (v: unknown): boolean =>
  v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))

/** A valid notification: the server runs it and answers nothing. */
function isNotification(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  return (
    !Object.hasOwn(o, 'id') &&
    o.jsonrpc === '2.0' &&
    typeof o.method === 'string' &&
    o.method !== '' &&
    o.method.length <= 2048
  )
}

/** The id a message's answer carries: its own when valid, null otherwise. */
function answerId(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  return Object.hasOwn(o, 'id') && isId(o.id) ? o.id : null
}

function checkResponse(r: unknown, id: unknown): void {
  expect(typeof r === 'object' && r !== null && !Array.isArray(r)).toBe(true)
  const o = r as Record<string, unknown>
  expect(o.jsonrpc).toBe('2.0')
  expect(Object.hasOwn(o, 'id')).toBe(true)
  expect(o.id).toEqual(id)
  expect(Object.hasOwn(o, 'result') !== Object.hasOwn(o, 'error')).toBe(true)
  if (Object.hasOwn(o, 'error')) {
    const e = o.error as Record<string, unknown>
    expect(Number.isInteger(e.code)).toBe(true)
    expect(typeof e.message).toBe('string')
    expect(Object.keys(e).every((k) => k === 'code' || k === 'message' || k === 'data')).toBe(true)
  }
}

/** Checks `answers` (parsed, subscription notifications removed) against what was sent. */
function checkAnswers(text: string, answers: unknown[]): void {
  let request: unknown
  try {
    request = JSON.parse(text)
  } catch {
    expect(answers).toHaveLength(1)
    checkResponse(answers[0], null)
    expect((answers[0] as { error: { code: number } }).error.code).toBe(-32700)
    return
  }
  if (!Array.isArray(request)) {
    if (isNotification(request)) expect(answers).toEqual([])
    else {
      expect(answers).toHaveLength(1)
      checkResponse(answers[0], answerId(request))
    }
    return
  }
  if (request.length === 0) {
    expect(answers).toHaveLength(1)
    checkResponse(answers[0], null)
    return
  }
  if (request.length > MAX_BATCH_ITEMS) {
    expect(answers).toHaveLength(1)
    const first = request.find(
      (v) => !isNotification(v) && answerId(v) !== null && (v as { method?: unknown }).method,
    )
    expect(Array.isArray(answers[0])).toBe(true)
    expect(answers[0] as unknown[]).toHaveLength(1)
    const refused = (answers[0] as unknown[])[0]
    expect((refused as { error: { message: string } }).error.message).toBe('batch too large')
    if (first === undefined) checkResponse(refused, null)
    return
  }
  const expectedIds = request.filter((v) => !isNotification(v)).map(answerId)
  if (expectedIds.length === 0) {
    expect(answers).toEqual([])
    return
  }
  expect(answers).toHaveLength(1)
  const batch = answers[0] as unknown[]
  expect(Array.isArray(batch)).toBe(true)
  expect(batch).toHaveLength(expectedIds.length)
  for (const [i, r] of batch.entries()) checkResponse(r, expectedIds[i])
}

/** `pending`, which must settle within a bounded number of event-loop turns: never a hang. */
async function settles<T>(pending: Promise<T>, text: string): Promise<T> {
  let settled = false
  const done = pending.finally(() => {
    settled = true
  })
  for (let i = 0; i < 50 && !settled; i++) await new Promise((r) => setImmediate(r))
  expect(settled, `no answer to ${JSON.stringify(text)}`).toBe(true)
  return done
}

/** Runs `text` through a fresh session both ways (two-way and HTTP) and checks the answers. */
async function feed(server: RpcServer, text: string): Promise<void> {
  const { session, transport } = fakeSession(server)
  await settles(session.receive(text), text)
  const answers = transport.messages.filter(
    (m) => !(typeof m === 'object' && m !== null && 'method' in m),
  )
  checkAnswers(text, answers)
  session.close()

  const http = fakeSession(server, 'http', { noSend: true })
  const body = await settles(http.session.handleText(text), text)
  checkAnswers(text, body === undefined ? [] : [JSON.parse(body)])
  http.session.close()
}

const methods = fc.constantFrom(
  'h_echo',
  'h_fail',
  'h_throwValue',
  'h_later',
  'h_rejectLater',
  'h_subscribe',
  'h_unsubscribe',
  'named_f',
  'rpc_modules',
  'rpc_discover',
  '',
  '_',
  'h_',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'h___proto__',
  'h_constructor',
  'rpc_constructor',
  'h_toString',
  '__proto___subscribe',
  'constructor_subscribe',
  'rpc_subscribe',
)

const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>
const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a', 'b')
const params = fc.oneof(
  fc.array(jsonValue, { maxLength: 4 }),
  fc.array(fc.constantFrom('ticks', '__proto__', 'constructor', 'nope', '0x00'), { maxLength: 3 }),
  fc.dictionary(protoKeys, jsonValue, { maxKeys: 3 }),
  jsonValue,
)
const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constantFrom(2 ** 53 + 1, 1e300, -0, {}, [], [1]),
)

/** A request built from parts, each possibly wrong or missing. */
const request = fc
  .record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constantFrom('1.0', 2, null)),
      id,
      method: fc.oneof(methods, methods, fc.string({ maxLength: 10 }), jsonValue),
      params,
      extra: jsonValue,
    },
    { requiredKeys: ['jsonrpc', 'method'] },
  )
  // a computed key: an own "__proto__" property, as JSON.parse makes one, not a prototype
  .map(({ extra, ...r }) => (extra === null ? r : { ...r, ['__proto__']: extra }))

/** Text with a few characters deleted, inserted or the end cut off. */
function mutate(text: string, edits: [number, number, string][]): string {
  let out = text
  for (const [kind, at, ch] of edits) {
    const i = at % (out.length + 1)
    if (kind % 3 === 0) out = out.slice(0, i) + out.slice(i + 1)
    else if (kind % 3 === 1) out = out.slice(0, i) + ch + out.slice(i)
    else out = out.slice(0, i)
  }
  return out
}

// property tests run many cases: room for a loaded machine (a hang still fails each case at once)
describe('hostile input', { timeout: 120_000 }, () => {
  let server: RpcServer
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  beforeAll(() => {
    server = hostileServer()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled)
    server.stop()
  })

  const runs = { numRuns: 200 }

  it('random strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), (t) => feed(server, t)),
      runs,
    )
  })

  it('random JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), (v) => feed(server, JSON.stringify(v))),
      runs,
    )
  })

  it('requests and batches built from valid and invalid parts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(request, fc.array(fc.oneof(request, jsonValue), { maxLength: 12 })),
        (v) => feed(server, JSON.stringify(v)),
      ),
      runs,
    )
  })

  it('valid requests and batches with their text mutated', async () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.nat(),
      fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', 'x', '\\'),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(request, fc.array(request, { minLength: 1, maxLength: 4 })),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        (v, edits) => feed(server, mutate(JSON.stringify(v), edits)),
      ),
      runs,
    )
  })

  it('pollutes no prototype and runs no Object.prototype method', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    for (const method of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      for (const name of [method, `h_${method}`, `rpc_${method}`, `${method}_x`]) {
        const [answer] = (await (async () => {
          const { session, transport } = fakeSession(server)
          await session.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: name }))
          return transport.messages
        })()) as [{ error: { code: number } }]
        expect(answer.error.code, name).toBe(-32601)
      }
    }
    const texts = [
      '{"jsonrpc":"2.0","id":1,"method":"named_f","params":{"__proto__":{"polluted":1}}}',
      '{"jsonrpc":"2.0","id":1,"method":"named_f","params":{"a":1,"constructor":{"prototype":{"polluted":1}}}}',
      '{"jsonrpc":"2.0","id":1,"method":"h_echo","params":[{"__proto__":{"polluted":1}}]}',
      '{"jsonrpc":"2.0","id":1,"method":"h_subscribe","params":["__proto__"]}',
      '{"jsonrpc":"2.0","id":1,"method":"h_unsubscribe","params":["__proto__"]}',
      '{"__proto__":{"polluted":1},"jsonrpc":"2.0","id":1,"method":"h_echo"}',
    ]
    for (const t of texts) await feed(server, t)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
  })

  it('answers 100,000-deep nesting without a crash', async () => {
    const depth = 100_000
    const deepArray = '['.repeat(depth) + ']'.repeat(depth)
    await feed(server, deepArray)
    // the params parse, but the echoed result is too deep to write: -32603
    const deepParams = `{"jsonrpc":"2.0","id":7,"method":"h_echo","params":${deepArray}}`
    const { session, transport } = fakeSession(server)
    await session.receive(deepParams)
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'internal error' } },
    ])
    // unbalanced: a parse error
    await feed(server, '['.repeat(depth))
  })

  it('answers huge numbers as ids', async () => {
    const { session, transport } = fakeSession(server)
    await session.receive('{"jsonrpc":"2.0","id":1e400,"method":"h_echo"}')
    await session.receive('{"jsonrpc":"2.0","id":-1e400,"method":"h_echo"}')
    await session.receive('{"jsonrpc":"2.0","id":1e300,"method":"h_echo"}')
    // beyond 2^53 a number is read as the nearest double, as by every JSON.parse user
    await session.receive('{"jsonrpc":"2.0","id":9007199254740993,"method":"h_echo"}')
    expect(transport.messages).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      { jsonrpc: '2.0', id: 1e300, result: [] },
      { jsonrpc: '2.0', id: 9007199254740992, result: [] },
    ])
  })

  it('left no unhandled rejection behind', async () => {
    await new Promise((r) => setImmediate(r))
    expect(unhandled).toEqual([])
  })
})
