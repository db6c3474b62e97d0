/**
 * NetList (CIDR whitelists, geth's netutil.Netlist), isLan and isLoopback: hand-written
 * cases from the definitions, invalid input, and property tests against a naive
 * bit-by-bit reference written here.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkRelayIp, isLan, isLoopback, isSpecialNetwork, NetList } from '../src/netutil.js'

describe('NetList.parse', () => {
  it('parses IPv4 and IPv6 networks into canonical text', () => {
    const list = NetList.parse('10.0.0.0/8,fe80::/10,127.0.0.1/32')
    expect(list.size).toBe(3)
    expect(list.toString()).toBe('10.0.0.0/8, fe80::/10, 127.0.0.1/32')
  })

  it('trims whitespace and ignores empty entries', () => {
    const list = NetList.parse(' 10.0.0.0/8 ,, \tfe80::/10 , ,')
    expect(list.size).toBe(2)
    expect(list.toString()).toBe('10.0.0.0/8, fe80::/10')
    expect(NetList.parse('').size).toBe(0)
    expect(NetList.parse(' , ').size).toBe(0)
    expect(NetList.parse([]).size).toBe(0)
  })

  it('accepts an array, whose elements may themselves be comma lists', () => {
    const list = NetList.parse(['10.0.0.0/8', ' 192.168.0.0/16 ', 'fc00::/7, ::1/128', ''])
    expect(list.toString()).toBe('10.0.0.0/8, 192.168.0.0/16, fc00::/7, ::1/128')
  })

  it('masks host bits, as geth does', () => {
    expect(NetList.parse('10.1.2.3/8').toString()).toBe('10.0.0.0/8')
    expect(NetList.parse('192.168.1.77/30').toString()).toBe('192.168.1.76/30')
    expect(NetList.parse('172.31.255.255/12').toString()).toBe('172.16.0.0/12')
    expect(NetList.parse('1.2.3.4/0').toString()).toBe('0.0.0.0/0')
    expect(NetList.parse('fe80::1234/10').toString()).toBe('fe80::/10')
    expect(NetList.parse('fdff:ffff::1/7').toString()).toBe('fc00::/7')
    expect(NetList.parse('2001:db8:aaaa:bbbb::1/33').toString()).toBe('2001:db8:8000::/33')
    expect(NetList.parse('ffff::/0').toString()).toBe('::/0')
  })

  it('writes IPv6 networks in canonical lowercase form', () => {
    expect(NetList.parse('2001:0DB8:0000:0000:0000:0000:0000:0001/128').toString()).toBe(
      '2001:db8::1/128',
    )
    expect(NetList.parse('0:0:0:0:0:0:0:1/128').toString()).toBe('::1/128')
  })

  it('turns IPv4-mapped networks with a prefix of at least 96 into IPv4 networks', () => {
    expect(NetList.parse('::ffff:10.0.0.0/104').toString()).toBe('10.0.0.0/8')
    expect(NetList.parse('::ffff:0a01:0203/128').toString()).toBe('10.1.2.3/32')
    expect(NetList.parse('::ffff:0:0/96').toString()).toBe('0.0.0.0/0')
    // Below 96 the mask eats into ::ffff:, so it is an ordinary IPv6 network (as in Go).
    expect(NetList.parse('::ffff:10.0.0.0/80').toString()).toBe('::/80')
    expect(NetList.parse('::ffff:10.0.0.0/88').toString()).toBe('::ff00:0:0/88')
  })

  it('refuses invalid entries with a TypeError naming the entry', () => {
    const bad = [
      '10.0.0.0', // missing prefix
      'fe80::', // missing prefix
      '10.0.0.0/', // empty prefix
      '/8', // no address
      '10.0.0.0/33',
      '::/129',
      '::ffff:10.0.0.0/129',
      '10.0.0.0/-1',
      '10.0.0.0/+8',
      '10.0.0.0/08', // leading zero
      '10.0.0.0/8.0',
      '10.0.0.0/0x8',
      '10.0.0.0/ 8',
      '10.0.0.0 /8',
      '10.0.0.0/8/8',
      '10.0.0/8',
      '10.0.0.256/8',
      '010.0.0.0/8',
      'foo/8',
      'fe80::1%eth0/64',
      'fe80:::1/64',
      '1:2:3:4:5:6:7:8:9/64',
      'localhost/32',
    ]
    for (const entry of bad) {
      expect(() => NetList.parse(entry), entry).toThrow(TypeError)
      expect(() => NetList.parse(entry), entry).toThrow(JSON.stringify(entry))
      // A bad entry among good ones still fails, and is the one named.
      expect(() => NetList.parse(`10.0.0.0/8, ${entry}`), entry).toThrow(JSON.stringify(entry))
      expect(() => NetList.parse(['fe80::/10', entry]), entry).toThrow(TypeError)
    }
  })

  it('shortens very long bad entries in the message', () => {
    const long = `${'1'.repeat(10_000)}/8`
    expect(() => NetList.parse(long)).toThrow(TypeError)
    try {
      NetList.parse(long)
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200)
    }
  })

  it('refuses specs that are not strings or arrays of strings', () => {
    expect(() => NetList.parse(42 as unknown as string)).toThrow(TypeError)
    expect(() => NetList.parse(undefined as unknown as string)).toThrow(TypeError)
    expect(() => NetList.parse(['10.0.0.0/8', 7] as unknown as string[])).toThrow(TypeError)
  })
})

describe('NetList.contains', () => {
  it('matches IPv4 networks at the boundaries', () => {
    const list = NetList.parse('10.0.0.0/8, 172.16.0.0/12, 192.168.1.76/30')
    expect(list.contains('10.0.0.0')).toBe(true)
    expect(list.contains('10.255.255.255')).toBe(true)
    expect(list.contains('9.255.255.255')).toBe(false)
    expect(list.contains('11.0.0.0')).toBe(false)
    expect(list.contains('172.16.0.0')).toBe(true)
    expect(list.contains('172.31.255.255')).toBe(true)
    expect(list.contains('172.15.255.255')).toBe(false)
    expect(list.contains('172.32.0.0')).toBe(false)
    expect(list.contains('192.168.1.75')).toBe(false)
    expect(list.contains('192.168.1.76')).toBe(true)
    expect(list.contains('192.168.1.79')).toBe(true)
    expect(list.contains('192.168.1.80')).toBe(false)
  })

  it('matches /32 and /128 exactly', () => {
    const list = NetList.parse('127.0.0.1/32, 2001:db8::1/128')
    expect(list.contains('127.0.0.1')).toBe(true)
    expect(list.contains('127.0.0.2')).toBe(false)
    expect(list.contains('126.0.0.1')).toBe(false)
    expect(list.contains('2001:db8::1')).toBe(true)
    expect(list.contains('2001:DB8:0:0:0:0:0:1')).toBe(true)
    expect(list.contains('2001:db8::2')).toBe(false)
    expect(list.contains('2001:db8::1:1')).toBe(false)
  })

  it('matches every address of its family with prefix 0, and none of the other', () => {
    const v4 = NetList.parse('0.0.0.0/0')
    expect(v4.contains('0.0.0.0')).toBe(true)
    expect(v4.contains('255.255.255.255')).toBe(true)
    expect(v4.contains('::ffff:8.8.8.8')).toBe(true)
    expect(v4.contains('::1')).toBe(false)
    expect(v4.contains('::')).toBe(false)
    const v6 = NetList.parse('::/0')
    expect(v6.contains('::')).toBe(true)
    expect(v6.contains('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(v6.contains('1.2.3.4')).toBe(false)
    expect(v6.contains('::ffff:1.2.3.4')).toBe(false)
  })

  it('matches IPv6 networks at the boundaries', () => {
    const list = NetList.parse('fe80::/10, fc00::/7, 2001:db8:8000::/33')
    expect(list.contains('fe80::1')).toBe(true)
    expect(list.contains('febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(list.contains('fec0::')).toBe(false)
    expect(list.contains('fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false)
    expect(list.contains('fc00::')).toBe(true)
    expect(list.contains('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(list.contains('fe00::')).toBe(false)
    expect(list.contains('fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false)
    expect(list.contains('2001:db8:8000::')).toBe(true)
    expect(list.contains('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(list.contains('2001:db8:7fff:ffff:ffff:ffff:ffff:ffff')).toBe(false)
    expect(list.contains('2001:db9::')).toBe(false)
  })

  it('handles :: in the middle, at the start and at the end', () => {
    const list = NetList.parse('2001:db8::/32, ::/128, 1::/16')
    expect(list.contains('2001:db8::')).toBe(true)
    expect(list.contains('2001:db8:1:2:3:4:5:6')).toBe(true)
    expect(list.contains('::')).toBe(true)
    expect(list.contains('0:0:0:0:0:0:0:0')).toBe(true)
    expect(list.contains('::1')).toBe(false)
    expect(list.contains('1::ffff')).toBe(true)
    expect(list.contains('1:0:0:0:0:0:0:ffff')).toBe(true)
    expect(list.contains('2::')).toBe(false)
  })

  it('matches IPv4-mapped IPv6 addresses against IPv4 networks', () => {
    const list = NetList.parse('10.0.0.0/8')
    expect(list.contains('::ffff:10.1.2.3')).toBe(true)
    expect(list.contains('::FFFF:10.1.2.3')).toBe(true)
    expect(list.contains('::ffff:a01:203')).toBe(true) // 10.1.2.3 in hex
    expect(list.contains('0:0:0:0:0:ffff:10.1.2.3')).toBe(true)
    expect(list.contains('::ffff:11.1.2.3')).toBe(false)
    // Not mapped: IPv4-compatible (deprecated) and NAT64 forms stay IPv6.
    expect(list.contains('::10.1.2.3')).toBe(false)
    expect(list.contains('64:ff9b::10.1.2.3')).toBe(false)
    // A mapped network with a prefix of at least 96 matches plain IPv4 addresses too.
    const mapped = NetList.parse('::ffff:10.0.0.0/104')
    expect(mapped.contains('10.200.0.1')).toBe(true)
    expect(mapped.contains('::ffff:10.200.0.1')).toBe(true)
    expect(mapped.contains('11.0.0.1')).toBe(false)
  })

  it('is false for an empty list and for anything that is not an address', () => {
    expect(NetList.parse('').contains('10.0.0.1')).toBe(false)
    expect(NetList.parse('').contains('::1')).toBe(false)
    const all = NetList.parse('0.0.0.0/0, ::/0')
    for (const text of [
      '',
      ' ',
      'garbage',
      'localhost',
      '10.0.0.256',
      '10.0.0',
      '010.0.0.1',
      ' 10.0.0.1',
      '10.0.0.1 ',
      '10.0.0.1/8',
      '::/0',
      'fe80::1%eth0',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      '[::1]',
    ]) {
      expect(all.contains(text), text).toBe(false)
    }
  })
})

describe('isLan and isLoopback', () => {
  it('classifies addresses as geth netutil.IsLAN does', () => {
    const lan = [
      '127.0.0.1',
      '127.255.255.254',
      '::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '0.255.255.255',
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '192.168.255.255',
      '::ffff:192.168.1.1',
      '::ffff:10.0.0.1',
      'fe80::1',
      'febf::1',
      'fc00::1',
      'fd12:3456:789a::1',
    ]
    const notLan = [
      '1.0.0.0',
      '8.8.8.8',
      '9.255.255.255',
      '11.0.0.0',
      '172.15.255.255',
      '172.32.0.1',
      '192.167.255.255',
      '192.169.0.1',
      '169.254.1.1', // IPv4 link-local is not in geth's list
      '100.64.0.1', // nor is CGNAT
      '128.0.0.1',
      '255.255.255.255',
      '::ffff:8.8.8.8',
      '::', // unspecified IPv6
      '::2',
      'fec0::1',
      'fe00::1',
      'fbff::1',
      '2001:db8::1',
      '2a00:1450:4001:80b::200e',
    ]
    for (const ip of lan) expect(isLan(ip), ip).toBe(true)
    for (const ip of notLan) expect(isLan(ip), ip).toBe(false)
  })

  it('recognises loopback addresses', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(ip), ip).toBe(true)
    for (const ip of ['128.0.0.1', '126.255.255.255', '0.0.0.0', '::', '::2', 'fe80::1', '::101'])
      expect(isLoopback(ip), ip).toBe(false)
  })

  it('is false for anything that is not an address', () => {
    for (const text of ['', 'localhost', '127.0.0.1/8', '127.0.0.01', '::1%lo', '[::1]']) {
      expect(isLan(text), text).toBe(false)
      expect(isLoopback(text), text).toBe(false)
    }
  })
})

// ---------------------------------------------------------------------------------------
// Property tests against a naive reference.

/** A generated address: its bytes as written, and a text form of them. */
interface Addr {
  /** 4 bytes for IPv4 text, 16 for IPv6 text (IPv4-mapped ones included). */
  bytes: Uint8Array
  text: string
}

