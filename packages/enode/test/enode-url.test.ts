/**
 * enode:// URLs: the shared vectors (go-ethereum and ethereum.org cases), each invalid
 * part named by its code, host names, IPv6 forms, keys off the curve, and fast-check
 * properties: random or mutated text gives a result or an EnodeError, nothing else.
 */
import { hex } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  EnodeError,
  type EnodeErrorCode,
  formatEnodeUrl,
  MAX_ENODE_URL_CHARS,
  parseEnodeUrl,
  parseNode,
} from '../src/index.js'
import { thrown } from './support.js'
import vectors from './vectors/enode-urls.json' with { type: 'json' }

const KEY = vectors.valid[1]!.publicKey
const codeOf = (text: string) => {
  const err = thrown(() => parseEnodeUrl(text))
  expect(err).toBeInstanceOf(EnodeError)
  return (err as EnodeError).code
}

describe('enode URL vectors', () => {
  for (const v of vectors.valid) {
    it(`parses ${v.input.slice(0, 24)}…${v.input.slice(136)}`, () => {
      const url = parseEnodeUrl(v.input)
      expect(hex(url.publicKey)).toBe(v.publicKey)
      expect(url.ip ?? null).toBe(v.ip)
      expect(url.tcp ?? 0).toBe(v.tcpPort)
      expect(url.udp ?? 0).toBe(v.udpPort)
      expect(url.hostname).toBeUndefined()
      if (v.stringRoundTrip === true) expect(formatEnodeUrl(url)).toBe(v.input)
      // The node form agrees, and formats to a URL that parses to the same parts.
      const node = parseNode(v.input)
      expect(hex(node.publicKey)).toBe(v.publicKey)
      expect(parseEnodeUrl(node.toEnodeUrl())).toEqual(url)
    })
  }

  for (const v of vectors.invalid) {
    it(`refuses ${JSON.stringify(v.input.slice(0, 40))} (${v.goEthereumError})`, () => {
      expect(thrown(() => parseNode(v.input))).toBeInstanceOf(EnodeError)
      expect(thrown(() => parseEnodeUrl(v.input))).toBeInstanceOf(EnodeError)
    })
  }
})

