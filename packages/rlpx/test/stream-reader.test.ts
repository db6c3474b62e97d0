import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RlpxError } from '../src/errors.js'
import { StreamReader } from '../src/stream-reader.js'

describe('StreamReader', () => {
  it('reads any sequence of sizes exactly, however the bytes arrive in chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 }),
        async (reads, chunkSizes) => {
          const total = reads.reduce((a, b) => a + b, 0)
          const data = new Uint8Array(randomBytes(total))
          const stream = new PassThrough()
          const reader = new StreamReader(stream)
          // the writer cuts the same bytes at other places, one chunk per tick
          void (async () => {
            let at = 0
            for (let i = 0; at < total; i++) {
              const n = chunkSizes[i % chunkSizes.length]!
              stream.write(data.slice(at, at + n))
              at += n
              await new Promise((r) => setImmediate(r))
            }
          })()
          let at = 0
          for (const n of reads) {
            const got = await reader.readExactly(n, true)
            expect(got.length).toBe(n)
            expect(Buffer.from(got).equals(Buffer.from(data.subarray(at, at + n)))).toBe(true)
            at += n
          }
          reader.detach()
          stream.destroy()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('serves reads from what it holds without waiting, and says null when short', () => {
    const stream = new PassThrough()
    const reader = new StreamReader(stream)
    stream.write(Uint8Array.of(1, 2, 3, 4, 5))
    expect(reader.tryRead(0, true)).toEqual(new Uint8Array(0))
    expect(reader.tryRead(2, true)).toEqual(Uint8Array.of(1, 2))
    expect(reader.tryRead(4, true)).toBeNull()
    stream.write(Uint8Array.of(6))
    expect(reader.tryRead(4, true)).toEqual(Uint8Array.of(3, 4, 5, 6))
    expect(reader.tryRead(1, true)).toBeNull()
  })

  it('tells a clean close at a boundary from a cut inside a read', async () => {
    const clean = new PassThrough()
    const a = new StreamReader(clean)
    clean.end(Uint8Array.of(1, 2))
    expect(await a.readExactly(2, true)).toEqual(Uint8Array.of(1, 2))
    await expect(a.readExactly(2, true)).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })

    const cut = new PassThrough()
    const b = new StreamReader(cut)
    cut.end(Uint8Array.of(1, 2, 3))
    await expect(b.readExactly(4, true)).rejects.toMatchObject({ code: 'UNEXPECTED_EOF' })
    const mid = new PassThrough()
    const c = new StreamReader(mid)
    mid.end()
    await expect(c.readExactly(4, false)).rejects.toBeInstanceOf(RlpxError)
  })
})
