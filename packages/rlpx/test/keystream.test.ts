import { createCipheriv, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameMemory } from '../src/frame-memory.js'
import { Keystream } from '../src/keystream.js'

/** AES-256-CTR of `data` with IV zero in one call: the reference for any split of it. */
function oneCall(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createCipheriv('aes-256-ctr', key, new Uint8Array(16)).update(data)
}

describe('Keystream', () => {
  it('any split of the input into whole blocks, in frame memory, equals one AES-CTR pass', () => {
    fc.assert(
      fc.property(
        // block counts across every path: short runs from the buffered key stream (which
        // starts at 256 bytes and doubles to 16 KiB), runs of 2 KiB or more straight through
        // the cipher once the buffer is used up, and runs longer than the buffer
        fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 100, max: 1300 })), {
          minLength: 1,
          maxLength: 24,
        }),
        (blocks) => {
          const key = randomBytes(32)
          const lengths = blocks.map((b) => 16 * b)
          const total = lengths.reduce((a, b) => a + b, 0)
          const plain = new Uint8Array(randomBytes(total))
          const expected = oneCall(key, plain)
          const stream = new Keystream(key)
          const memory = new FrameMemory(8192)
          const got = new Uint8Array(total)
          let done = 0
          for (const n of lengths) {
            const at = memory.reserve(n)
            memory.bytes.set(plain.subarray(done, done + n), at)
            stream.apply(memory.bytes, memory.words, at, at + n)
            got.set(memory.bytes.subarray(at, at + n), done)
            done += n
          }
          expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('twins (the two directions of one connection) each give one AES-CTR pass, in any interleaving', () => {
    fc.assert(
      fc.property(
        // runs for either twin, in order: which twin, and how many blocks (short runs, and
        // runs long enough to go straight through the cipher, first or later)
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 128, max: 300 })),
          ),
          { minLength: 1, maxLength: 16 },
        ),
        fc.boolean(),
        (runs, throughFirst) => {
          const key = randomBytes(32)
          const total = [0, 0]
          for (const [second, blocks] of runs) total[second ? 1 : 0]! += 16 * blocks
          const plains = total.map((n) => new Uint8Array(randomBytes(n)))
          const first = new Keystream(key)
          const streams = [first, first.twin()]
          const got = total.map((n) => new Uint8Array(n))
          const done = [0, 0]
          const memory = new FrameMemory(8192)
          for (const [second, blocks] of runs) {
            const i = second ? 1 : 0
            const n = 16 * blocks
            const input = plains[i]!.subarray(done[i], done[i]! + n)
            const through = throughFirst ? streams[i]!.throughCipher(input) : undefined
            if (through !== undefined) got[i]!.set(through, done[i])
            else {
              const at = memory.reserve(n)
              memory.bytes.set(input, at)
              streams[i]!.apply(memory.bytes, memory.words, at, at + n)
              got[i]!.set(memory.bytes.subarray(at, at + n), done[i])
            }
            done[i]! += n
          }
          for (const i of [0, 1]) {
            const expected = oneCall(key, plains[i]!)
            expect(Buffer.from(got[i]!).equals(Buffer.from(expected))).toBe(true)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a twin is made before either key stream is used', () => {
    const stream = new Keystream(randomBytes(32))
    const memory = new FrameMemory(8192)
    const at = memory.reserve(16)
    stream.apply(memory.bytes, memory.words, at, at + 16)
    expect(() => stream.twin()).toThrow(/already in use/)
  })

  it('throughCipher takes only long runs, and only when nothing is buffered', () => {
    const key = randomBytes(32)
    const plain = new Uint8Array(randomBytes(16 + 4096))
    const expected = oneCall(key, plain)
    const stream = new Keystream(key)
    const memory = new FrameMemory(8192)
    // short: not through the cipher
    expect(stream.throughCipher(plain.subarray(0, 16))).toBeUndefined()
    const at = memory.reserve(16)
    memory.bytes.set(plain.subarray(0, 16), at)
    stream.apply(memory.bytes, memory.words, at, at + 16)
    // long, but 240 bytes of key stream are still buffered
    expect(stream.throughCipher(plain.subarray(16))).toBeUndefined()
    const at2 = memory.reserve(240)
    memory.bytes.set(plain.subarray(16, 256), at2)
    stream.apply(memory.bytes, memory.words, at2, at2 + 240)
    const rest = plain.subarray(256)
    const copy = rest.slice()
    const out = stream.throughCipher(rest)
    expect(out).toBeDefined()
    expect(rest).toEqual(copy) // the input is left alone
    expect(Buffer.from(out!).equals(Buffer.from(expected.subarray(256)))).toBe(true)
  })

  it('refuses a run that is not whole blocks of word-aligned memory', () => {
    const stream = new Keystream(randomBytes(32))
    const memory = new FrameMemory(8192)
    const at = memory.reserve(64)
    expect(() => stream.apply(memory.bytes, memory.words, at + 4, at + 20)).toThrow(/whole aligned/)
    expect(() => stream.apply(memory.bytes, memory.words, at, at + 20)).toThrow(/whole aligned/)
    const view = new Uint8Array(memory.buffer, 16)
    expect(() => stream.apply(view, memory.words, 0, 16)).toThrow(/whole aligned/)
  })

  it('cannot be used after wipe(), so a wiped stream never encrypts out of step', () => {
    const stream = new Keystream(randomBytes(32))
    const memory = new FrameMemory(8192)
    const at = memory.reserve(4096)
    stream.apply(memory.bytes, memory.words, at, at + 16) // draws key stream ahead
    stream.wipe()
    stream.wipe() // idempotent
    expect(() => stream.apply(memory.bytes, memory.words, at, at + 16)).toThrow(/after wipe/)
    expect(() => stream.apply(memory.bytes, memory.words, at, at + 4096)).toThrow(/after wipe/)
    expect(stream.throughCipher(new Uint8Array(4096))).toBeUndefined()
  })
})