describe('enode URL parts', () => {
  const cases: [string, EnodeErrorCode][] = [
    ['http://foobar', 'INVALID_SCHEME'],
    [`enode://${KEY}@127.0.0.1:foo`, 'INVALID_PORT'],
    [`enode://${KEY}@127.0.0.1`, 'INVALID_PORT'],
    [`enode://${KEY}@127.0.0.1:65536`, 'INVALID_PORT'],
    [`enode://${KEY}@127.0.0.1:-1`, 'INVALID_PORT'],
    [`enode://${KEY}@127.0.0.1:`, 'INVALID_PORT'],
    [`enode://${KEY}@[::1]`, 'INVALID_PORT'],
    [`enode://${KEY}@127.0.0.1:30303?discport=x`, 'INVALID_DISCPORT'],
    [`enode://${KEY}@127.0.0.1:30303?discport=70000`, 'INVALID_DISCPORT'],
    [`enode://${KEY}@127.0.0.1:30303?discport=1&discport=2`, 'INVALID_DISCPORT'],
    [`enode://${KEY}@256.1.1.1:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@1.2.3:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@::1:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@[1.2.3.4]:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@[fe80::1%25eth0]:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@bad_host.com:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@-bad.com:30303`, 'INVALID_HOST'],
    [`enode://${KEY}@:30303`, 'INVALID_HOST'],
    [`enode://${KEY.slice(2)}@127.0.0.1:30303`, 'INVALID_PUBLIC_KEY'],
    [`enode://${KEY.slice(2)}zz@127.0.0.1:30303`, 'INVALID_PUBLIC_KEY'],
    [`enode://${'00'.repeat(64)}@127.0.0.1:30303`, 'INVALID_PUBLIC_KEY'],
    [`enode://${KEY}:secret@127.0.0.1:30303`, 'INVALID_URL'],
    [`enode://${KEY}@127.0.0.1:30303/path`, 'INVALID_URL'],
    [`enode://${KEY}@127.0.0.1:30303#frag`, 'INVALID_URL'],
    [`enode://${KEY}?discport=1`, 'INVALID_URL'],
    [`enode://${KEY}@127.0.0.1:30303?${'a'.repeat(1024)}`, 'INVALID_URL'],
  ]
  for (const [text, code] of cases) {
    it(`${code}: ${text.replace(KEY, '<key>').slice(0, 60)}`, () => {
      expect(codeOf(text)).toBe(code)
    })
  }

  it('accepts text of MAX_ENODE_URL_CHARS (1024, as LIMITS.md says) and refuses one more', () => {
    expect(MAX_ENODE_URL_CHARS).toBe(1024)
    const head = `enode://${KEY}@127.0.0.1:30303?x=`
    const longest = head + 'a'.repeat(1024 - head.length)
    expect(parseEnodeUrl(longest).tcp).toBe(30303)
    expect(codeOf(`${longest}a`)).toBe('INVALID_URL')
  })

  it('refuses a 128-hex key that is not a point on the curve', () => {
    // x = 0, y = 1 is not on y² = x³ + 7.
    const offCurve = `${'00'.repeat(32)}${'00'.repeat(31)}01`
    expect(codeOf(`enode://${offCurve}@127.0.0.1:1`)).toBe('INVALID_PUBLIC_KEY')
    expect(codeOf(`enode://${offCurve}`)).toBe('INVALID_PUBLIC_KEY')
  })

  it('names the wrong part in the message', () => {
    expect((thrown(() => parseEnodeUrl(`enode://${KEY}@127.0.0.1:foo`)) as Error).message).toMatch(
      /TCP port/,
    )
    expect((thrown(() => parseEnodeUrl('enode://0101@1.2.3.4:3')) as Error).message).toMatch(
      /public key/,
    )
  })

  it('keeps host names for resolution exactly as given, case and trailing dot included', () => {
    const text = `enode://${KEY}@Boot.Example.ORG.:30303?discport=30301`
    const url = parseEnodeUrl(text)
    expect(url).toMatchObject({ hostname: 'Boot.Example.ORG.', tcp: 30303, udp: 30301 })
    expect(url.ip).toBeUndefined()
    expect(formatEnodeUrl(url)).toBe(text)
    expect(parseEnodeUrl(`enode://${KEY}@localhost:1`).hostname).toBe('localhost')
  })

  it('round-trips a fully qualified host name (go-ethereum TestParseNode / TestNodeString)', () => {
    // geth's case: `@valid.:3` parses to hostname "valid." and formats back unchanged
    const text = `enode://${KEY}@valid.:3`
    expect(parseEnodeUrl(text)).toMatchObject({ hostname: 'valid.', tcp: 3, udp: 3 })
    expect(formatEnodeUrl(parseEnodeUrl(text))).toBe(text)
    expect(parseNode(text).hostname).toBe('valid.')
    expect(parseNode(text).toEnodeUrl()).toBe(text)
    // still a host name, not anything: an empty label or a bare dot is refused
    expect(() => parseEnodeUrl(`enode://${KEY}@valid..:3`)).toThrow(EnodeError)
    expect(() => parseEnodeUrl(`enode://${KEY}@.:3`)).toThrow(EnodeError)
  })

  it('normalises IP text: IPv6 to RFC 5952, IPv4-mapped to IPv4', () => {
    expect(parseEnodeUrl(`enode://${KEY}@[2001:DB8:0:0:0:0:0:1]:1`).ip).toBe('2001:db8::1')
    expect(parseEnodeUrl(`enode://${KEY}@[::ffff:10.0.0.1]:1`).ip).toBe('10.0.0.1')
    expect(parseEnodeUrl(`enode://${KEY}@[::]:1`).ip).toBe('::')
    expect(parseEnodeUrl(`enode://${KEY}@[1:0:0:2:0:0:0:3]:1`).ip).toBe('1:0:0:2::3')
    expect(parseEnodeUrl(`enode://${KEY}@[1:0:2:3:4:5:6:7]:1`).ip).toBe('1:0:2:3:4:5:6:7')
  })

  it('accepts an upper-case scheme and key, and ignores unknown query parameters', () => {
    const url = parseEnodeUrl(`ENODE://${KEY.toUpperCase()}@1.2.3.4:5?foo=bar&discport=6`)
    expect(hex(url.publicKey)).toBe(KEY)
    expect(url).toMatchObject({ ip: '1.2.3.4', tcp: 5, udp: 6 })
  })

  it('formats: id-only, discport only when it differs, port 0 when missing', () => {
    const publicKey = parseEnodeUrl(`enode://${KEY}`).publicKey
    expect(formatEnodeUrl({ publicKey })).toBe(`enode://${KEY}`)
    expect(formatEnodeUrl({ publicKey, ip: '::1', tcp: 1, udp: 1 })).toBe(`enode://${KEY}@[::1]:1`)
    expect(formatEnodeUrl({ publicKey, ip: '127.0.0.1', udp: 30303 })).toBe(
      `enode://${KEY}@127.0.0.1:0?discport=30303`,
    )
    expect(() => formatEnodeUrl({ publicKey, ip: 'nope', tcp: 1 })).toThrow(RangeError)
    expect(() => formatEnodeUrl({ publicKey, ip: '1.2.3.4', tcp: 70000 })).toThrow(RangeError)
    expect(() => formatEnodeUrl({ publicKey: new Uint8Array(3) })).toThrow(RangeError)
  })
})

describe('enode URL properties', () => {
  const valid = vectors.valid.map((v) => v.input)

  it('random text gives an EnodeError, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const input of [text, `enode://${text}`, `enode://${KEY}@${text}`]) {
          const err = thrown(() => parseEnodeUrl(input))
          if (err !== undefined) expect(err).toBeInstanceOf(EnodeError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('mutated valid URLs give a result or an EnodeError', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4 }))
      .map(([url, at, del, insert]) => {
        const i = at % (url.length + 1)
        return url.slice(0, i) + insert + url.slice(i + del)
      })
    fc.assert(
      fc.property(mutated, (text) => {
        const err = thrown(() => {
          const url = parseEnodeUrl(text)
          // Whatever parses formats to a URL that parses to the same parts.
          expect(parseEnodeUrl(formatEnodeUrl(url))).toEqual(url)
        })
        if (err !== undefined) expect(err).toBeInstanceOf(EnodeError)
      }),
      { numRuns: 3000 },
    )
  })

  it('formatting then parsing gives the same parts', () => {
    const publicKey = parseEnodeUrl(`enode://${KEY}`).publicKey
    const ip = fc.oneof(fc.ipV4(), fc.ipV6())
    const port = fc.integer({ min: 0, max: 65535 })
    fc.assert(
      fc.property(ip, port, port, (ipText, tcp, udp) => {
        const url = parseEnodeUrl(formatEnodeUrl({ publicKey, ip: ipText, tcp, udp }))
        expect(url.tcp).toBe(tcp)
        expect(url.udp).toBe(udp)
        expect(url.ip).toBeDefined()
      }),
    )
  })
})
