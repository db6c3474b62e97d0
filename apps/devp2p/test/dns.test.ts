/**
 * `devp2p dns sign|to-txt|to-zone|sync`: geth's definition directory (enrtree-info.json,
 * nodes.json) signed, exported, served by a real DNS server on 127.0.0.1 (dnsmasq, fails
 * loudly when missing) and read back by `dns sync`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compressPublicKey, generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { buildTree, parseLink, signTree, verifyRoot } from '@devp2p/discovery/dns'
import { Enr } from '@devp2p/enode'
import { type Dnsmasq, startDnsmasq } from '@devp2p/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { metaOf } from '../src/commands/tree-definition.js'
import { cli } from './run-cli.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const idOf = (r: Enr): string => hex(r.nodeId)

/** Records of fresh keys on 127.0.0.x, as a crawler's nodes.json would hold them. */
const records = [1, 2, 3, 4, 5].map((i) =>
  Enr.create(generatePrivateKey(), {
    seq: BigInt(i),
    ip: `127.0.0.${i}`,
    tcp: 30300 + i,
    udp: 30300 + i,
  }),
)
/** nodes.json in the format `discv4 crawl` writes, with scores and times. */
function crawlNodesJson(list: readonly Enr[]): string {
  const set: Record<string, unknown> = {}
  for (const r of list) {
    set[idOf(r)] = {
      seq: Number(r.seq),
      record: r.encodeText(),
      score: 3,
      firstResponse: '2026-01-01T00:00:00Z',
      lastResponse: '2026-01-02T00:00:00Z',
      lastCheck: '2026-01-02T00:00:00Z',
    }
  }
  return JSON.stringify(set, null, 4)
}

const treeKey = generatePrivateKey()
const treeKeyBase32Pub = compressPublicKey(publicKeyFromPrivate(treeKey))
const otherTree = `enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net`

let dir: string
let keyFile: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-dns-'))
  keyFile = join(dir, 'tree.key')
  writeFileSync(keyFile, `${hex(treeKey)}\n`)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A definition directory named `name` with `records` and optional enrtree-info.json. */
function definition(name: string, list: readonly Enr[], info?: object): string {
  const d = join(dir, name)
  mkdirSync(d, { recursive: true })
  writeFileSync(join(d, 'nodes.json'), crawlNodesJson(list))
  if (info) writeFileSync(join(d, 'enrtree-info.json'), JSON.stringify(info))
  return d
}

const readInfo = (d: string) =>
  JSON.parse(readFileSync(join(d, 'enrtree-info.json'), 'utf8')) as {
    url: string
    seq: number
    signature: string
    links: string[]
    lastModified: string
  }

describe('devp2p dns sign', () => {
  it("signs as geth: domain from the directory's name, seq bumped, links kept, geth's field order", async () => {
    const d = definition('nodes.test', records, { seq: 4, links: [otherTree] })
    const { code, out, err } = await cli('dns', 'sign', d, keyFile)
    expect(code, err).toBe(0)
    const info = readInfo(d)
    expect(out).toBe(`${info.url}\n`)
    const link = parseLink(info.url)
    expect(link.domain).toBe('nodes.test')
    expect(hex(link.publicKey)).toBe(hex(treeKeyBase32Pub))
    expect(info.seq).toBe(5)
    expect(info.links).toEqual([otherTree])
    expect(Object.keys(info)).toEqual(['url', 'seq', 'signature', 'links', 'lastModified'])
    expect(Date.parse(info.lastModified)).not.toBeNaN()
    expect(readFileSync(join(d, 'enrtree-info.json'), 'utf8')).toMatch(/^\{\n {4}"url": /)
  })

  it("takes --domain over the url's, --seq as given, and prints --json", async () => {
    const d = definition('named', records.slice(0, 2), {
      url: `enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@from-url.test`,
      seq: 9,
    })
    const fromUrl = await cli('dns', 'sign', d, keyFile)
    expect(fromUrl.code, fromUrl.err).toBe(0)
    expect(parseLink(readInfo(d).url).domain).toBe('from-url.test')
    expect(readInfo(d).seq).toBe(10)
    const { code, out, err } = await cli(
      'dns',
      'sign',
      '--domain',
      'flag.test',
      '--seq',
      '2',
      '--json',
      d,
      keyFile,
    )
    expect(code, err).toBe(0)
    const info = readInfo(d)
    expect(JSON.parse(out)).toEqual({ url: info.url, seq: 2, signature: info.signature })
    expect(parseLink(info.url).domain).toBe('flag.test')
  })

  it('refuses a nodes.json whose id or seq does not match its record, and a missing one', async () => {
    const d = definition('bad-id', records.slice(0, 1))
    const text = readFileSync(join(d, 'nodes.json'), 'utf8').replace(
      idOf(records[0]!),
      idOf(records[1]!),
    )
    writeFileSync(join(d, 'nodes.json'), text)
    const badId = await cli('dns', 'sign', d, keyFile)
    expect(badId.code).toBe(1)
    expect(badId.err).toMatch(/ID does not match ID/)
    const s = definition('bad-seq', records.slice(0, 1))
    writeFileSync(
      join(s, 'nodes.json'),
      readFileSync(join(s, 'nodes.json'), 'utf8').replace('"seq": 1', '"seq": 7'),
    )
    expect((await cli('dns', 'sign', s, keyFile)).err).toMatch(/'seq' does not match seq 1/)
    mkdirSync(join(dir, 'empty'))
    const missing = await cli('dns', 'sign', join(dir, 'empty'), keyFile)
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/nodes\.json does not exist/)
    const badLink = definition('bad-link', records, { links: ['enrtree://nope'] })
    expect((await cli('dns', 'sign', badLink, keyFile)).err).toMatch(
      /invalid link "enrtree:\/\/nope"/,
    )
  })
})

