/** BoundedMap: the size bound, both eviction orders, and a model check. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BoundedMap } from '../src/bounded-map.js'

describe('BoundedMap', () => {
  it('rejects a size that is not a positive integer', () => {
    for (const maxSize of [0, -1, 1.5, Number.NaN])
      expect(() => new BoundedMap({ maxSize })).toThrow(RangeError)
  })

  it('evicts the oldest inserted entry by default; reads do not count', () => {
    const evicted: string[] = []
    const m = new BoundedMap<string, number>({ maxSize: 2, onEvict: (k) => evicted.push(k) })
    m.set('a', 1).set('b', 2)
    expect(m.get('a')).toBe(1)
    m.set('a', 10) // update in place: still the oldest
    m.set('c', 3)
    expect([...m.keys()]).toEqual(['b', 'c'])
    expect(evicted).toEqual(['a'])
  })

  it('with evict: recency, a read or write keeps an entry', () => {
    const m = new BoundedMap<string, number>({ maxSize: 2, evict: 'recency' })
    m.set('a', 1).set('b', 2)
    m.get('a')
    m.set('c', 3)
    expect([...m.keys()]).toEqual(['a', 'c'])
    m.peek('a') // no refresh
    m.set('c', 4)
    m.set('d', 5)
    expect([...m]).toEqual([
      ['c', 4],
      ['d', 5],
    ])
  })

  it('delete and clear do not call onEvict', () => {
    const evicted: number[] = []
    const m = new BoundedMap<number, number>({ maxSize: 3, onEvict: (k) => evicted.push(k) })
    m.set(1, 1).set(2, 2)
    expect(m.delete(1)).toBe(true)
    m.clear()
    expect(m.size).toBe(0)
    expect(evicted).toEqual([])
  })

  it('matches an LRU model and never exceeds maxSize', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.integer({ min: 0, max: 9 }))),
        (maxSize, ops) => {
          const m = new BoundedMap<number, number>({ maxSize, evict: 'recency' })
          let model: number[] = [] // keys, least recently used first
          for (const [op, k] of ops) {
            if (op === 'set') {
              if (!model.includes(k) && model.length >= maxSize) model.shift()
              model = [...model.filter((x) => x !== k), k]
              m.set(k, k)
            } else if (op === 'get') {
              if (model.includes(k)) model = [...model.filter((x) => x !== k), k]
              expect(m.get(k)).toBe(model.includes(k) ? k : undefined)
            } else {
              expect(m.delete(k)).toBe(model.includes(k))
              model = model.filter((x) => x !== k)
            }
            expect(m.size).toBeLessThanOrEqual(maxSize)
            expect([...m.keys()]).toEqual(model)
          }
        },
      ),
    )
  })
})
