/**
 * Capability matching (devp2p rlpx.md "Message ID-based multiplexing", go-ethereum's
 * `matchProtocols`): shared names sorted, the highest shared version per name, code
 * ranges from 0x10 upward each as long as the protocol's `length`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Cap } from '../src/base-protocol.js'
import { capString, matchProtocols } from '../src/caps.js'
import type { Protocol } from '../src/protocol.js'

const proto = (name: string, version: number, length: number): Protocol => ({
  name,
  version,
  length,
  run: async () => {},
})
const cap = (name: string, version: number): Cap => ({ name, version })

/** [name, version, offset] of each match, for readable expectations. */
const summary = (ours: readonly Protocol[], theirs: readonly Cap[]) =>
  matchProtocols(ours, theirs).map((m) => [m.protocol.name, m.protocol.version, m.offset])

describe('matchProtocols', () => {
  it('starts the first protocol at 0x10', () => {
    const eth = proto('eth', 68, 17)
    const matched = matchProtocols([eth], [cap('eth', 68)])
    expect(matched).toHaveLength(1)
    expect(matched[0]!.protocol).toBe(eth)
    expect(matched[0]!.offset).toBe(0x10)
  })

  it('sorts by name, whatever order either side lists them in', () => {
    const ours = [proto('snap', 1, 8), proto('eth', 68, 17), proto('les', 4, 24)]
    const theirs = [cap('les', 4), cap('snap', 1), cap('eth', 68)]
    // eth 0x10..0x20, les 0x21..0x38, snap 0x39..
    expect(summary(ours, theirs)).toEqual([
      ['eth', 68, 0x10],
      ['les', 4, 0x21],
      ['snap', 1, 0x39],
    ])
    expect(summary([...ours].reverse(), [...theirs].reverse())).toEqual(summary(ours, theirs))
  })

  it('takes the highest version both sides have, per name', () => {
    const ours = [
      proto('eth', 66, 17),
      proto('eth', 67, 17),
      proto('eth', 68, 17),
      proto('eth', 69, 18),
    ]
    const theirs = [cap('eth', 65), cap('eth', 66), cap('eth', 67), cap('eth', 68), cap('eth', 70)]
    const matched = matchProtocols(ours, theirs)
    expect(matched).toHaveLength(1)
    expect(matched[0]!.protocol).toBe(ours[2])
    expect(matched[0]!.offset).toBe(0x10)
  })

  it('picks the shared maximum even when each side has a higher unshared one', () => {
    const ours = [
      proto('snap', 1, 8),
      proto('snap', 2, 8),
      proto('eth', 67, 17),
      proto('eth', 68, 17),
    ]
    const theirs = [cap('eth', 67), cap('eth', 69), cap('snap', 1), cap('snap', 3)]
    expect(summary(ours, theirs)).toEqual([
      ['eth', 67, 0x10],
      ['snap', 1, 0x21],
    ])
  })

  it('accumulates three protocols of different lengths and versions', () => {
    const ours = [
      proto('zz', 3, 5),
      proto('zz', 2, 50),
      proto('aa', 1, 1),
      proto('aa', 9, 2),
      proto('mm', 7, 300),
      proto('mm', 8, 3),
    ]
    const theirs = [
      cap('mm', 7),
      cap('aa', 1),
      cap('zz', 2),
      cap('zz', 3),
      cap('aa', 9),
      cap('xx', 1),
    ]
    // aa/9 len 2 at 0x10, mm/7 len 300 at 0x12, zz/3 len 5 at 0x12 + 300 = 0x13e
    expect(summary(ours, theirs)).toEqual([
      ['aa', 9, 0x10],
      ['mm', 7, 0x12],
      ['zz', 3, 0x13e],
    ])
  })

  it('sorts names by code unit (byte order for ASCII), not by locale', () => {
    const ours = [proto('b', 1, 1), proto('a', 1, 1), proto('B', 1, 1), proto('ab', 1, 1)]
    const theirs = [cap('a', 1), cap('ab', 1), cap('b', 1), cap('B', 1)]
    expect(summary(ours, theirs)).toEqual([
      ['B', 1, 0x10],
      ['a', 1, 0x11],
      ['ab', 1, 0x12],
      ['b', 1, 0x13],
    ])
  })

  it('returns [] without overlap', () => {
    expect(matchProtocols([proto('eth', 68, 17)], [cap('eth', 67), cap('snap', 68)])).toEqual([])
    expect(matchProtocols([proto('eth', 68, 17)], [])).toEqual([])
    expect(matchProtocols([], [cap('eth', 68)])).toEqual([])
  })

  it('ignores duplicate caps on their side', () => {
    expect(
      summary(
        [proto('eth', 68, 17), proto('snap', 1, 8)],
        [cap('eth', 68), cap('eth', 68), cap('snap', 1)],
      ),
    ).toEqual([
      ['eth', 68, 0x10],
      ['snap', 1, 0x21],
    ])
  })

  it('agrees with a naive reference on random cap sets', () => {
    const nameArb = fc.constantFrom('eth', 'snap', 'les', 'wit', 'bzz', 'a', 'ab', 'B')
    const versionArb = fc.integer({ min: 0, max: 6 })
    const oursArb = fc
      .uniqueArray(fc.tuple(nameArb, versionArb, fc.integer({ min: 1, max: 40 })), {
        selector: ([n, v]) => `${n}/${v}`,
        maxLength: 20,
      })
      .map((list) => list.map(([n, v, l]) => proto(n, v, l)))
    const theirsArb = fc
      .array(fc.tuple(nameArb, versionArb), { maxLength: 20 })
      .map((list) => list.map(([n, v]) => cap(n, v)))

    fc.assert(
      fc.property(oursArb, theirsArb, (ours, theirs) => {
        const matched = matchProtocols(ours, theirs)

        // naive reference: every shared name, its max shared version, sorted, offsets summed
        const shared = ours.filter((p) =>
          theirs.some((c) => c.name === p.name && c.version === p.version),
        )
        const names = [...new Set(shared.map((p) => p.name))].sort((a, b) =>
          a < b ? -1 : a > b ? 1 : 0,
        )
        let offset = 0x10
        const expected = names.map((name) => {
          let best: Protocol | undefined
          for (const p of shared)
            if (p.name === name && (!best || p.version > best.version)) best = p
          const entry = { protocol: best!, offset }
          offset += best!.length
          return entry
        })
        expect(matched).toEqual(expected)

        // the structural properties, stated directly
        let next = 0x10
        for (let i = 0; i < matched.length; i++) {
          const m = matched[i]!
          expect(m.offset).toBe(next) // contiguous, non-overlapping, from 0x10
          next += m.protocol.length
          if (i > 0) expect(matched[i - 1]!.protocol.name < m.protocol.name).toBe(true) // sorted, unique
          expect(ours).toContain(m.protocol)
          expect(
            theirs.some((c) => c.name === m.protocol.name && c.version === m.protocol.version),
          ).toBe(true)
          for (const p of ours) {
            if (p.name !== m.protocol.name || p.version <= m.protocol.version) continue
            expect(theirs.some((c) => c.name === p.name && c.version === p.version)).toBe(false)
          }
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('capString', () => {
  it('prints name/version as geth does', () => {
    expect(capString(cap('eth', 68))).toBe('eth/68')
    expect(capString(cap('snap', 1))).toBe('snap/1')
  })
})
