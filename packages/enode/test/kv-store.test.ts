import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/kv-store.js'

describe('MemoryStore', () => {
  it('keeps its own copy of a value, also of a Buffer (whose slice() is a view)', async () => {
    const store = new MemoryStore()
    const key = Uint8Array.of(1)
    const value = Buffer.of(7, 8)
    await store.batch([{ type: 'put', key, value }])
    value[0] = 0
    expect(await store.get(key)).toEqual(Uint8Array.of(7, 8))
    // and what it hands out is the caller's
    const got = (await store.get(key))!
    got[0] = 0
    const entries: Uint8Array[] = []
    for await (const [, v] of store.entries(Uint8Array.of(0), Uint8Array.of(2))) entries.push(v)
    expect(entries).toEqual([Uint8Array.of(7, 8)])
  })
})