const hexGroups = (b: Uint8Array) =>
  Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16))

/** IPv6 text in one of several spellings: full, zero-padded upper case, `::`-compressed. */
function v6Text(b: Uint8Array, style: number): string {
  const groups = hexGroups(b)
  switch (style % 4) {
    case 0:
      return groups.join(':')
    case 1:
      return groups.map((g) => g.padStart(4, '0').toUpperCase()).join(':')
    case 2: {
      // Compress the first run of zero groups (any length, even one group).
      const start = groups.indexOf('0')
      if (start < 0) return groups.join(':')
      let end = start
      while (end < 8 && groups[end] === '0') end++
      return `${groups.slice(0, start).join(':')}::${groups.slice(end).join(':')}`
    }
    default:
      // Last 32 bits as a dotted quad.
      return `${groups.slice(0, 6).join(':')}:${Array.from(b.slice(12)).join('.')}`
  }
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/**
 * Addresses of all three kinds, whose family bytes (4 for IPv4 and IPv4-mapped, 16 for
 * IPv6) take their first `keepBits` bits from `base`, so that matches are common.
 */
const addrArb = (kind: 'v4' | 'v6' | 'mapped', base: Uint8Array, keepBits: number) =>
  fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(3)).map(([noise, style]) => {
    const family = new Uint8Array(kind === 'v6' ? 16 : 4)
    for (let i = 0; i < family.length * 8; i++) {
      if (bit(i < keepBits ? base : noise, i)) family[i >> 3]! |= 0x80 >> (i & 7)
    }
    if (kind === 'v4') return { bytes: family, text: family.join('.') } satisfies Addr
    const bytes = kind === 'v6' ? family : Uint8Array.from([...MAPPED_PREFIX, ...family])
    return { bytes, text: v6Text(bytes, style) } satisfies Addr
  })

