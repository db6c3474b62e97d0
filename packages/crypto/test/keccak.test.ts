import { keccak256 as ecKeccak256 } from 'ethereum-cryptography/keccak.js'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cryptoBackends, KeccakState, keccak256, useBackend } from '../src/index.js'
import { concat, hex, utf8 } from './support.js'

const initial = cryptoBackends()
afterAll(() => useBackend({ keccak: initial.keccak }))

describe.each(['wasm', 'noble'] as const)('keccak256 with the %s backend', (backend) => {
  beforeAll(() => useBackend({ keccak: backend }))

  it('is the backend in use', () => {
    expect(cryptoBackends().keccak).toBe(backend)
    expect(new KeccakState().backend).toBe(backend)
  })

  it("known answers: '' and 'abc' (Keccak-256, not SHA3-256)", () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    expect(hex(keccak256(utf8('abc')))).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
  })

  it('agrees with ethereum-cryptography (an independent implementation) on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(hex(keccak256(data))).toBe(hex(ecKeccak256(data)))
      }),
      { numRuns: 200 },
    )
  })

  it('hashes a view, not its whole buffer, and returns a fresh 32-byte array', () => {
    const buf = utf8('xxabcxx')
    const out = keccak256(buf.subarray(2, 5))
    expect(hex(out)).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
    expect(out.length).toBe(32)
    expect(out).not.toBe(keccak256(buf.subarray(2, 5)))
  })

  it('throws TypeError for non-bytes', () => {
    expect(() => keccak256('abc' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => new KeccakState().update([1, 2] as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('KeccakState: empty digest is keccak256(""), and digest() peeks without finalising', () => {
    const state = new KeccakState()
    expect(hex(state.digest())).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    state.update(utf8('a'))
    const first = state.digest()
    expect(hex(state.digest())).toBe(hex(first))
    state.update(utf8('bc'))
    expect(hex(state.digest())).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
  })

  it('KeccakState.digestInto writes the digest at an offset, leaves the rest and the state alone', () => {
    const state = new KeccakState().update(utf8('abc'))
    const out = new Uint8Array(40).fill(0xee)
    state.digestInto(out, 5)
    expect(hex(out.subarray(5, 37))).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
    expect([...out.subarray(0, 5), ...out.subarray(37)].every((b) => b === 0xee)).toBe(true)
    // the state goes on, as after digest()
    state.update(utf8('d'))
    state.digestInto(out)
    expect(hex(out.subarray(0, 32))).toBe(hex(ecKeccak256(utf8('abcd'))))
    expect(() => state.digestInto(out, 9)).toThrow(RangeError)
    expect(() => state.digestInto(new Uint8Array(31))).toThrow(RangeError)
    expect(() => state.digestInto([] as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('KeccakState: any split into updates gives keccak256 of the concatenation, at every step', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), (chunks) => {
        const state = new KeccakState()
        let soFar: Uint8Array = new Uint8Array(0)
        for (const chunk of chunks) {
          expect(state.update(chunk)).toBe(state)
          soFar = concat(soFar, chunk)
          expect(hex(state.digest())).toBe(hex(ecKeccak256(soFar)))
        }
      }),
      { numRuns: 100 },
    )
  })

  it('KeccakState: clones are independent, and many interleaved states do not disturb each other', () => {
    const a = new KeccakState().update(utf8('shared prefix '))
    const b = a.clone()
    a.update(utf8('for a'))
    b.update(utf8('for b'))
    const c = b.clone().update(utf8(' and c'))
    expect(hex(a.digest())).toBe(hex(ecKeccak256(utf8('shared prefix for a'))))
    expect(hex(b.digest())).toBe(hex(ecKeccak256(utf8('shared prefix for b'))))
    expect(hex(c.digest())).toBe(hex(ecKeccak256(utf8('shared prefix for b and c'))))
    // One-shot hashes in between must not touch any state.
    keccak256(utf8('noise'))
    a.update(utf8('!'))
    expect(hex(a.digest())).toBe(hex(ecKeccak256(utf8('shared prefix for a!'))))
    expect(hex(b.digest())).toBe(hex(ecKeccak256(utf8('shared prefix for b'))))
  })

  it('KeccakState: any interleaving of updates, digests, clones and one-shot hashes across states matches a model', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('update' as const),
        at: fc.nat(),
        data: fc.uint8Array({ maxLength: 300 }),
      }),
      fc.record({ kind: fc.constant('digest' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('clone' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('hash' as const), data: fc.uint8Array({ maxLength: 40 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const states = [new KeccakState(), new KeccakState()]
        const model: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)]
        for (const o of ops) {
          if (o.kind === 'hash') {
            expect(hex(keccak256(o.data))).toBe(hex(ecKeccak256(o.data)))
            continue
          }
          const i = o.at % states.length
          if (o.kind === 'update') {
            states[i]!.update(o.data)
            model[i] = concat(model[i]!, o.data)
          } else if (o.kind === 'clone') {
            states.push(states[i]!.clone())
            model.push(model[i]!)
          } else {
            const d = states[i]!.digest()
            expect(hex(d)).toBe(hex(ecKeccak256(model[i]!)))
            d.fill(0) // the caller owns it: must not affect later digests
          }
        }
        for (let i = 0; i < states.length; i++) {
          expect(hex(states[i]!.digest())).toBe(hex(ecKeccak256(model[i]!)))
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('KeccakState memory with the wasm backend', () => {
  beforeAll(() => useBackend({ keccak: 'wasm' }))

  it('states share one WASM memory: 200 states add far less than 200 × 128 KiB of external memory', () => {
    const before = process.memoryUsage().external
    const states = Array.from({ length: 200 }, (_, i) => new KeccakState().update(Uint8Array.of(i)))
    const grown = process.memoryUsage().external - before
    expect(states.every((s) => s.backend === 'wasm')).toBe(true)
    // One hash-wasm hasher per state would add 25 MiB; each state keeps a 200-byte sponge.
    expect(grown).toBeLessThan(2 * 1024 * 1024)
    expect(hex(states[7]!.digest())).toBe(hex(ecKeccak256(Uint8Array.of(7))))
  })
})
