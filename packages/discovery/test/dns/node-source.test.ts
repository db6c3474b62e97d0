/**
 * DnsClient.nodes(urls).randomNodes: the dial-candidate stream. It yields every dialable
 * node of a tree and of the trees it links to, survives link loops and broken trees,
 * rechecks each root after 30 minutes on the fake clock and then fetches only the
 * entries that changed.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import type { ENode } from '@devp2p/enode'
import type { NodeSource } from '@devp2p/p2p'
import { ManualClock, seededRandom } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  buildTree,
  DnsClient,
  ROOT_RECHECK_INTERVAL_MS,
  signTree,
  treeToTxt,
} from '../../src/dns/index.js'
import { FakeResolver, flush, makeRecords } from './helpers.js'

const FAST = { rateLimitPerS: 1_000_000, rateBurst: 1_000_000 } as const

/** Pulls from `it` until `want` distinct node ids were seen (at most `max` pulls). */
async function collect(it: AsyncIterator<ENode>, want: number, max = 2_000): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < max && seen.size < want; i++) {
    const next = await it.next()
    if (next.done) break
    seen.add(next.value.idHex)
  }
  return seen
}

function idsOf(records: readonly { nodeId: Uint8Array }[]): Set<string> {
  return new Set(records.map((r) => Buffer.from(r.nodeId).toString('hex')))
}