function bit(bytes: Uint8Array, i: number): number {
  return ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1
}

function isMapped(b: Uint8Array): boolean {
  return b.length === 16 && MAPPED_PREFIX.every((v, i) => b[i] === v)
}

/** The reference: (family, bytes, prefix) after Go's To4 rules, then a bit-by-bit compare. */
function refContains(net: Addr, prefix: number, addr: Addr): boolean {
  let netBytes = net.bytes
  let netPrefix = prefix
  if (isMapped(netBytes) && prefix >= 96) {
    netBytes = netBytes.slice(12)
    netPrefix = prefix - 96
  }
  const addrBytes = isMapped(addr.bytes) ? addr.bytes.slice(12) : addr.bytes
  if (addrBytes.length !== netBytes.length) return false
  for (let i = 0; i < netPrefix; i++) if (bit(addrBytes, i) !== bit(netBytes, i)) return false
  return true
}

const kindArb = fc.constantFrom('v4' as const, 'v6' as const, 'mapped' as const)

/** A network (text and prefix) and an address near it, of random kinds. */
const caseArb = fc
  .record({
    netKind: kindArb,
    addrKind: kindArb,
    base: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    keepBits: fc.nat(128),
    prefixSeed: fc.nat(1000),
  })
  .chain(({ netKind, addrKind, base, keepBits, prefixSeed }) =>
    fc.tuple(addrArb(netKind, base, 128), addrArb(addrKind, base, keepBits)).map(([net, addr]) => {
      let prefix = prefixSeed % (net.bytes.length * 8 + 1)
      // Mapped networks mostly with prefixes >= 96, which makes them IPv4 networks.
      if (netKind === 'mapped' && prefixSeed % 4 !== 0) prefix = 96 + (prefixSeed % 33)
      return { net, prefix, addr }
    }),
  )

