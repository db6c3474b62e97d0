/**
 * The EIP-1459 example tree (../vectors/dnsdisc.json, copied from the shared vectors with
 * its sources): every name is the hash of its text, the root's fields and signature, the
 * URL erratum, and a client that syncs the tree finds 3 records, 1 link and seq 1.
 */
import { compressPublicKey } from '@devp2p/crypto'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  DiscoveryError,
  DnsClient,
  entryHash,
  formatEntry,
  parseEntry,
  parseLink,
  rootSignedText,
  verifyRoot,
} from '../../src/dns/index.js'
import { EXAMPLE_URL, exampleZone, FakeResolver, vectors } from './helpers.js'

const statedKey = unhex(vectors.urlExample.publicKey.slice(2))
const rootText = vectors.root.text

describe('EIP-1459 example tree', () => {
  it('names every entry but the root by base32(keccak256(text)[:16])', () => {
    const records = vectors.zone.records.filter((r) => r.name !== '@')
    expect(records).toHaveLength(5)
    for (const r of records) expect(entryHash(r.content)).toBe(r.name)
  })

  it('parses the root: e=, l=, seq=1 and a 65-byte signature, and writes it back', () => {
    const root = parseEntry(rootText)
    expect(root).toMatchObject({
      type: 'root',
      eRoot: vectors.root.eRoot,
      lRoot: vectors.root.lRoot,
      seq: 1n,
    })
    if (root.type !== 'root') throw new Error('not a root')
    expect(Buffer.from(root.signature).toString('base64url')).toBe(vectors.root.sig)
    expect(rootSignedText(root)).toBe(vectors.root.signedContent)
    expect(formatEntry(root)).toBe(rootText)
  })

  it("verifies the root with the stated key, not with the URL username's key (erratum)", () => {
    const root = parseEntry(rootText)
    if (root.type !== 'root') throw new Error('not a root')
    expect(verifyRoot(root, statedKey)).toBe(true)
    const urlKey = parseLink(vectors.urlExample.url).publicKey
    expect(hex(urlKey)).toBe(vectors.urlExample.erratum.urlUsernameDecodesTo)
    expect(verifyRoot(root, urlKey)).toBe(false)
    expect(hex(compressPublicKey(statedKey))).toBe(vectors.urlExample.erratum.statedKeyCompressed)
    expect(hex(parseLink(EXAMPLE_URL).publicKey)).toBe(
      vectors.urlExample.erratum.statedKeyCompressed,
    )
  })

  it('parses the URL: domain and key', () => {
    const link = parseLink(vectors.urlExample.url)
    expect(link.domain).toBe(vectors.urlExample.domain)
    expect(formatEntry(link)).toBe(vectors.urlExample.url)
  })

  it('e= is a branch of the three enr: leaves, l= the link to morenodes.example.org', () => {
    const byName = new Map(vectors.zone.records.map((r) => [r.name, r.content]))
    const branch = parseEntry(byName.get(vectors.root.eRoot)!)
    expect(branch.type).toBe('branch')
    if (branch.type !== 'branch') return
    expect(branch.children).toHaveLength(3)
    for (const child of branch.children) {
      const leaf = parseEntry(byName.get(child)!)
      expect(leaf.type).toBe('enr')
      if (leaf.type === 'enr') expect(leaf.record.keys()).toEqual(['id', 'secp256k1'])
    }
    const link = parseEntry(byName.get(vectors.root.lRoot)!)
    expect(link).toMatchObject({ type: 'link', domain: 'morenodes.example.org' })
    // every entry writes back as the text it was parsed from
    for (const r of vectors.zone.records) expect(formatEntry(parseEntry(r.content))).toBe(r.content)
  })

  it('a client syncing the tree finds 3 node records, 1 link and seq 1', async () => {
    const client = new DnsClient({ resolver: new FakeResolver(exampleZone()) })
    const tree = await client.syncTree(EXAMPLE_URL)
    expect(tree.seq).toBe(1n)
    expect(tree.records).toHaveLength(3)
    expect(tree.links).toEqual([
      'enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org',
    ])
    expect(tree.entries.size).toBe(5)
  })

  it('the URL as the EIP prints it does not verify the example root', async () => {
    const client = new DnsClient({ resolver: new FakeResolver(exampleZone()) })
    const err = await client.syncTree(vectors.urlExample.url).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiscoveryError)
    expect((err as DiscoveryError).code).toBe('BAD_SIGNATURE')
  })
})
