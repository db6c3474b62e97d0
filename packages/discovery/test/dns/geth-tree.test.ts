/**
 * A tree go-ethereum built, signed and wrote (../vectors/dnsdisc-geth-tree.json: geth's
 * MakeTree, Sign, ToTXT and the JSON of `devp2p dns to-txt`): from the same records, link,
 * seq and key, ours is byte for byte the same, and our client reads geth's records.
 */
import { Enr } from '@devp2p/enode'
import { unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { buildTree, DnsClient, signTree, treeToTxt, txtToJson } from '../../src/dns/index.js'
import geth from '../vectors/dnsdisc-geth-tree.json' with { type: 'json' }
import { FakeResolver } from './helpers.js'

describe("go-ethereum's tree", () => {
  const tree = signTree(
    buildTree({
      seq: BigInt(geth.seq),
      records: geth.records.map((text) => Enr.decodeText(text)),
      links: geth.links,
    }),
    unhex(geth.treeKey),
    geth.domain,
  )

  it('builds and signs the same tree: URL, every TXT record, the to-txt JSON', () => {
    expect(tree.url).toBe(geth.url)
    expect(treeToTxt(tree)).toEqual(geth.txt)
    expect(txtToJson(treeToTxt(tree))).toBe(geth.toTxtJson)
  })

  it("syncs geth's records", async () => {
    const client = new DnsClient({
      resolver: new FakeResolver(geth.txt),
      rateLimitPerS: 1e6,
      rateBurst: 1e6,
    })
    const synced = await client.syncTree(geth.url)
    expect(synced.seq).toBe(3n)
    expect(new Set(synced.records.map((r) => r.encodeText()))).toEqual(new Set(geth.records))
    expect(synced.links).toEqual(geth.links)
  })
})