describe('NetList properties', () => {
  it('contains() agrees with a bit-by-bit reference for single networks', () => {
    fc.assert(
      fc.property(caseArb, ({ net, prefix, addr }) => {
        const list = NetList.parse(`${net.text}/${prefix}`)
        expect(list.contains(addr.text)).toBe(refContains(net, prefix, addr))
      }),
      { numRuns: 3000 },
    )
  })

  it('contains() agrees with the reference for lists of networks', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 0, maxLength: 6 }), (cases) => {
        const list = NetList.parse(cases.map((c) => `${c.net.text}/${c.prefix}`))
        expect(list.size).toBe(cases.length)
        for (const { addr } of cases) {
          const expected = cases.some((c) => refContains(c.net, c.prefix, addr))
          expect(list.contains(addr.text)).toBe(expected)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('round-trips through toString()', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { maxLength: 5 }), (cases) => {
        const list = NetList.parse(cases.map((c) => `${c.net.text}/${c.prefix}`).join(','))
        const again = NetList.parse(list.toString())
        expect(again.toString()).toBe(list.toString())
        for (const { addr } of cases)
          expect(again.contains(addr.text)).toBe(list.contains(addr.text))
      }),
      { numRuns: 300 },
    )
  })

  const garbage = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.stringMatching(/^[0-9a-fA-F:.%/ ]{0,48}$/),
    fc.stringMatching(/^[0-9.]{0,20}$/),
  )

  it('never throws from contains, isLan or isLoopback on garbage', () => {
    const list = NetList.parse('10.0.0.0/8, fe80::/10, ::/0, 0.0.0.0/0')
    fc.assert(
      fc.property(garbage, (text) => {
        expect(typeof list.contains(text)).toBe('boolean')
        expect(typeof isLan(text)).toBe('boolean')
        expect(typeof isLoopback(text)).toBe('boolean')
      }),
      { numRuns: 3000 },
    )
  })

  it('parse() either succeeds or throws TypeError on garbage', () => {
    fc.assert(
      fc.property(garbage, (text) => {
        try {
          NetList.parse(text)
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError)
        }
      }),
      { numRuns: 3000 },
    )
  })
})

