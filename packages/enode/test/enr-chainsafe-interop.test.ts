/**
 * Differential tests against @chainsafe/enr, an independent ENR implementation: records
 * we create decode in theirs with the same fields and verify; records they create decode
 * in ours, verify, and encode to the same bytes.
 */

import { ENR, SignableENR } from '@chainsafe/enr'
import { generatePrivateKey } from '@devp2p/crypto'
import { decode } from '@devp2p/rlp'
import { hex } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Enr } from '../src/index.js'

// @chainsafe/enr reads and writes ports as exactly two bytes; geth and we write the
// minimal form, so ports below 256 differ on the wire (tested separately below).
const port = fc.option(fc.integer({ min: 256, max: 65535 }), { nil: undefined })
const content = fc.record({
  seq: fc.bigInt({ min: 1n, max: 2n ** 63n }),
  ip: fc.option(fc.ipV4(), { nil: undefined }),
  tcp: port,
  udp: port,
  // @chainsafe/enr misreads '::' standing for a single group and embedded IPv4 tails
  // ('::0:0:0:0:0:0:1' and '::0:0:0:0:0:0.0.0.1' both become '::'), so full forms and a
  // few ordinary compressed ones.
  ip6: fc.option(
    fc.oneof(
      fc.ipV6().filter((ip) => !ip.includes('.') && !ip.includes('::')),
      fc.constantFrom('2001:db8::1', '::1', 'fe80::1:2', '2a01:4f8:c2c:1234::1'),
    ),
    { nil: undefined },
  ),
  udp6: port,
  extra: fc.uint8Array({ maxLength: 16 }),
})

describe('@chainsafe/enr interop', () => {
  it('records we create decode in theirs with the same fields', () => {
    fc.assert(
      fc.property(content, (c) => {
        const privateKey = generatePrivateKey()
        const ours = Enr.create(privateKey, { ...c, entries: { eth: c.extra } })
        const theirs = ENR.decodeTxt(ours.encodeText()) // throws when the signature fails
        expect(theirs.seq).toBe(c.seq)
        expect(theirs.nodeId).toBe(hex(ours.nodeId))
        expect(theirs.ip).toBe(c.ip)
        expect(theirs.tcp).toBe(c.tcp)
        expect(theirs.udp).toBe(c.udp)
        expect(theirs.udp6).toBe(c.udp6)
        if (c.ip6 !== undefined) expect(theirs.ip6).toBe(ours.ip6)
        else expect(theirs.ip6).toBeUndefined()
        expect(hex(theirs.kvs.get('eth')!)).toBe(hex(c.extra))
        expect(hex(theirs.encode())).toBe(hex(ours.encode()))
      }),
      { numRuns: 50 },
    )
  })

  it('records they create decode and verify in ours', () => {
    fc.assert(
      fc.property(content, (c) => {
        const privateKey = generatePrivateKey()
        const theirs = SignableENR.createV4(privateKey)
        if (c.ip !== undefined) theirs.ip = c.ip
        if (c.tcp !== undefined) theirs.tcp = c.tcp
        if (c.udp !== undefined) theirs.udp = c.udp
        if (c.ip6 !== undefined) theirs.ip6 = c.ip6
        if (c.udp6 !== undefined) theirs.udp6 = c.udp6
        theirs.set('eth', c.extra)
        const text = theirs.encodeTxt()
        const ours = Enr.decodeText(text)
        expect(ours.seq).toBe(theirs.seq)
        expect(hex(ours.nodeId)).toBe(theirs.nodeId)
        expect(ours.ip).toBe(theirs.ip)
        expect(ours.tcp).toBe(theirs.tcp)
        expect(ours.udp).toBe(theirs.udp)
        expect(ours.ip6).toBe(theirs.ip6 === undefined ? undefined : ours.ip6)
        expect(ours.udp6).toBe(theirs.udp6)
        expect(hex(ours.get('eth') as Uint8Array)).toBe(hex(c.extra))
        expect(ours.encodeText()).toBe(text)
        // Same content and key: the same signed content. (Their signatures are valid
        // but not RFC 6979 deterministic, so only the content is compared.)
        const mine = Enr.create(privateKey, {
          seq: theirs.seq,
          ip: c.ip,
          tcp: c.tcp,
          udp: c.udp,
          ip6: c.ip6,
          udp6: c.udp6,
          entries: { eth: c.extra },
        })
        const content = (bytes: Uint8Array) => (decode(bytes) as Uint8Array[]).slice(1)
        expect(content(mine.encode())).toEqual(content(ours.encode()))
      }),
      { numRuns: 50 },
    )
  })

  it('reads their two-byte encoding of ports below 256', () => {
    const theirs = SignableENR.createV4(generatePrivateKey())
    theirs.ip = '10.0.0.1'
    theirs.tcp = 0
    theirs.udp = 5
    const ours = Enr.decodeText(theirs.encodeTxt())
    expect(ours.get('udp')).toEqual(Uint8Array.of(0, 5))
    expect(ours.udp).toBe(5)
    expect(ours.tcp).toBe(0)
  })
})
