/**
 * Against a real DNS server on loopback (dnsmasq, started here from a config generated
 * from our builder's output): our client, with node:dns pointed at it, syncs a tree whose
 * branches and records are longer than one 255-byte TXT string, streams its nodes, reads
 * the EIP-1459 example zone, and refuses a tampered entry. Fails (never skips) when
 * dnsmasq is not installed.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { type Dnsmasq, startDnsmasq } from '@devp2p/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildTree,
  DiscoveryError,
  DnsClient,
  type DnsTree,
  signTree,
  treeToTxt,
} from '../../src/dns/index.js'
import { EXAMPLE_URL, exampleZone, makeRecords } from './helpers.js'

const key = generatePrivateKey()
// 40 records: a top branch of 4 children, full branches of 13 (366 characters) and
// leaves of up to 160; a link; records with and without TCP ports
const records = [...makeRecords(38), ...makeRecords(2, { tcp: false })]
const other = signTree(buildTree({ seq: 1n }), generatePrivateKey(), 'other.test').url
const tree: DnsTree = signTree(buildTree({ seq: 7n, records, links: [other] }), key, 'nodes.test')
const tampered = signTree(buildTree({ seq: 1n, records: makeRecords(3) }), key, 'bad.test')
const tamperedTxt = treeToTxt(tampered)
const [leafHash] = [...tampered.entries].find(([, t]) => t.startsWith('enr:'))!
tamperedTxt[`${leafHash}.bad.test`] = makeRecords(1)[0]!.encodeText()

let dnsmasq: Dnsmasq

beforeAll(async () => {
  dnsmasq = await startDnsmasq({ ...treeToTxt(tree), ...exampleZone(), ...tamperedTxt })
})

afterAll(async () => {
  await dnsmasq?.stop()
})

function client(): DnsClient {
  return new DnsClient({ servers: [dnsmasq.server], rateLimitPerS: 500, rateBurst: 50 })
}

describe('DnsClient against dnsmasq on 127.0.0.1', () => {
  it('serves long texts as several strings: the test tree has them', () => {
    const longest = Math.max(...[...tree.entries.values()].map((t) => t.length))
    expect(longest).toBeGreaterThan(255)
  })

  it('syncs the tree: every record, the link, seq, every entry', async () => {
    const synced = await client().syncTree(tree.url)
    expect(synced.seq).toBe(7n)
    expect(synced.links).toEqual([other])
    expect(synced.entries).toEqual(tree.entries)
    expect(new Set(synced.records.map((r) => r.encodeText()))).toEqual(
      new Set(records.map((r) => r.encodeText())),
    )
  })

  it('streams the nodes with a TCP port as dial candidates', async () => {
    const controller = new AbortController()
    const seen = new Set<string>()
    for await (const node of client()
      .nodes([tree.url])
      .randomNodes({ signal: controller.signal })) {
      seen.add(node.idHex)
      if (seen.size === 38) controller.abort()
    }
    expect(seen).toEqual(
      new Set(records.slice(0, 38).map((r) => Buffer.from(r.nodeId).toString('hex'))),
    )
  })

  it('reads the EIP-1459 example zone: 3 records, 1 link, seq 1', async () => {
    const synced = await client().syncTree(EXAMPLE_URL)
    expect(synced.records).toHaveLength(3)
    expect(synced.links).toHaveLength(1)
    expect(synced.seq).toBe(1n)
  })

  it('refuses a tampered leaf (HASH_MISMATCH) and a name it does not serve (ENTRY_NOT_FOUND)', async () => {
    const err = await client()
      .syncTree(tampered.url)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DiscoveryError)
    expect((err as DiscoveryError).code).toBe('HASH_MISMATCH')
    const missing = await client()
      .syncTree(signTree(buildTree({ seq: 1n }), key, 'absent.test').url)
      .catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(DiscoveryError)
    expect((missing as DiscoveryError).code).toBe('ENTRY_NOT_FOUND')
  })
})
