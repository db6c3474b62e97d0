import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  type ClientSubscription,
  inProcessTransport,
  type Jsonified,
  type MethodNames,
  RpcClient,
  RpcServer,
  type SubscriptionNames,
} from '../src/index.js'

/**
 * The typed client, checked twice: by the compiler (`pnpm typecheck` covers test/, so each
 * `@ts-expect-error` below fails the build if the line it marks ever type-checks) and at
 * run time against a real server.
 */

class Shop {
  price(item: string, count: number): number {
    return item.length * count
  }
  async total(items: readonly string[]): Promise<bigint> {
    return BigInt(items.length) * 10n ** 18n
  }
  receipt(): { id: Uint8Array; at: Date; lines: { item: string; cost: bigint }[]; note?: string } {
    return { id: Uint8Array.of(1, 2), at: new Date(0), lines: [{ item: 'a', cost: 1n }] }
  }
  clear(): void {}
  async *restocks(item: string): AsyncGenerator<{ item: string; count: number }> {
    yield { item, count: 1 }
  }
}

let client: RpcClient | undefined
afterEach(async () => {
  await client?.close()
})

function shopClient() {
  const server = new RpcServer()
  server.registerName('shop', new Shop())
  client = new RpcClient(inProcessTransport(server))
  return client.api<Shop>('shop')
}

describe('client.api<T>(namespace)', () => {
  it('types each method as a promise of its JSON result', () => {
    expectTypeOf<MethodNames<Shop>>().toEqualTypeOf<'price' | 'total' | 'receipt' | 'clear'>()
    expectTypeOf<SubscriptionNames<Shop>>().toEqualTypeOf<'restocks'>()
    const shop = shopClient()
    expectTypeOf(shop.price).parameters.toEqualTypeOf<[item: string, count: number]>()
    expectTypeOf(shop.price).returns.toEqualTypeOf<Promise<number>>()
    expectTypeOf(shop.total).returns.toEqualTypeOf<Promise<`0x${string}`>>()
    expectTypeOf(shop.clear).returns.toEqualTypeOf<Promise<null>>()
    expectTypeOf<Jsonified<Date>>().toEqualTypeOf<string>()
    expectTypeOf(shop.receipt).returns.resolves.toMatchTypeOf<{
      id: `0x${string}`
      at: string
      lines: { item: string; cost: `0x${string}` }[]
    }>()
    expectTypeOf(shop.subscribe<'restocks'>).returns.resolves.toEqualTypeOf<
      ClientSubscription<{ item: string; count: number }>
    >()
  })

  it('refuses wrong arguments, unknown methods and subscribing to a plain method at compile time', async () => {
    const shop = shopClient()
    const refused: Promise<unknown>[] = []
    // @ts-expect-error count must be a number
    refused.push(shop.price('apple', '2'))
    // @ts-expect-error a missing argument
    refused.push(shop.price('apple'))
    // @ts-expect-error one argument too many
    refused.push(shop.price('apple', 2, 3))
    // @ts-expect-error no such method
    expect(shop.refund).toBeTypeOf('function')
    // @ts-expect-error a plain method is not a subscription
    refused.push(shop.subscribe('price', 'apple', 1))
    // @ts-expect-error no such subscription
    refused.push(shop.subscribe('sales'))
    // @ts-expect-error the subscription's argument is a string
    refused.push(shop.subscribe('restocks', 5))
    // @ts-expect-error a subscription is opened with subscribe(), not called
    expect(shop.restocks).toBeTypeOf('function')
    // what the server says to each of these at run time
    const outcomes = await Promise.allSettled(refused)
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled', // JavaScript multiplies 5 * '2' = 10: types are the typed client's guard
      'fulfilled', // 5 * undefined = NaN, written as null
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ])
    expect((outcomes[0] as PromiseFulfilledResult<unknown>).value).toBe(10)
    expect((outcomes[1] as PromiseFulfilledResult<unknown>).value).toBeNull()
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({
      code: -32601,
      message: 'no "price" subscription in shop namespace',
    })
    const opened = (outcomes[5] as PromiseFulfilledResult<ClientSubscription<unknown>>).value
    expect(opened.id).toMatch(/^0x[0-9a-f]{32}$/)
  })

  it('calls through to the server with the values JSON carries', async () => {
    const shop = shopClient()
    expect(await shop.price('pear', 3)).toBe(12)
    expect(await shop.total(['a', 'b'])).toBe('0x1bc16d674ec80000')
    expect(await shop.receipt()).toEqual({
      id: '0x0102',
      at: '1970-01-01T00:00:00.000Z',
      lines: [{ item: 'a', cost: '0x1' }],
    })
    expect(await shop.clear()).toBeNull()
    const sub = await shop.subscribe('restocks', 'pear')
    for await (const restock of sub) {
      expectTypeOf(restock).toEqualTypeOf<{ item: string; count: number }>()
      expect(restock).toEqual({ item: 'pear', count: 1 })
      break
    }
  })

  it('is not a thenable, so it can be returned from an async function', async () => {
    const shop = shopClient()
    const same = await (async () => shop)()
    expect(await same.price('a', 1)).toBe(1)
  })
})
