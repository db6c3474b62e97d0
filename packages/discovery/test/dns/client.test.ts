/**
 * DnsClient.syncTree / syncTrees against a fake resolver: every way a served tree can be
 * wrong gives its typed error, links are followed once each with loops and depth
 * bounded, and the request rate holds on a fake clock.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  buildTree,
  DiscoveryError,
  DnsClient,
  type DnsClientOptions,
  type DnsTree,
  entryHash,
  formatEntry,
  MAX_LINK_DEPTH,
  MAX_TREE_DEPTH,
  MAX_TREE_ENTRIES,
  signRoot,
  signTree,
  treeToTxt,
} from '../../src/dns/index.js'
import { FakeResolver, flush, makeRecords } from './helpers.js'

const FAST = { rateLimitPerS: 1_000_000, rateBurst: 1_000_000 } as const

function served(
  domain: string,
  options: { records?: number; links?: string[]; seq?: bigint; key?: Uint8Array } = {},
): { tree: DnsTree; txt: Record<string, string>; key: Uint8Array } {
  const key = options.key ?? generatePrivateKey()
  const tree = signTree(
    buildTree({
      seq: options.seq ?? 1n,
      records: makeRecords(options.records ?? 5),
      links: options.links ?? [],
    }),
    key,
    domain,
  )
  return { tree, txt: treeToTxt(tree), key }
}

async function failure(promise: Promise<unknown>): Promise<DiscoveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof DiscoveryError)) throw new Error(`expected a DiscoveryError, got ${err}`)
  return err
}

function client(resolver: FakeResolver, options: DnsClientOptions = {}): DnsClient {
  return new DnsClient({ resolver, ...FAST, ...options })
}

describe('syncTree: what a served tree can get wrong', () => {
  it('syncs a good tree; other TXT records at a name are skipped', async () => {
    const { tree, txt } = served('good.test', { records: 20 })
    const resolver = new FakeResolver(txt)
    resolver.set({ 'good.test': ['v=spf1 -all', txt['good.test']!] })
    const synced = await client(resolver).syncTree(tree.url)
    expect(synced.records).toHaveLength(20)
    expect(synced.entries).toEqual(tree.entries)
    expect(resolver.queries).toHaveLength(tree.entries.size + 1)
  })

  it('a tampered leaf is HASH_MISMATCH', async () => {
    const { tree, txt } = served('t.test')
    const [hash, text] = [...tree.entries].find(([, t]) => t.startsWith('enr:'))!
    const other = makeRecords(1)[0]!.encodeText()
    expect(other).not.toBe(text)
    txt[`${hash}.t.test`] = other
    const err = await failure(client(new FakeResolver(txt)).syncTree(tree.url))
    expect(err.code).toBe('HASH_MISMATCH')
  })

  it('a root signed by another key is BAD_SIGNATURE', async () => {
    const { tree, txt } = served('s.test')
    txt['s.test'] = formatEntry(signRoot(tree.root, generatePrivateKey()))
    const err = await failure(client(new FakeResolver(txt)).syncTree(tree.url))
    expect(err.code).toBe('BAD_SIGNATURE')
  })

  it('a changed seq breaks the signature', async () => {
    const { tree, txt } = served('q.test')
    txt['q.test'] = formatEntry({ ...tree.root, seq: 2n })
    const err = await failure(client(new FakeResolver(txt)).syncTree(tree.url))
    expect(err.code).toBe('BAD_SIGNATURE')
  })

  it('a missing entry or root is ENTRY_NOT_FOUND', async () => {
    const { tree, txt } = served('m.test')
    const [hash] = [...tree.entries].find(([, t]) => t.startsWith('enr:'))!
    delete txt[`${hash}.m.test`]
    expect((await failure(client(new FakeResolver(txt)).syncTree(tree.url))).code).toBe(
      'ENTRY_NOT_FOUND',
    )
    delete txt['m.test']
    expect((await failure(client(new FakeResolver(txt)).syncTree(tree.url))).code).toBe(
      'ENTRY_NOT_FOUND',
    )
  })

  it('a link in the node subtree, or a root below the root, is UNEXPECTED_ENTRY', async () => {
    const key = generatePrivateKey()
    const { tree: other } = served('other.test')
    const link = other.url
    const branch = `enrtree-branch:${entryHash(link)}`
    const root = signRoot({ eRoot: entryHash(branch), lRoot: entryHash(link), seq: 1n }, key)
    const url = signTree(buildTree({ seq: 1n }), key, 'u.test').url
    const txt = {
      'u.test': formatEntry(root),
      [`${entryHash(branch)}.u.test`]: branch,
      [`${entryHash(link)}.u.test`]: link,
    }
    expect((await failure(client(new FakeResolver(txt)).syncTree(url))).code).toBe(
      'UNEXPECTED_ENTRY',
    )
    const rootText = formatEntry(root)
    const below = signRoot({ eRoot: entryHash(rootText), lRoot: entryHash(link), seq: 1n }, key)
    const txt2 = {
      'u.test': formatEntry(below),
      [`${entryHash(rootText)}.u.test`]: rootText,
      [`${entryHash(link)}.u.test`]: link,
    }
    expect((await failure(client(new FakeResolver(txt2)).syncTree(url))).code).toBe(
      'UNEXPECTED_ENTRY',
    )
  })

  it('a resolver failure is RESOLVE_FAILED with the cause', async () => {
    const { tree, txt } = served('f.test')
    const resolver = new FakeResolver(txt)
    const cause = Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' })
    resolver.failing.set('f.test', cause)
    const err = await failure(client(resolver).syncTree(tree.url))
    expect(err.code).toBe('RESOLVE_FAILED')
    expect(err.cause).toBe(cause)
  })

  it('no answer within timeoutMs is TIMEOUT (fake clock)', async () => {
    const { tree, txt } = served('slow.test')
    const resolver = new FakeResolver(txt)
    resolver.hold = new Promise(() => {})
    const clock = new ManualClock()
    const result = failure(client(resolver, { clock, timeoutMs: 2_000 }).syncTree(tree.url))
    await flush()
    clock.advance(1_999)
    await flush()
    clock.advance(1)
    const err = await result
    expect(err.code).toBe('TIMEOUT')
    expect(clock.pending).toBe(0)
  })

  it('an aborted signal is ABORTED, and leaves no timer', async () => {
    const { tree, txt } = served('a.test')
    const resolver = new FakeResolver(txt)
    resolver.hold = new Promise(() => {})
    const clock = new ManualClock()
    const controller = new AbortController()
    const result = failure(
      client(resolver, { clock }).syncTree(tree.url, { signal: controller.signal }),
    )
    await flush()
    controller.abort()
    expect((await result).code).toBe('ABORTED')
    expect(clock.pending).toBe(0)
  })

  it('a bad URL is INVALID_ENTRY before any query', async () => {
    const resolver = new FakeResolver()
    const err = await failure(client(resolver).syncTree('enrtree://nope@x.test'))
    expect(err.code).toBe('INVALID_ENTRY')
    expect(resolver.queries).toEqual([])
  })

  it('an answer over MAX_ENTRY_TEXT_CHARS is INVALID_ENTRY', async () => {
    const { tree, txt } = served('huge.test')
    const [hash] = [...tree.entries].find(([, t]) => t.startsWith('enr:'))!
    txt[`${hash}.huge.test`] = `enr:${'A'.repeat(65_000)}`
    const err = await failure(client(new FakeResolver(txt)).syncTree(tree.url))
    expect(err.code).toBe('INVALID_ENTRY')
    expect(err.message).toMatch(/over 1024/)
  })

  it('servers must be IP addresses with an optional port', () => {
    for (const ok of ['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:53']) {
      expect(() => new DnsClient({ servers: [ok] })).not.toThrow()
    }
    for (const bad of ['localhost', '127.0.0.1:70000', '[::1', 'x:53']) {
      expect(() => new DnsClient({ servers: [bad] })).toThrow(RangeError)
    }
  })

  it('bad options are RangeErrors', () => {
    expect(() => new DnsClient({ rateLimitPerS: 0 })).toThrow(RangeError)
    expect(() => new DnsClient({ rateBurst: 1.5 })).toThrow(RangeError)
    expect(() => new DnsClient({ timeoutMs: Number.NaN })).toThrow(RangeError)
  })
})

describe('bounds on what a tree can make us do', () => {
  const key = generatePrivateKey()
  const url = signTree(buildTree({ seq: 1n }), key, 'big.test').url
  const randomHash = (): string => entryHash(String(Math.random()))

  /** A tree whose node subtree tops out at `top`, with `texts` served below it. */
  function serve(top: string, texts: string[]): FakeResolver {
    const link = 'enrtree-branch:'
    const root = signRoot({ eRoot: entryHash(top), lRoot: entryHash(link), seq: 1n }, key)
    const zone: Record<string, string> = { 'big.test': formatEntry(root) }
    for (const t of [top, link, ...texts]) zone[`${entryHash(t)}.big.test`] = t
    return new FakeResolver(zone)
  }

  it(`branches nested deeper than MAX_TREE_DEPTH (${MAX_TREE_DEPTH}) are TREE_TOO_LARGE`, async () => {
    const chain = [`enrtree-branch:${randomHash()}`]
    for (let i = 0; i < MAX_TREE_DEPTH; i++) chain.unshift(`enrtree-branch:${entryHash(chain[0]!)}`)
    const err = await failure(client(serve(chain[0]!, chain.slice(1))).syncTree(url))
    expect(err.code).toBe('TREE_TOO_LARGE')
    expect(err.message).toMatch(/deeper/)
    // one level less is fine until the missing leaf
    const ok = await failure(client(serve(chain[1]!, chain.slice(2))).syncTree(url))
    expect(ok.code).toBe('ENTRY_NOT_FOUND')
  })

  it(`a tree that fans out past MAX_TREE_ENTRIES (${MAX_TREE_ENTRIES}) is TREE_TOO_LARGE, after few queries`, async () => {
    // three texts, each listing the one below 37 times: 37^3 = 50,653 hashes
    const bottom = `enrtree-branch:${Array.from({ length: 37 }, randomHash).join(',')}`
    const middle = `enrtree-branch:${Array(37).fill(entryHash(bottom)).join(',')}`
    const top = `enrtree-branch:${Array(37).fill(entryHash(middle)).join(',')}`
    const resolver = serve(top, [middle, bottom])
    const err = await failure(client(resolver).syncTree(url))
    expect(err.code).toBe('TREE_TOO_LARGE')
    expect(err.message).toMatch(/more than/)
    expect(resolver.queries.length).toBeLessThan(10) // repeated hashes come from memory
  })
})