describe('isSpecialNetwork and checkRelayIp (geth netutil)', () => {
  it('special networks', () => {
    for (const ip of [
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
      '198.19.0.1',
      '255.255.255.255',
      '224.0.0.1',
      '2001:db8::1',
      '2002::1',
      'ff02::1',
    ]) {
      expect(isSpecialNetwork(ip), ip).toBe(true)
    }
    for (const ip of ['1.2.3.4', '8.8.8.8', '10.0.0.1', '2a00::1', '198.20.0.1']) {
      expect(isSpecialNetwork(ip), ip).toBe(false)
    }
  })

  it('relay rules: unspecified, special, loopback and LAN addresses only from their own kind', () => {
    expect(checkRelayIp('1.2.3.4', '5.6.7.8')).toBe(true)
    expect(checkRelayIp('1.2.3.4', '0.0.0.0')).toBe(false)
    expect(checkRelayIp('1.2.3.4', '::')).toBe(false)
    expect(checkRelayIp('1.2.3.4', '192.0.2.1')).toBe(false)
    expect(checkRelayIp('1.2.3.4', '127.0.0.1')).toBe(false)
    expect(checkRelayIp('127.0.0.1', '127.0.0.2')).toBe(true)
    expect(checkRelayIp('1.2.3.4', '192.168.1.1')).toBe(false)
    expect(checkRelayIp('10.0.0.1', '192.168.1.1')).toBe(true)
    expect(checkRelayIp('127.0.0.1', '10.0.0.1')).toBe(true) // loopback counts as LAN
    expect(checkRelayIp('10.0.0.1', '8.8.8.8')).toBe(true)
    expect(checkRelayIp('1.2.3.4', 'not an ip')).toBe(false)
  })
})
