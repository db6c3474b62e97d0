import { keccak_256 as nobleKeccak256, keccakP as noblePermute } from '@noble/hashes/sha3.js'
import { keccak256 as ecKeccak256 } from 'ethereum-cryptography/keccak.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type KeccakStateImpl, wasmKeccak } from '../src/keccak-backend.js'
import {
  DATA_BYTES,
  instantiateKeccakWasm,
  keccakModuleBytes,
  RATE_BYTES,
  STATE_BYTES,
} from '../src/keccak-wasm.js'
import { hex, utf8 } from './support.js'

// The `wasm` backend's running states run on this package's own keccak-f[1600] module
// (src/keccak-wasm.ts). These tests check the module and those states directly, against
// published answers and two independent implementations (@noble/hashes and
// ethereum-cryptography, which is @noble v1).

const newState = (): KeccakStateImpl => wasmKeccak!.createState()
const sponge = await instantiateKeccakWasm()
const memory = new Uint8Array(sponge.memory.buffer)

/** A reproducible byte string, not all zero. */
function bytes(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 167 + seed * 29 + 11) & 0xff)
}

/** keccak256 of `data` through one fresh state fed in the given pieces. */
function hashInPieces(pieces: Uint8Array[]): string {
  const state = newState()
  for (const piece of pieces) state.update(piece)
  return hex(state.digest())
}

describe('keccak-f[1600] WebAssembly module', () => {
  it('is a valid WebAssembly module', () => {
    const api = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } })
      .WebAssembly
    expect(api?.validate(keccakModuleBytes())).toBe(true)
  })

  it('permute() equals @noble/hashes keccakP on the zero state and random states', () => {
    const check = (words: Uint32Array): void => {
      const expected = words.slice()
      noblePermute(expected)
      memory.set(new Uint8Array(words.buffer, words.byteOffset, STATE_BYTES), 0)
      sponge.permute(0)
      // keccakP's word order is the little-endian lane layout, as in our memory.
      expect(hex(memory.subarray(0, STATE_BYTES))).toBe(hex(new Uint8Array(expected.buffer)))
    }
    check(new Uint32Array(50))
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 50, maxLength: 50 }), (words) => check(words)),
      { numRuns: 100 },
    )
  })

  it('permute() of the zero state gives the published first lane of Keccak-f[1600]', () => {
    memory.fill(0, 0, STATE_BYTES)
    sponge.permute(0)
    // Keccak team, KeccakF-1600-IntermediateValues.txt: lane [0, 0] after one permutation
    // of the all-zero state is 0xF1258F7940E1DDE7 (little-endian in memory).
    expect(hex(memory.subarray(0, 8))).toBe('e7dde140798f25f1')
  })
})

