/**
 * ExpiringSet: expiry at the boundary, replacement, lazy removal, the size bound and its
 * eviction order, and property tests against a naive array model, all on a manual clock.
 */

import { ManualClock } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ExpiringSet } from '../src/expiring-set.js'

const setup = (maxSize = 100) => {
  const clock = new ManualClock(1_000_000)
  return { clock, set: new ExpiringSet<string>({ clock, maxSize }) }
}

describe('ExpiringSet', () => {
  it('holds a key until now() reaches its expiry', () => {
    const { clock, set } = setup()
    set.add('1.2.3.4', 30_000)
    expect(set.has('1.2.3.4')).toBe(true)
    expect(set.has('5.6.7.8')).toBe(false)
    expect(set.nextExpiry()).toBe(1_030_000)
    clock.advance(29_999)
    expect(set.has('1.2.3.4')).toBe(true)
    clock.advance(1)
    expect(set.size).toBe(1) // still there: removal is lazy
    expect(set.has('1.2.3.4')).toBe(false)
    expect(set.size).toBe(0) // has() removed it
    expect(set.nextExpiry()).toBeUndefined()
  })

  it('treats a ttl of 0 as already expired', () => {
    const { set } = setup()
    set.add('a', 0)
    expect(set.has('a')).toBe(false)
    expect(set.size).toBe(0)
  })

  it('never expires a key added with an infinite ttl', () => {
    const { clock, set } = setup()
    set.add('a', Number.POSITIVE_INFINITY)
    clock.advance(1e15)
    expect(set.has('a')).toBe(true)
    expect(set.nextExpiry()).toBe(Number.POSITIVE_INFINITY)
  })

  it('replaces the expiry of a key added again, later or earlier', () => {
    const { clock, set } = setup()
    set.add('a', 100)
    clock.advance(50)
    set.add('a', 100) // now expires at start + 150
    expect(set.size).toBe(1)
    expect(set.nextExpiry()).toBe(1_000_150)
    clock.advance(60) // start + 110
    expect(set.has('a')).toBe(true)
    set.add('a', 10) // shortened: start + 120
    expect(set.nextExpiry()).toBe(1_000_120)
    clock.advance(10)
    expect(set.has('a')).toBe(false)
  })

  it('re-adds an expired key that was not yet removed', () => {
    const { clock, set } = setup()
    set.add('a', 10)
    clock.advance(20)
    set.add('a', 10)
    expect(set.size).toBe(1)
    expect(set.has('a')).toBe(true)
    expect(set.nextExpiry()).toBe(1_000_030)
  })

  it('deletes keys', () => {
    const { clock, set } = setup()
    set.add('a', 10)
    set.add('b', 20)
    expect(set.delete('a')).toBe(true)
    expect(set.delete('a')).toBe(false)
    expect(set.delete('zzz')).toBe(false)
    expect(set.has('a')).toBe(false)
    expect(set.nextExpiry()).toBe(1_000_020)
    clock.advance(100)
    expect(set.delete('b')).toBe(true) // expired but present
    expect(set.size).toBe(0)
  })

  it('expire() removes exactly the expired entries and counts them', () => {
    const { clock, set } = setup()
    set.add('a', 30)
    set.add('b', 10)
    set.add('c', 20)
    set.add('d', 20)
    expect(set.expire()).toBe(0)
    clock.advance(20)
    expect(set.size).toBe(4)
    expect(set.expire()).toBe(3) // b at +10, c and d at +20
    expect(set.size).toBe(1)
    expect(set.nextExpiry()).toBe(1_000_030)
    expect(set.expire()).toBe(0)
    clock.advance(10)
    expect(set.expire()).toBe(1)
    expect(set.size).toBe(0)
    expect(set.nextExpiry()).toBeUndefined()
  })

  it('reports the earliest expiry, even one in the past', () => {
    const { clock, set } = setup()
    expect(set.nextExpiry()).toBeUndefined()
    set.add('a', 500)
    set.add('b', 300)
    set.add('c', 400)
    expect(set.nextExpiry()).toBe(1_000_300)
    clock.advance(1000)
    expect(set.nextExpiry()).toBe(1_000_300)
    set.delete('b')
    expect(set.nextExpiry()).toBe(1_000_400)
  })

  it('evicts the entry that expires soonest when full, not the oldest', () => {
    const { set } = setup(3)
    set.add('a', 30)
    set.add('b', 10)
    set.add('c', 20)
    set.add('d', 40)
    expect(set.size).toBe(3)
    expect(set.has('b')).toBe(false)
    expect(set.has('a')).toBe(true)
    expect(set.has('c')).toBe(true)
    expect(set.has('d')).toBe(true)
  })

  it('evicts the earliest added among equal expiries', () => {
    const { set } = setup(2)
    set.add('a', 10)
    set.add('b', 10)
    set.add('a', 10) // re-added: now the newer of the two
    set.add('c', 10)
    expect(set.has('b')).toBe(false)
    expect(set.has('a')).toBe(true)
    expect(set.has('c')).toBe(true)
  })

  it('removes all expired entries before evicting a live one', () => {
    const { clock, set } = setup(3)
    set.add('a', 10)
    set.add('b', 10)
    set.add('c', 100)
    clock.advance(10)
    set.add('d', 100)
    expect(set.size).toBe(2) // a and b expired; c survived
    expect(set.has('c')).toBe(true)
    expect(set.has('d')).toBe(true)
  })

  it('does not evict when a full set re-adds a key it holds', () => {
    const { set } = setup(2)
    set.add('a', 10)
    set.add('b', 20)
    set.add('a', 30)
    expect(set.size).toBe(2)
    expect(set.has('a')).toBe(true)
    expect(set.has('b')).toBe(true)
  })

  it('stays at maxSize under a flood of distinct keys with a constant ttl', () => {
    const clock = new ManualClock(1_000_000)
    const set = new ExpiringSet<string>({ clock, maxSize: 10_000 })
    for (let i = 0; i < 50_000; i++) {
      set.add(`ip-${i}`, 30_000)
      if (i % 7 === 0) clock.advance(1)
    }
    expect(set.size).toBe(10_000)
    // The newest 10,000 remain; the flood only evicted older entries early.
    expect(set.has('ip-39999')).toBe(false)
    expect(set.has('ip-40000')).toBe(true)
    expect(set.has('ip-49999')).toBe(true)
  })

  it('keeps any key type, compared as Map keys', () => {
    const clock = new ManualClock(1_000_000)
    const objects = new ExpiringSet<object>({ clock, maxSize: 10 })
    const a = {}
    objects.add(a, 10)
    expect(objects.has(a)).toBe(true)
    expect(objects.has({})).toBe(false)
    const numbers = new ExpiringSet<number>({ clock, maxSize: 10 })
    numbers.add(Number.NaN, 10)
    expect(numbers.has(Number.NaN)).toBe(true)
  })

  it('refuses a bad maxSize or ttl with RangeError', () => {
    const clock = new ManualClock(1_000_000)
    for (const maxSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new ExpiringSet({ clock, maxSize }), String(maxSize)).toThrow(RangeError)
    const set = new ExpiringSet<string>({ clock, maxSize: 1 })
    expect(() => set.add('a', -1)).toThrow(RangeError)
    expect(() => set.add('a', Number.NaN)).toThrow(RangeError)
    expect(set.size).toBe(0)
  })

  it('keeps heap order at n = 10,000 under random ttls (checked against a Map)', () => {
    const clock = new ManualClock(1_000_000)
    const set = new ExpiringSet<number>({ clock, maxSize: 10_000 })
    const model = new Map<number, number>()
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let i = 0; i < 100_000; i++) {
      const key = rand(9_000) // below maxSize: no eviction, so the model is exact
      const op = rand(10)
      if (op < 6) {
        const ttl = rand(5_000)
        set.add(key, ttl)
        model.set(key, clock.now() + ttl)
      } else if (op < 8) {
        set.delete(key)
        model.delete(key)
      } else if (op === 8) {
        const expiry = model.get(key)
        const live = expiry !== undefined && clock.now() < expiry
        expect(set.has(key)).toBe(live)
        if (!live) model.delete(key)
      } else clock.advance(rand(20))
      if (i % 5_000 === 0) {
        set.expire()
        for (const [k, e] of model) if (e <= clock.now()) model.delete(k)
        expect(set.size).toBe(model.size)
        const min = model.size === 0 ? undefined : Math.min(...model.values())
        expect(set.nextExpiry()).toBe(min)
      }
    }
  })
})