describe('request rate', () => {
  it('holds rateLimitPerS after the burst, on the fake clock', async () => {
    const { tree, txt } = served('rate.test', { records: 26 }) // 26 leaves, 2 branches, top, link
    const resolver = new FakeResolver(txt)
    const clock = new ManualClock()
    const dns = new DnsClient({ resolver, clock, rateLimitPerS: 3, rateBurst: 10 })
    let done = false
    const result = dns.syncTree(tree.url).then((t) => {
      done = true
      return t
    })
    await flush(200)
    expect(resolver.queries).toHaveLength(10) // the burst
    clock.advance(333)
    await flush(200)
    expect(resolver.queries).toHaveLength(10)
    clock.advance(1)
    await flush(200)
    expect(resolver.queries).toHaveLength(11)
    clock.advance(1_000)
    await flush(200)
    expect(resolver.queries).toHaveLength(14) // 3 per second
    const total = tree.entries.size + 1
    for (let i = 0; i < 20 && !done; i++) {
      clock.advance(1_000)
      await flush(200)
    }
    expect((await result).records).toHaveLength(26)
    expect(resolver.queries).toHaveLength(total)
  })
})

describe('queries in flight', () => {
  it('at most maxQueriesInFlight at once (default 4)', async () => {
    const { tree, txt } = served('c.test', { records: 30 })
    const zone = new FakeResolver(txt)
    let inFlight = 0
    let most = 0
    const resolver = {
      async resolveTxt(name: string, options: { signal: AbortSignal }): Promise<string[]> {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight--
        return zone.resolveTxt(name, options)
      },
    }
    await new DnsClient({ resolver, ...FAST }).syncTree(tree.url)
    expect(most).toBe(4)
    most = 0
    await new DnsClient({ resolver, ...FAST, maxQueriesInFlight: 2 }).syncTree(tree.url)
    expect(most).toBe(2)
  })
})

