/**
 * Parsing and writing tree entries: base32 against RFC 4648's own test vectors, each
 * entry kind's syntax, and the typed error for every malformed form.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode } from '../../src/dns/encoding.js'
import {
  DiscoveryError,
  type DiscoveryErrorCode,
  formatEntry,
  formatLink,
  MAX_ENTRY_TEXT_CHARS,
  parseEntry,
  parseLink,
  signRoot,
  verifyRoot,
} from '../../src/dns/index.js'
import { makeRecords } from './helpers.js'

const HASH = 'JWXYDBPXYWG6FX3GMDIBFA6CJ4' // 16 bytes, from the EIP-1459 example
const SIG =
  'o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA'
const KEY = 'AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2'

function codeOf(text: string): DiscoveryErrorCode | 'ok' {
  try {
    parseEntry(text)
    return 'ok'
  } catch (err) {
    if (err instanceof DiscoveryError) return err.code
    throw err
  }
}

describe('base32 (RFC 4648 section 10 test vectors, no padding)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ]
  it.each(cases)('%j ↔ %s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded)
    expect(Buffer.from(base32Decode(encoded)!).toString()).toBe(plain)
  })

  it('refuses lower case, padding, other characters and impossible lengths', () => {
    for (const bad of ['my', 'MY======', 'M1', 'M8', 'M', 'MZX', 'MZXW6Y']) {
      expect(base32Decode(bad)).toBeUndefined()
    }
  })
})

describe('root entries', () => {
  const root = `enrtree-root:v1 e=${HASH} l=${HASH} seq=7 sig=${SIG}`

  it('parses and writes back', () => {
    expect(parseEntry(root)).toMatchObject({ type: 'root', eRoot: HASH, lRoot: HASH, seq: 7n })
    expect(formatEntry(parseEntry(root))).toBe(root)
  })

  it('reads seq up to 2^64 − 1, refuses more', () => {
    const max = root.replace('seq=7', 'seq=18446744073709551615')
    expect(parseEntry(max)).toMatchObject({ seq: 2n ** 64n - 1n })
    expect(codeOf(root.replace('seq=7', 'seq=18446744073709551616'))).toBe('INVALID_ENTRY')
  })

  it.each([
    ['a missing l=', `enrtree-root:v1 e=${HASH} seq=7 sig=${SIG}`],
    ['fields out of order', `enrtree-root:v1 l=${HASH} e=${HASH} seq=7 sig=${SIG}`],
    ['a short hash (11 bytes)', root.replace(`e=${HASH}`, 'e=JWXYDBPXYWG6FX3GMA')],
    ['a long hash (33 bytes)', root.replace(`e=${HASH}`, `e=${'A'.repeat(53)}`)],
    ['lower-case base32', root.replace(`e=${HASH}`, `e=${HASH.toLowerCase()}`)],
    ['a negative seq', root.replace('seq=7', 'seq=-7')],
    ['a 64-byte signature', root.replace(SIG, SIG.slice(0, 86))],
    ['a padded signature', root.replace(SIG, `${SIG}=`)],
    ['standard base64', root.replace(SIG, SIG.replace('_', '/'))],
    ['two spaces', root.replace(' l=', '  l=')],
    ['trailing text', `${root} x=1`],
    ['another version', root.replace('v1', 'v2')],
  ])('refuses %s', (_what, text) => {
    expect(codeOf(text)).toBe('INVALID_ENTRY')
  })

  it('signs and verifies; any change of the signed fields breaks the signature', () => {
    const key = generatePrivateKey()
    const publicKey = publicKeyFromPrivate(key)
    const signed = signRoot({ eRoot: HASH, lRoot: HASH, seq: 3n }, key)
    expect(verifyRoot(signed, publicKey)).toBe(true)
    expect(verifyRoot({ ...signed, seq: 4n }, publicKey)).toBe(false)
    expect(verifyRoot(signed, publicKeyFromPrivate(generatePrivateKey()))).toBe(false)
    const reparsed = parseEntry(formatEntry(signed))
    if (reparsed.type !== 'root') throw new Error('not a root')
    expect(verifyRoot(reparsed, publicKey)).toBe(true)
  })
})

describe('branch entries', () => {
  it('parses children, and an empty branch', () => {
    expect(parseEntry(`enrtree-branch:${HASH},${HASH}`)).toEqual({
      type: 'branch',
      children: [HASH, HASH],
    })
    expect(parseEntry('enrtree-branch:')).toEqual({ type: 'branch', children: [] })
  })

  it.each([
    ['numbers', 'enrtree-branch:1,2'],
    ['an empty child', `enrtree-branch:${HASH},`],
    ['a 33-byte hash', `enrtree-branch:${'A'.repeat(53)}`],
    ['a space', `enrtree-branch:${HASH}, ${HASH}`],
  ])('refuses %s', (_what, text) => {
    expect(codeOf(text)).toBe('INVALID_ENTRY')
  })
})

describe('links', () => {
  it('parses key and domain, writes the same text', () => {
    const link = parseLink(`enrtree://${KEY}@nodes.example.org`)
    expect(link.domain).toBe('nodes.example.org')
    expect(link.publicKey).toHaveLength(33)
    expect(formatEntry(link)).toBe(`enrtree://${KEY}@nodes.example.org`)
  })

  it('formatLink takes a 64-byte key and writes it compressed', () => {
    const key = generatePrivateKey()
    const url = formatLink(publicKeyFromPrivate(key), 'a.example')
    expect(url).toBe(formatLink(publicKeyFromPrivate(key, { compressed: true }), 'a.example'))
    expect(url).toMatch(/^enrtree:\/\/[A-Z2-7]{53}@a\.example$/)
    expect(() => formatLink(publicKeyFromPrivate(key), 'not a domain')).toThrow(RangeError)
  })

  it.each([
    ['no @', `enrtree://${KEY}`],
    ['no domain', `enrtree://${KEY}@`],
    ['a domain with a space', `enrtree://${KEY}@a b.org`],
    ['an empty label', `enrtree://${KEY}@a..org`],
    ['a 32-byte key', `enrtree://${KEY.slice(0, 52)}@nodes.example.org`],
    ['a key off the curve', `enrtree://AK${'7'.repeat(51)}@nodes.example.org`],
    ['another scheme', `enrtree-x://${KEY}@nodes.example.org`],
    ['a 254-character domain', `enrtree://${KEY}@${'a.'.repeat(126)}ab`],
  ])('refuses %s', (_what, text) => {
    expect(() => parseLink(text)).toThrow(DiscoveryError)
    expect(codeOf(text)).not.toBe('ok')
  })
})

describe('enr leaves and unknown text', () => {
  it('an enr: leaf is a verified record', () => {
    const [record] = makeRecords(1)
    const entry = parseEntry(record!.encodeText())
    expect(entry.type).toBe('enr')
    if (entry.type === 'enr') expect(entry.record.nodeId).toEqual(record!.nodeId)
  })

  it('a record with a broken signature is BAD_RECORD', () => {
    const text = makeRecords(1)[0]!.encodeText()
    const i = 10
    const flipped = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)
    expect(codeOf(flipped)).toBe('BAD_RECORD')
    expect(codeOf('enr:!!')).toBe('BAD_RECORD')
  })

  it('unknown prefixes are INVALID_ENTRY', () => {
    expect(codeOf('v=spf1 -all')).toBe('INVALID_ENTRY')
    expect(codeOf('')).toBe('INVALID_ENTRY')
  })

  it('reads an entry of MAX_ENTRY_TEXT_CHARS (1024), refuses one character more unparsed', () => {
    // 36 hashes of 26 characters and one of 37 (23 bytes): 15 + 36 × 27 + 37 = 1024
    const longest = `enrtree-branch:${`${HASH},`.repeat(36)}${'A'.repeat(37)}`
    expect(longest).toHaveLength(MAX_ENTRY_TEXT_CHARS)
    expect(parseEntry(longest)).toMatchObject({ type: 'branch' })
    expect(() => parseEntry(`${longest}A`)).toThrow(/more than 1024/)
  })

  it('misuse is a TypeError', () => {
    expect(() => parseEntry(5 as unknown as string)).toThrow(TypeError)
    expect(() => parseLink(undefined as unknown as string)).toThrow(TypeError)
  })
})
