import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type ClientSubscription,
  INVALID_PARAMS,
  METHOD_NOT_FOUND,
  type RpcClient,
  RpcClientError,
  RpcError,
  RpcServer,
} from '../../src/index.js'
import { Foo, fooSpec } from './foo-service.js'

/** One transport under test: connects a client to a server the suite made. */
export interface TransportFixture {
  /** Serve `server` and return a connected client; called once per test. */
  connect(server: RpcServer): Promise<RpcClient>
  /** Stops whatever `connect` started (listeners); the suite closes the client first. */
  teardown(): Promise<void>
  /** Whether the transport carries subscriptions (false for HTTP). */
  subscriptions: boolean
}

async function collect<T>(sub: ClientSubscription<T>, n: number): Promise<T[]> {
  const out: T[] = []
  for await (const v of sub) {
    out.push(v)
    if (out.length === n) break
  }
  return out
}

/**
 * The behaviour every transport must have, run once per transport: the same calls,
 * batches, errors and subscriptions give the same answers over each.
 */
export function transportSuite(name: string, makeFixture: () => TransportFixture): void {
  describe(`${name}: the shared transport suite`, () => {
    let fixture: TransportFixture
    let server: RpcServer
    let client: RpcClient

    beforeEach(async () => {
      fixture = makeFixture()
      server = new RpcServer()
      server.registerName('foo', new Foo(), fooSpec)
      client = await fixture.connect(server)
    })

    afterEach(async () => {
      await client.close()
      await fixture.teardown()
      server.stop()
    })

    it('calls a method, with and without params, through the typed client', async () => {
      const foo = client.api<Foo>('foo')
      expect(await foo.getNumber()).toBe(42)
      expect(await foo.add(2, 3)).toBe(5)
      expect(await client.call('foo_add', 40, 2)).toBe(42)
    })

    it('carries every JSON value unchanged, and bigint and bytes as 0x-hex', async () => {
      const value = {
        s: 'ünïcode \u2028 "q"',
        n: -1.5,
        z: 0,
        t: true,
        f: false,
        nul: null,
        a: [1, [2, [3]], {}],
        o: { k: 'v' },
      }
      expect(await client.call('foo_echo', value)).toEqual(value)
      expect(await client.call('foo_big')).toBe('0x400000000000000000')
      expect(await client.call('foo_bytes')).toBe('0xdead')
      expect(await client.call('foo_nothing')).toBeNull()
    })

    it('answers an application error with its code, message and data', async () => {
      const err = await client.call('foo_fail').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RpcError)
      expect(err).toMatchObject({ code: -32042, message: 'foo failed', data: { reason: 'test' } })
      const plain = await client.call('foo_plainFail').catch((e: unknown) => e)
      expect(plain).toMatchObject({ code: -32000, message: 'plain failure' })
    })

    it('answers a missing method with -32601 and bad params with -32602', async () => {
      await expect(client.call('foo_nope')).rejects.toMatchObject({
        code: METHOD_NOT_FOUND,
        message: 'the method foo_nope does not exist/is not available',
      })
      await expect(client.call('foo_add', 'x', 1)).rejects.toMatchObject({ code: INVALID_PARAMS })
      await expect(client.call('foo_add', 1, 2, 3)).rejects.toMatchObject({ code: INVALID_PARAMS })
    })

    it('runs a batch in order, an error in one call not failing the others', async () => {
      const results = await client.batch([
        { method: 'foo_getNumber' },
        { method: 'foo_add', params: [1, 1] },
        { method: 'foo_nope' },
      ])
      expect(results[0]).toEqual({ result: 42 })
      expect(results[1]).toEqual({ result: 2 })
      expect(results[2]?.error).toMatchObject({ code: METHOD_NOT_FOUND })
    })

    it('lists the namespaces with rpc_modules', async () => {
      expect(await client.call('rpc_modules')).toEqual({ foo: '1.0', rpc: '1.0' })
    })

    if (makeFixture().subscriptions) {
      it('delivers a subscription in order and ends it on unsubscribe', async () => {
        const sub = await client.api<Foo>('foo').subscribe('ticks', 3)
        expect(sub.id).toMatch(/^0x[0-9a-f]{32}$/)
        expect(await collect(sub, 3)).toEqual([0, 1, 2])
        expect(sub.closed).toBe(true)
        await expect(client.call('foo_unsubscribe', sub.id)).rejects.toMatchObject({
          message: 'subscription not found',
        })
      })

      it('ends a subscription quietly when the caller aborts', async () => {
        const controller = new AbortController()
        const sub = await client.subscribe<number>({
          namespace: 'foo',
          name: 'ticks',
          params: [1],
          signal: controller.signal,
        })
        const it = sub[Symbol.asyncIterator]()
        expect(await it.next()).toEqual({ value: 0, done: false })
        const pending = it.next()
        controller.abort()
        expect(await pending).toEqual({ value: undefined, done: true })
      })

      it('refuses an unknown subscription name with -32601', async () => {
        await expect(client.subscribe('foo', 'nope')).rejects.toMatchObject({
          code: METHOD_NOT_FOUND,
          message: 'no "nope" subscription in foo namespace',
        })
      })
    } else {
      it('refuses subscriptions', async () => {
        await expect(client.subscribe('foo', 'ticks', 1)).rejects.toBeInstanceOf(RpcClientError)
        await expect(client.call('foo_subscribe', 'ticks', 1)).rejects.toMatchObject({
          code: METHOD_NOT_FOUND,
          message: 'notifications not supported',
        })
      })
    }
  })
}
