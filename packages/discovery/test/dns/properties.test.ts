/**
 * Property tests (fast-check): random and mutated TXT text gives a tree entry or a typed
 * DiscoveryError, never another exception; encodings and zone strings round-trip; a
 * resolver answering junk fails a sync with a typed error only.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode } from '../../src/dns/encoding.js'
import {
  buildTree,
  DiscoveryError,
  DnsClient,
  formatEntry,
  parseEntry,
  parseLink,
  signTree,
  splitTxt,
  treeToTxt,
} from '../../src/dns/index.js'
import { FakeResolver, makeRecords, vectors } from './helpers.js'

/** The entry, or the DiscoveryError's code; any other exception fails the property. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return parse(text)
  } catch (err) {
    if (err instanceof DiscoveryError) return err.code
    throw err
  }
}

const valid = [
  ...vectors.zone.records.map((r) => r.content),
  vectors.urlExample.url,
  makeRecords(1)[0]!.encodeText(),
  'enrtree-branch:',
]
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz-_=:,.@/ 01+\u00e9\n'

/** A valid entry with characters replaced, inserted or removed. */
const mutated = fc
  .tuple(
    fc.constantFrom(...valid),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('replace', 'insert', 'delete'),
        fc.constantFrom(...ALPHABET),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    let out = text
    for (const [at, kind, ch] of edits) {
      const i = at % (out.length + 1)
      if (kind === 'insert') out = out.slice(0, i) + ch + out.slice(i)
      else if (kind === 'replace') out = out.slice(0, i) + ch + out.slice(i + 1)
      else out = out.slice(0, i) + out.slice(i + 1)
    }
    return out
  })

const prefixed = fc
  .tuple(
    fc.constantFrom('enrtree-root:v1 ', 'enrtree-branch:', 'enrtree://', 'enr:', ''),
    fc.string({ maxLength: 300 }),
  )
  .map(([p, s]) => p + s)

describe('parseEntry and parseLink', () => {
  it('random text: an entry or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 1200 }), prefixed), (text) => {
        outcome(parseEntry, text)
        outcome(parseLink, text)
      }),
      { numRuns: 2_000 },
    )
  })

  it('mutated valid entries: an entry or a typed error; an entry writes back the same text', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const result = outcome(parseEntry, text)
        outcome(parseLink, text)
        if (typeof result === 'object' && result !== null && 'type' in result) {
          const entry = result as Parameters<typeof formatEntry>[0]
          // what is written reads back as the same entry (the text itself may differ in
          // unused low bits of base32/base64url and in leading zeros of seq)
          if (entry.type === 'root' || entry.type === 'branch' || entry.type === 'link') {
            expect(parseEntry(formatEntry(entry))).toEqual(entry)
          }
          if (entry.type === 'branch') expect(formatEntry(entry)).toBe(text)
        }
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('encodings', () => {
  it('base32 round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(bytes)
      }),
    )
  })

  it('splitTxt: strings of at most 255 bytes that join to the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2_000, unit: 'grapheme' }), (text) => {
        const parts = splitTxt(text)
        expect(parts.join('')).toBe(text)
        for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(255)
      }),
    )
  })
})

describe('a resolver answering junk', () => {
  const key = generatePrivateKey()
  const tree = signTree(buildTree({ seq: 1n, records: makeRecords(3) }), key, 'p.test')
  const txt = treeToTxt(tree)
  const names = Object.keys(txt)

  it('fails a sync with a DiscoveryError only', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.array(fc.oneof(mutated, fc.string({ maxLength: 400 })), { maxLength: 3 }),
        async (name, texts) => {
          const resolver = new FakeResolver({ ...txt, [name]: texts })
          const dns = new DnsClient({ resolver, rateLimitPerS: 1e6, rateBurst: 1e6 })
          const result = await dns.syncTree(tree.url).then(
            () => 'ok',
            (err: unknown) => err,
          )
          if (result !== 'ok') expect(result).toBeInstanceOf(DiscoveryError)
        },
      ),
      { numRuns: 300 },
    )
  })
})