describe('devp2p dns to-txt and to-zone', () => {
  it('refuses a tree that is not signed, or whose nodes changed after signing', async () => {
    const d = definition('unsigned.test', records)
    expect((await cli('dns', 'to-txt', d)).err).toMatch(
      /missing 'url' field in .*enrtree-info\.json/,
    )
    expect((await cli('dns', 'sign', d, keyFile)).code).toBe(0)
    writeFileSync(join(d, 'nodes.json'), crawlNodesJson(records.slice(1)))
    const changed = await cli('dns', 'to-txt', d)
    expect(changed.code).toBe(1)
    expect(changed.err).toMatch(/invalid signature on tree, run 'devp2p dns sign' to update it/)
    const info = readInfo(d)
    writeFileSync(join(d, 'enrtree-info.json'), JSON.stringify({ ...info, signature: undefined }))
    expect((await cli('dns', 'to-txt', d)).err).toMatch(
      /missing signature, run 'devp2p dns sign' first/,
    )
  })

  it('writes the TXT records as JSON (stdout or a file) and as a zone file', async () => {
    const d = definition('export.test', records)
    expect((await cli('dns', 'sign', d, keyFile)).code).toBe(0)
    const info = readInfo(d)
    const { code, out } = await cli('dns', 'to-txt', d)
    expect(code).toBe(0)
    const txt = JSON.parse(out) as Record<string, string>
    const names = Object.keys(txt)
    expect(names).toEqual([...names].sort())
    expect(out).toMatch(/^\{\n {4}"/)
    // the root at the domain, signed as enrtree-info.json says; one leaf per record
    expect(txt['export.test']).toBe(
      `${txt['export.test']!.slice(0, txt['export.test']!.indexOf(' sig='))} sig=${info.signature}`,
    )
    expect(txt['export.test']).toMatch(/^enrtree-root:v1 e=[A-Z2-7]+ l=[A-Z2-7]+ seq=1 sig=/)
    const leaves = Object.values(txt).filter((t) => t.startsWith('enr:'))
    expect(new Set(leaves)).toEqual(new Set(records.map((r) => r.encodeText())))
    const file = join(dir, 'export.json')
    expect((await cli('dns', 'to-txt', d, file)).code).toBe(0)
    expect(`${readFileSync(file, 'utf8')}\n`).toBe(out)
    const zone = await cli('dns', 'to-zone', d)
    expect(zone.code).toBe(0)
    const lines = zone.out.trim().split('\n')
    expect(lines).toHaveLength(names.length)
    expect(lines).toContain(`export.test. 1800 IN TXT "${txt['export.test']}"`)
    for (const line of lines)
      expect(line).toMatch(/^[A-Z2-7]*\.?export\.test\. (1800|2419200) IN TXT "/)
  })
})

describe('devp2p dns sync, from a real DNS server on 127.0.0.1', () => {
  let dnsmasq: Dnsmasq
  let signedDir: string
  let url: string

  beforeAll(async () => {
    signedDir = definition('served.test', records, { links: [otherTree] })
    expect((await cli('dns', 'sign', signedDir, keyFile)).code).toBe(0)
    url = readInfo(signedDir).url
    const txt = JSON.parse((await cli('dns', 'to-txt', signedDir)).out) as Record<string, string>
    dnsmasq = await startDnsmasq(txt)
  })
  afterAll(async () => {
    await dnsmasq?.stop()
  })

  it('sign → to-txt → served → sync: the same nodes, seq, links and signature, in geth files', async () => {
    const out = join(dir, 'synced')
    const { code, err } = await cli('dns', 'sync', '--dns-servers', dnsmasq.server, url, out)
    expect(code, err).toBe(0)
    expect(err).toMatch(/dns sync: seq 1, 5 nodes, 1 links in /)
    const signed = readInfo(signedDir)
    const synced = readInfo(out)
    expect({ ...synced, lastModified: '' }).toEqual({ ...signed, lastModified: '' })
    const nodes = JSON.parse(readFileSync(join(out, 'nodes.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >
    expect(Object.keys(nodes)).toEqual(records.map(idOf).sort())
    for (const r of records) {
      // geth's writeTreeNodes: seq and record, no score, Go's zero times
      expect(nodes[idOf(r)]).toEqual({
        seq: Number(r.seq),
        record: r.encodeText(),
        firstResponse: '0001-01-01T00:00:00Z',
        lastResponse: '0001-01-01T00:00:00Z',
        lastCheck: '0001-01-01T00:00:00Z',
      })
    }
    // what sync wrote signs again to the same root: it is a definition directory
    const again = await cli('dns', 'to-txt', out)
    expect(again.code, again.err).toBe(0)
    expect(again.out).toBe((await cli('dns', 'to-txt', signedDir)).out)
    const root = (JSON.parse(again.out) as Record<string, string>)['served.test']!
    expect(root).toContain(`sig=${signed.signature}`)
    expect(verifyRootText(root, url)).toBe(true)
  })

  it('writes into the domain as the directory by default, and prints --json', async () => {
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      const { code, out, err } = await cli(
        'dns',
        'sync',
        '--json',
        '--dns-servers',
        dnsmasq.server,
        url,
      )
      expect(code, err).toBe(0)
      expect(JSON.parse(out)).toMatchObject({
        url,
        seq: 1,
        links: [otherTree],
        nodes: 5,
        dir: join(dir, 'served.test'),
      })
    } finally {
      process.chdir(cwd)
    }
  })

  it('fails with exit 1 for a tree that is not served, a bad URL or a bad server', async () => {
    const absent = url.replace('@served.test', '@absent.test')
    const missing = await cli(
      'dns',
      'sync',
      '--dns-servers',
      dnsmasq.server,
      absent,
      join(dir, 'x'),
    )
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/^devp2p: enrtree:\/\/.*@absent\.test: /m)
    expect((await cli('dns', 'sync', 'enrtree://nope@x.test')).code).toBe(1)
    expect((await cli('dns', 'sync', '--dns-servers', 'dns.example', url)).err).toMatch(
      /--dns-servers/,
    )
    expect((await cli('dns', 'sync', '--timeout', 'soon', url)).code).toBe(2)
  })
})

describe('enrtree-info.json numbers', () => {
  it('refuses a synced seq above 2^53 - 1 rather than write it rounded', () => {
    const big = signTree(buildTree({ seq: 2n ** 60n + 1n }), treeKey, 'big.test')
    expect(() => metaOf(big)).toThrow(/above 2\^53 - 1/)
    const max = signTree(buildTree({ seq: 2n ** 53n - 1n }), treeKey, 'max.test')
    expect(metaOf(max).seq).toBe(2 ** 53 - 1)
  })
})

/** Whether a root text's signature verifies with the key of `url` (an independent check). */
function verifyRootText(text: string, url: string): boolean {
  const m = /^enrtree-root:v1 e=(\S+) l=(\S+) seq=(\d+) sig=(\S+)$/.exec(text)
  if (!m) return false
  return verifyRoot(
    {
      type: 'root',
      eRoot: m[1]!,
      lRoot: m[2]!,
      seq: BigInt(m[3]!),
      signature: Uint8Array.from(Buffer.from(m[4]!, 'base64url')),
    },
    parseLink(url).publicKey,
  )
}
