/** Random and mutated bytes into the envelope openers: `undefined`, never an exception. */
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { openAsym, openSym, sealAsym, sealSym } from '../../src/envelope/index.js'
import { decodeInner, encodeInner } from '../../src/envelope/inner.js'

const bob = generatePrivateKey()
const bobPub = publicKeyFromPrivate(bob)
const alice = generatePrivateKey()
const key = randomBytes(32)
const topic = Uint8Array.of(7, 7, 7, 7)

const mutation = fc.record({
  at: fc.nat(),
  insert: fc.uint8Array({ maxLength: 4 }),
  drop: fc.nat({ max: 4 }),
})

function mutate(bytes: Uint8Array, m: { at: number; insert: Uint8Array; drop: number }) {
  const at = m.at % (bytes.length + 1)
  return Uint8Array.of(...bytes.subarray(0, at), ...m.insert, ...bytes.subarray(at + m.drop))
}

describe('envelope property tests', () => {
  it('random bytes never open and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(openAsym(bob, topic, bytes)).toBeUndefined()
        expect(openSym(key, topic, bytes)).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })

  it('random bytes after a valid ECIES point and a valid hint still never open', () => {
    const real = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload: Uint8Array.of(1) })
    const sym = sealSym({ time: 0, key, topic, payload: Uint8Array.of(1) })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (tail) => {
        expect(
          openAsym(bob, topic, Uint8Array.of(...real.subarray(0, 65), ...tail)),
        ).toBeUndefined()
        expect(openSym(key, topic, Uint8Array.of(...sym.subarray(0, 20), ...tail))).toBeUndefined()
      }),
      { numRuns: 200 },
    )
  })

  it('round-trips any payload, and a mutated envelope never opens', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        mutation,
        (payload, signed, m) => {
          const a = sealAsym({ time: 0, to: bobPub, signer: alice, topic, payload })
          expect(openAsym(bob, topic, a)?.payload).toEqual(payload)
          const s = sealSym({ time: 0, key, topic, payload, signer: signed ? alice : undefined })
          expect(openSym(key, topic, s)?.payload).toEqual(payload)
          if (m.insert.length === 0 && m.drop === 0) return
          const badA = mutate(a, m)
          const badS = mutate(s, m)
          if (!badA.every((b, i) => b === a[i]) || badA.length !== a.length)
            expect(openAsym(bob, topic, badA)).toBeUndefined()
          if (!badS.every((b, i) => b === s[i]) || badS.length !== s.length)
            expect(openSym(key, topic, badS)).toBeUndefined()
        },
      ),
      { numRuns: 100 },
    )
  })

  it('the inner decoder round-trips and never throws on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.uint8Array({ minLength: 97, maxLength: 97 })),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (payload, sig, time, id) => {
          const decoded = decodeInner(
            encodeInner({ time, id }, payload, sig ?? undefined, undefined),
          )
          expect(decoded?.payload).toEqual(payload)
          expect(decoded?.signer).toEqual(sig ?? undefined)
          expect(decoded?.stamp).toEqual({ time, id })
        },
      ),
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeInner(bytes)
        if (decoded) expect(decoded.payload.length).toBeLessThanOrEqual(bytes.length)
      }),
    )
  })
})
