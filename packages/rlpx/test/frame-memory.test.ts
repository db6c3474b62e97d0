import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameMemory } from '../src/frame-memory.js'

describe('FrameMemory', () => {
  it('hands out aligned regions that never overlap, with views of their whole buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 3000, max: 9000 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (sizes) => {
          const memory = new FrameMemory(8192)
          const taken = new Map<ArrayBuffer, [number, number, number][]>()
          sizes.forEach((n, i) => {
            const at = memory.reserve(n)
            const { buffer, bytes, words } = memory
            expect(at % 16).toBe(0)
            expect(bytes.buffer).toBe(buffer)
            expect(words.buffer).toBe(buffer)
            expect(bytes.byteOffset).toBe(0)
            expect(words.byteOffset).toBe(0)
            expect(bytes.length).toBe(buffer.byteLength)
            // the region fits, and its last word is in the word view
            expect(at + n).toBeLessThanOrEqual(buffer.byteLength)
            expect(Math.ceil((at + n) / 8)).toBeLessThanOrEqual(words.length)
            const regions = taken.get(buffer) ?? []
            for (const [from, to] of regions) expect(at >= to || at + n <= from).toBe(true)
            regions.push([at, at + n, i & 0xff])
            taken.set(buffer, regions)
            bytes.fill(i & 0xff, at, at + n)
          })
          // every region still holds what was written into it: no later one overlapped it
          for (const [buffer, regions] of taken) {
            for (const [from, to, fill] of regions) {
              expect(new Uint8Array(buffer, from, to - from).every((x) => x === fill)).toBe(true)
            }
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('gives regions of 4 KiB or more a buffer of their own, and keeps filling the slab after', () => {
    const memory = new FrameMemory(8192)
    const a = memory.reserve(100)
    const slab = memory.buffer
    expect(memory.reserve(4096)).toBe(0)
    expect(memory.buffer).not.toBe(slab)
    expect(memory.buffer.byteLength).toBe(4096)
    const b = memory.reserve(100)
    expect(memory.buffer).toBe(slab)
    expect(b).toBe(a + 112)
  })

  it('starts a new slab when a region does not fit in what is left', () => {
    const memory = new FrameMemory(8192)
    memory.reserve(4000)
    const slab = memory.buffer
    memory.reserve(4000)
    expect(memory.buffer).toBe(slab)
    expect(memory.reserve(200)).toBe(0)
    expect(memory.buffer).not.toBe(slab)
  })
})
