/**
 * Building and signing trees (geth's layout) and writing them as TXT records: the JSON of
 * geth's `devp2p dns to-txt`, and zone files with long texts split into 255-byte strings.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { describe, expect, it } from 'vitest'
import {
  attachSignature,
  buildTree,
  DnsClient,
  entryHash,
  MAX_BRANCH_CHILDREN,
  parseEntry,
  parseLink,
  signTree,
  splitTxt,
  treeToTxt,
  txtToJson,
  txtToZoneFile,
  verifyRoot,
} from '../../src/dns/index.js'
import { EXAMPLE_URL, FakeResolver, makeRecords } from './helpers.js'

const treeKey = generatePrivateKey()
const LINK = EXAMPLE_URL

/** Every entry below `hash`, leaves last, checking each hash on the way. */
function leavesUnder(entries: ReadonlyMap<string, string>, hash: string): string[] {
  const text = entries.get(hash)!
  expect(entryHash(text)).toBe(hash)
  const entry = parseEntry(text)
  if (entry.type !== 'branch') return [text]
  expect(entry.children.length).toBeLessThanOrEqual(MAX_BRANCH_CHILDREN)
  return entry.children.flatMap((child) => leavesUnder(entries, child))
}

describe('buildTree', () => {
  it('an empty tree: both subtrees are empty branches', () => {
    const tree = buildTree({ seq: 1n })
    expect(tree.entries.get(tree.eRoot)).toBe('enrtree-branch:')
    expect(tree.eRoot).toBe(tree.lRoot)
    expect(tree.entries.size).toBe(1)
  })

  it('one record: the record itself is the subtree (no branch above it)', () => {
    const [record] = makeRecords(1)
    const tree = buildTree({ seq: 1n, records: [record!] })
    expect(tree.entries.get(tree.eRoot)).toBe(record!.encodeText())
  })

  it('13 records fit in one branch, sorted by node id', () => {
    const records = makeRecords(13)
    const tree = buildTree({ seq: 1n, records })
    const top = parseEntry(tree.entries.get(tree.eRoot)!)
    expect(top.type).toBe('branch')
    const sorted = [...records].sort((a, b) => Buffer.compare(a.nodeId, b.nodeId))
    expect(leavesUnder(tree.entries, tree.eRoot)).toEqual(sorted.map((r) => r.encodeText()))
  })

  it('30 records: branches of 13, 13 and 4 under a top branch of 3; every leaf reachable', () => {
    const records = makeRecords(30)
    const tree = buildTree({ seq: 5n, records, links: [LINK] })
    const top = parseEntry(tree.entries.get(tree.eRoot)!)
    if (top.type !== 'branch') throw new Error('top is not a branch')
    expect(top.children.map((c) => parseEntry(tree.entries.get(c)!))).toMatchObject([
      { type: 'branch', children: { length: 13 } },
      { type: 'branch', children: { length: 13 } },
      { type: 'branch', children: { length: 4 } },
    ])
    expect(leavesUnder(tree.entries, tree.eRoot)).toHaveLength(30)
    expect(tree.entries.get(tree.lRoot)).toBe(LINK)
    // 30 leaves, 3 branches, the top, the link
    expect(tree.entries.size).toBe(35)
  })

  it('200 records: three levels, no branch over 13 children', () => {
    const tree = buildTree({ seq: 1n, records: makeRecords(200) })
    expect(leavesUnder(tree.entries, tree.eRoot)).toHaveLength(200)
  })

  it('refuses a bad link, two records of one node, and a seq outside 64 bits', () => {
    const [record] = makeRecords(1)
    expect(() => buildTree({ seq: 1n, links: ['enrtree://nope'] })).toThrow(RangeError)
    expect(() => buildTree({ seq: 1n, records: [record!, record!] })).toThrow(RangeError)
    expect(() => buildTree({ seq: -1n })).toThrow(RangeError)
    expect(() => buildTree({ seq: 2n ** 64n })).toThrow(RangeError)
  })
})