type Op =
  | { type: 'add'; key: number; ttl: number }
  | { type: 'has'; key: number }
  | { type: 'delete'; key: number }
  | { type: 'advance'; ms: number }
  | { type: 'expire' }

const opArb = (keys: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('add' as const),
        key: fc.nat(keys - 1),
        ttl: fc.nat(100),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ type: fc.constant('has' as const), key: fc.nat(keys - 1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('delete' as const), key: fc.nat(keys - 1) }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.nat(60) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('expire' as const) }) },
  )

describe('ExpiringSet properties', () => {
  it('never exceeds maxSize and agrees with a naive model until an eviction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(opArb(16), { maxLength: 200 }),
        (maxSize, ops) => {
          const clock = new ManualClock(0)
          const set = new ExpiringSet<number>({ clock, maxSize })
          // The model never evicts: every entry ever added, with its latest expiry.
          let model: { key: number; expiry: number }[] = []
          let evicted = false
          const modelHas = (key: number) =>
            model.some((e) => e.key === key && clock.now() < e.expiry)
          for (const op of ops) {
            switch (op.type) {
              case 'add': {
                // The model holds what the set has not removed yet. A new key in a full set
                // first removes the expired entries, then evicts if it is still full.
                if (!model.some((e) => e.key === op.key) && model.length >= maxSize) {
                  model = model.filter((e) => clock.now() < e.expiry)
                  if (model.length >= maxSize) evicted = true
                }
                set.add(op.key, op.ttl)
                model = model.filter((e) => e.key !== op.key)
                model.push({ key: op.key, expiry: clock.now() + op.ttl })
                break
              }
              case 'has': {
                const actual = set.has(op.key)
                const wasLive = modelHas(op.key)
                // has() removes an expired key.
                if (!wasLive) model = model.filter((e) => e.key !== op.key)
                if (!evicted) expect(actual).toBe(wasLive)
                // Eviction only ever removes entries early; it never keeps one alive.
                else if (actual) expect(wasLive).toBe(true)
                break
              }
              case 'delete':
                set.delete(op.key)
                model = model.filter((e) => e.key !== op.key)
                break
              case 'advance':
                clock.advance(op.ms)
                break
              case 'expire': {
                const removed = set.expire()
                if (!evicted) {
                  const before = model.length
                  model = model.filter((e) => clock.now() < e.expiry)
                  expect(removed).toBe(before - model.length)
                  expect(set.size).toBe(model.length)
                  const min =
                    model.length === 0 ? undefined : Math.min(...model.map((e) => e.expiry))
                  expect(set.nextExpiry()).toBe(min)
                }
                break
              }
            }
            expect(set.size).toBeLessThanOrEqual(maxSize)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