describe('randomNodes', () => {
  it('yields every node with an address and a TCP port, then offers them again', async () => {
    const key = generatePrivateKey()
    const dialable = makeRecords(20)
    const udpOnly = makeRecords(5, { tcp: false })
    const tree = signTree(buildTree({ seq: 1n, records: [...dialable, ...udpOnly] }), key, 'n.test')
    const resolver = new FakeResolver(treeToTxt(tree))
    const dns = new DnsClient({ resolver, ...FAST, random: seededRandom(1) })
    const controller = new AbortController()
    const it = dns
      .nodes([tree.url])
      .randomNodes({ signal: controller.signal })
      [Symbol.asyncIterator]()
    expect(await collect(it, 20)).toEqual(idsOf(dialable))
    // the walk finishes within a few more pulls (the UDP-only leaves yield nothing); then
    // every entry was fetched exactly once, and further pulls offer known nodes, no query
    const more = await collect(it, 100, 60)
    expect([...more].every((id) => idsOf(dialable).has(id))).toBe(true)
    expect(resolver.queries).toHaveLength(tree.entries.size + 1)
    expect(new Set(resolver.queries).size).toBe(tree.entries.size + 1)
    controller.abort()
    expect((await it.next()).done).toBe(true)
  })

  it('follows links (a loop A → B → A included) and yields the nodes of both trees', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const urlA = signTree(buildTree({ seq: 1n }), keyA, 'a.test').url
    const urlB = signTree(buildTree({ seq: 1n }), keyB, 'b.test').url
    const recordsA = makeRecords(4)
    const recordsB = makeRecords(6)
    const a = signTree(buildTree({ seq: 1n, records: recordsA, links: [urlB] }), keyA, 'a.test')
    const b = signTree(buildTree({ seq: 1n, records: recordsB, links: [urlA] }), keyB, 'b.test')
    const resolver = new FakeResolver({ ...treeToTxt(a), ...treeToTxt(b) })
    const dns = new DnsClient({ resolver, ...FAST, random: seededRandom(2) })
    const controller = new AbortController()
    const it = dns.nodes([urlA]).randomNodes({ signal: controller.signal })[Symbol.asyncIterator]()
    expect(await collect(it, 10)).toEqual(idsOf([...recordsA, ...recordsB]))
    expect(resolver.queries.filter((q) => q === 'a.test')).toHaveLength(1)
    expect(resolver.queries.filter((q) => q === 'b.test')).toHaveLength(1)
    controller.abort()
  })

  it('a broken tree does not stop the others', async () => {
    const good = signTree(
      buildTree({ seq: 1n, records: makeRecords(3) }),
      generatePrivateKey(),
      'g.test',
    )
    const bad = signTree(
      buildTree({ seq: 1n, records: makeRecords(3) }),
      generatePrivateKey(),
      'bad.test',
    )
    const txt = treeToTxt(bad)
    txt['bad.test'] = treeToTxt(good)['g.test']! // signed by another key
    const resolver = new FakeResolver({ ...treeToTxt(good), ...txt })
    const clock = new ManualClock()
    const dns = new DnsClient({ resolver, clock, ...FAST, random: seededRandom(3) })
    const controller = new AbortController()
    const it = dns
      .nodes([bad.url, good.url])
      .randomNodes({ signal: controller.signal })
      [Symbol.asyncIterator]()
    expect(await collect(it, 3)).toEqual(idsOf(good.records))
    await collect(it, 100, 50)
    // the bad root is not asked again before its retry time (5 s, on the fake clock)
    expect(resolver.queries.filter((q) => q === 'bad.test')).toHaveLength(1)
    clock.advance(5_000)
    await collect(it, 100, 50)
    expect(resolver.queries.filter((q) => q === 'bad.test')).toHaveLength(2)
    controller.abort()
  })

  it('rechecks the root after 30 min and fetches only the entries that changed', async () => {
    const key = generatePrivateKey()
    const first = makeRecords(30)
    const v1 = signTree(buildTree({ seq: 1n, records: first }), key, 'r.test')
    const resolver = new FakeResolver(treeToTxt(v1))
    const clock = new ManualClock()
    const dns = new DnsClient({
      resolver,
      clock,
      ...FAST,
      cacheMaxEntries: 1,
      random: seededRandom(4),
    })
    const controller = new AbortController()
    const it = dns
      .nodes([v1.url])
      .randomNodes({ signal: controller.signal })
      [Symbol.asyncIterator]()
    expect(await collect(it, 30)).toEqual(idsOf(first))
    expect(resolver.queries).toHaveLength(v1.entries.size + 1)

    // a new version: one record replaced
    const second = [...first.slice(1), ...makeRecords(1)]
    const v2 = signTree(buildTree({ seq: 2n, records: second }), key, 'r.test')
    resolver.replace(treeToTxt(v2))
    resolver.queries.length = 0
    await collect(it, 10, 10) // before the recheck: no query
    expect(resolver.queries).toEqual([])

    clock.advance(ROOT_RECHECK_INTERVAL_MS)
    const seen = await collect(it, 30)
    expect(seen).toEqual(idsOf(second))
    const changed = [...v2.entries.keys()].filter((h) => !v1.entries.has(h))
    expect(new Set(resolver.queries)).toEqual(
      new Set(['r.test', ...changed.map((h) => `${h}.r.test`)]),
    )
    expect(changed.length).toBeLessThan(v2.entries.size / 3)
    controller.abort()
  })

  it('an empty tree waits for the next root check, then yields what was added', async () => {
    const key = generatePrivateKey()
    const empty = signTree(buildTree({ seq: 1n }), key, 'e.test')
    const resolver = new FakeResolver(treeToTxt(empty))
    const clock = new ManualClock()
    const dns = new DnsClient({ resolver, clock, ...FAST })
    const controller = new AbortController()
    const it = dns
      .nodes([empty.url])
      .randomNodes({ signal: controller.signal })
      [Symbol.asyncIterator]()
    const next = it.next()
    await flush(100)
    expect(resolver.queries).toEqual(['e.test', `${empty.eRoot}.e.test`])
    expect(clock.pending).toBe(1) // the wait for the root check
    const added = makeRecords(1)
    resolver.replace(treeToTxt(signTree(buildTree({ seq: 2n, records: added }), key, 'e.test')))
    clock.advance(ROOT_RECHECK_INTERVAL_MS)
    const node = await next
    expect(node.value?.idHex).toBe(Buffer.from(added[0]!.nodeId).toString('hex'))
    controller.abort()
    expect((await it.next()).done).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('aborting a waiting stream ends it and clears its timer', async () => {
    const empty = signTree(buildTree({ seq: 1n }), generatePrivateKey(), 'w.test')
    const clock = new ManualClock()
    const dns = new DnsClient({ resolver: new FakeResolver(treeToTxt(empty)), clock, ...FAST })
    const controller = new AbortController()
    const it = dns
      .nodes([empty.url])
      .randomNodes({ signal: controller.signal })
      [Symbol.asyncIterator]()
    const next = it.next()
    await flush(100)
    expect(clock.pending).toBe(1)
    controller.abort()
    expect((await next).done).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('is a p2p NodeSource (structurally: discovery does not import p2p)', () => {
    const tree = signTree(buildTree({ seq: 1n }), generatePrivateKey(), 'p.test')
    const source: NodeSource = new DnsClient({ resolver: new FakeResolver() }).nodes([tree.url])
    expect(typeof source.randomNodes).toBe('function')
  })

  it('nodes() refuses no URLs and bad URLs at once', () => {
    const dns = new DnsClient({ resolver: new FakeResolver() })
    expect(() => dns.nodes([])).toThrow(RangeError)
    expect(() => dns.nodes(['enrtree://x@y'])).toThrow(/link/)
  })
})