describe('running keccak256 states of the wasm backend', () => {
  it('known answers (Keccak-256 as Ethereum uses it, not SHA3-256)', () => {
    const known: [Uint8Array, string][] = [
      [new Uint8Array(0), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
      [utf8('abc'), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
      [utf8('hello world'), '47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad'],
      [
        utf8('The quick brown fox jumps over the lazy dog'),
        '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15',
      ],
    ]
    for (const [data, digest] of known) expect(hashInPieces([data])).toBe(digest)
  })

  it('200-byte and multi-block inputs, around every block edge, agree with both oracles', () => {
    const lengths = [1, 7, 8, 9, 31, 32, 33, 134, 135, 136, 137, 200, 271, 272, 273, 408, 1000]
    for (const length of lengths) {
      const data = bytes(length)
      const expected = hex(nobleKeccak256(data))
      expect(hex(ecKeccak256(data)), `oracles agree, length ${length}`).toBe(expected)
      expect(hashInPieces([data]), `length ${length}`).toBe(expected)
    }
    const a3 = new Uint8Array(200).fill(0xa3) // the 1600-bit message of the Keccak KATs
    expect(hashInPieces([a3])).toBe(hex(nobleKeccak256(a3)))
  })

  it('every split point of a 3-block input gives the one-shot digest', () => {
    const data = bytes(3 * RATE_BYTES + 20)
    const expected = hex(nobleKeccak256(data))
    for (let at = 0; at <= data.length; at++) {
      expect(hashInPieces([data.subarray(0, at), data.subarray(at)]), `split at ${at}`).toBe(
        expected,
      )
    }
  })

  it('any split into updates, of views at any offset, gives the one-shot digest', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
          const pieces: Uint8Array[] = []
          let from = 0
          for (const point of [...points, data.length]) {
            // a copy with a leading byte, so the piece is a view at an odd offset
            const padded = new Uint8Array(point - from + 1)
            padded.set(data.subarray(from, point), 1)
            pieces.push(padded.subarray(1))
            from = point
          }
          expect(hashInPieces(pieces)).toBe(hex(nobleKeccak256(data)))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('updates larger than the module input buffer, from aligned and unaligned positions', () => {
    for (const head of [0, 5, 8, 135]) {
      for (const length of [DATA_BYTES - 1, DATA_BYTES, DATA_BYTES + 1, 3 * DATA_BYTES + 77]) {
        const prefix = bytes(head, 2)
        const data = bytes(length, 3)
        const whole = new Uint8Array(head + length)
        whole.set(prefix)
        whole.set(data, head)
        expect(hashInPieces([prefix, data]), `${head} then ${length}`).toBe(
          hex(nobleKeccak256(whole)),
        )
      }
    }
  })

  it('digest() does not finalise: updating after it continues the same hash', () => {
    const state = newState()
    const data = bytes(2 * RATE_BYTES + 50)
    for (let at = 0; at < data.length; at += 17) {
      const piece = data.subarray(at, at + 17)
      state.update(piece)
      const prefix = data.subarray(0, at + piece.length)
      expect(hex(state.digest())).toBe(hex(nobleKeccak256(prefix)))
      expect(hex(state.digest()), 'twice in a row').toBe(hex(nobleKeccak256(prefix)))
    }
  })

  it('returns a new array the caller owns', () => {
    const state = newState().clone()
    const first = state.digest()
    first.fill(0)
    expect(hex(state.digest())).toBe(hex(nobleKeccak256(new Uint8Array(0))))
  })

  it('copies are independent of each other and of the original, whichever is used last', () => {
    const original = newState()
    original.update(utf8('prefix '))
    const copy = original.clone()
    copy.update(utf8('copy'))
    const copyOfCopy = copy.clone()
    original.update(utf8('original'))
    copyOfCopy.update(utf8(' again'))
    expect(hex(original.digest())).toBe(hex(nobleKeccak256(utf8('prefix original'))))
    expect(hex(copy.digest())).toBe(hex(nobleKeccak256(utf8('prefix copy'))))
    expect(hex(copyOfCopy.digest())).toBe(hex(nobleKeccak256(utf8('prefix copy again'))))
    // a clone taken right after an update (while the original's sponge is in the module)
    original.update(utf8('!'))
    const late = original.clone()
    original.update(utf8('?'))
    expect(hex(late.digest())).toBe(hex(nobleKeccak256(utf8('prefix original!'))))
    expect(hex(original.digest())).toBe(hex(nobleKeccak256(utf8('prefix original!?'))))
  })

  it('interleaved states (as RLPx ingress and egress MACs are) never disturb each other', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.uint8Array({ maxLength: 300 }), fc.boolean()), {
          maxLength: 40,
        }),
        (steps) => {
          const states = [newState(), newState(), newState(), newState()]
          const fed: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]
          fed.push(new Uint8Array(0))
          for (const [i, data, peek] of steps) {
            states[i]!.update(data)
            fed[i] = Uint8Array.from([...fed[i]!, ...data])
            if (peek) expect(hex(states[i]!.digest())).toBe(hex(nobleKeccak256(fed[i]!)))
          }
          for (let i = 0; i < states.length; i++) {
            expect(hex(states[i]!.digest())).toBe(hex(nobleKeccak256(fed[i]!)))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