describe('signTree and treeToTxt', () => {
  const records = makeRecords(20)
  const signed = signTree(buildTree({ seq: 9n, records, links: [LINK] }), treeKey, 'nodes.test')

  it("signs the root with the key of the tree's URL", () => {
    expect(signed.url).toMatch(/^enrtree:\/\/[A-Z2-7]{53}@nodes\.test$/)
    expect(parseLink(signed.url).domain).toBe('nodes.test')
    expect(verifyRoot(signed.root, publicKeyFromPrivate(treeKey))).toBe(true)
    expect(verifyRoot(signed.root, parseLink(signed.url).publicKey)).toBe(true)
    expect(signed.root.seq).toBe(9n)
  })

  it('names the root by the domain and every other entry <hash>.<domain>', () => {
    const txt = treeToTxt(signed)
    expect(Object.keys(txt)).toHaveLength(signed.entries.size + 1)
    expect(txt['nodes.test']).toMatch(/^enrtree-root:v1 e=[A-Z2-7]{26} l=[A-Z2-7]{26} seq=9 sig=/)
    for (const [hash, text] of signed.entries) expect(txt[`${hash}.nodes.test`]).toBe(text)
    expect(Object.keys(treeToTxt(signed, '')).every((n) => n === '' || !n.includes('.'))).toBe(true)
  })

  it("writes geth's to-txt JSON: sorted keys, four-space indent, no trailing newline", () => {
    const json = txtToJson({ 'b.x': 'enr:2', 'a.x': 'enr:<1>&' })
    expect(json).toBe('{\n    "a.x": "enr:\\u003c1\\u003e\\u0026",\n    "b.x": "enr:2"\n}')
    expect(JSON.parse(txtToJson(treeToTxt(signed)))).toEqual(treeToTxt(signed))
  })

  it('a client syncs what it built, through the TXT records', async () => {
    const resolver = new FakeResolver(treeToTxt(signed))
    const client = new DnsClient({ resolver, rateLimitPerS: 10_000 })
    const tree = await client.syncTree(signed.url)
    expect(tree.seq).toBe(9n)
    expect(tree.links).toEqual([LINK])
    expect(new Set(tree.records.map((r) => r.encodeText()))).toEqual(
      new Set(records.map((r) => r.encodeText())),
    )
    expect(tree.entries).toEqual(signed.entries)
  })
})

describe("attachSignature (geth's SetSignature)", () => {
  const unsigned = buildTree({ seq: 4n, records: makeRecords(3) })
  const signed = signTree(unsigned, treeKey, 'sig.test')

  it('takes back a signature made earlier, as base64url or bytes', () => {
    const text = Buffer.from(signed.root.signature).toString('base64url')
    expect(treeToTxt(attachSignature(unsigned, signed.url, text))).toEqual(treeToTxt(signed))
    expect(attachSignature(unsigned, signed.url, signed.root.signature).url).toBe(signed.url)
  })

  it('refuses a signature over another tree, by another key, or malformed', () => {
    const other = buildTree({ seq: 5n, records: makeRecords(3) })
    const code = (f: () => unknown): string | undefined => {
      try {
        f()
      } catch (err) {
        return (err as { code?: string }).code
      }
    }
    expect(code(() => attachSignature(other, signed.url, signed.root.signature))).toBe(
      'BAD_SIGNATURE',
    )
    const stranger = signTree(unsigned, generatePrivateKey(), 'sig.test')
    expect(code(() => attachSignature(unsigned, stranger.url, signed.root.signature))).toBe(
      'BAD_SIGNATURE',
    )
    expect(code(() => attachSignature(unsigned, signed.url, 'abc'))).toBe('BAD_SIGNATURE')
    expect(code(() => attachSignature(unsigned, 'enrtree://x', 'abc'))).toBe('INVALID_ENTRY')
  })
})

describe('zone files', () => {
  it('splitTxt cuts at 255 bytes and the strings join back', () => {
    const text = 'x'.repeat(600)
    expect(splitTxt(text).map((s) => s.length)).toEqual([255, 255, 90])
    expect(splitTxt(text).join('')).toBe(text)
    expect(splitTxt('short')).toEqual(['short'])
    expect(splitTxt('')).toEqual([''])
    expect(splitTxt('é'.repeat(200)).map((s) => Buffer.byteLength(s))).toEqual([254, 146])
  })

  it('one TXT line per record, absolute names, the root with 30 min TTL, long texts split', () => {
    const signed = signTree(buildTree({ seq: 1n, records: makeRecords(14) }), treeKey, 'z.test')
    const zone = txtToZoneFile(treeToTxt(signed))
    const lines = zone.trimEnd().split('\n')
    expect(lines).toHaveLength(signed.entries.size + 1)
    expect(lines.find((l) => l.startsWith('z.test. '))).toMatch(
      /^z\.test\. 1800 IN TXT "enrtree-root:v1 e=/,
    )
    for (const line of lines) {
      const [, name, ttl, strings] = line.match(/^(\S+) (\d+) IN TXT (.*)$/)!
      const parts = [...strings!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(255)
      if (name === 'z.test.') continue
      expect(ttl).toBe(String(4 * 7 * 24 * 3600))
      expect(parts.join('')).toBe(signed.entries.get(name!.split('.')[0]!))
    }
    // the branch of 13 children is 365 characters: two strings
    expect(zone).toMatch(/"enrtree-branch:[^"]{240}" "[^"]+"/)
  })
})