describe('syncTrees: links', () => {
  it('follows a link loop A → B → A once per tree', async () => {
    const keyA = generatePrivateKey()
    const keyB = generatePrivateKey()
    const urlA = signTree(buildTree({ seq: 1n }), keyA, 'a.loop').url
    const urlB = signTree(buildTree({ seq: 1n }), keyB, 'b.loop').url
    const a = served('a.loop', { key: keyA, links: [urlB] })
    const b = served('b.loop', { key: keyB, links: [urlA] })
    const resolver = new FakeResolver({ ...a.txt, ...b.txt })
    const trees = await client(resolver).syncTrees([urlA])
    expect([...trees.keys()]).toEqual([urlA, urlB])
    expect(resolver.queries.filter((q) => q === 'a.loop')).toHaveLength(1)
  })

  it(`follows a chain of links ${MAX_LINK_DEPTH} deep, not further`, async () => {
    const keys = Array.from({ length: MAX_LINK_DEPTH + 3 }, () => generatePrivateKey())
    const urls = keys.map((k, i) => signTree(buildTree({ seq: 1n }), k, `c${i}.chain`).url)
    const resolver = new FakeResolver()
    keys.forEach((key, i) => {
      resolver.set(served(`c${i}.chain`, { key, records: 1, links: urls.slice(i + 1, i + 2) }).txt)
    })
    const trees = await client(resolver).syncTrees([urls[0]!])
    expect([...trees.keys()]).toEqual(urls.slice(0, MAX_LINK_DEPTH + 1))
  })
})
