/**
 * DnsClient: syncs EIP-1459 trees over DNS and streams their nodes as dial candidates.
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import type { ENode } from '@devp2p/enode'
import {
  DNS_RATE_BURST,
  DNS_RATE_LIMIT_PER_S,
  DNS_TIMEOUT_MS,
  ENTRY_CACHE_MAX_ENTRIES,
  MAX_LINK_DEPTH,
  MAX_QUERIES_IN_FLIGHT,
} from './constants.js'
import { type LinkEntry, parseLink } from './entries.js'
import { EntryFetcher } from './entry-fetcher.js'
import { QueryGate, throwIfAborted } from './query-gate.js'
import { randomTreeNodes, reachableTrees } from './random-nodes.js'
import { type DnsResolver, systemResolver } from './resolver.js'
import type { DnsTree } from './tree.js'
import { TreeSync, type TreeSyncContext } from './tree-sync.js'

/** Options of {@link DnsClient}; every one has a default. */
export interface DnsClientOptions {
  /** Where TXT records come from (default: the system's DNS, or `servers`). */
  readonly resolver?: DnsResolver
  /** DNS servers for the default resolver, e.g. `['127.0.0.1:5353']` (ignored with `resolver`). */
  readonly servers?: readonly string[]
  readonly clock?: Clock
  readonly logger?: Logger
  /** DNS queries per second (default 3, `DNS_RATE_LIMIT_PER_S`). */
  readonly rateLimitPerS?: number
  /** Queries allowed at once after a quiet time (default 10, `DNS_RATE_BURST`). */
  readonly rateBurst?: number
  /** Time limit of one query in ms (default 5 s, `DNS_TIMEOUT_MS`). */
  readonly timeoutMs?: number
  /** Entries cached (default 1000, `ENTRY_CACHE_MAX_ENTRIES`). */
  readonly cacheMaxEntries?: number
  /** Queries in flight at once (default 4, `MAX_QUERIES_IN_FLIGHT`). */
  readonly maxQueriesInFlight?: number
  /** Random numbers in [0, 1) for the stream's choices (default `Math.random`). */
  readonly random?: () => number
}

/** A p2p `NodeSource` (structurally): the server pulls dial candidates from it. */
export interface DnsNodeSource {
  randomNodes(options: { signal: AbortSignal }): AsyncIterable<ENode>
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`)
  }
  return value
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const n = positive(name, value, fallback)
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be an integer, got ${n}`)
  return n
}

/**
 * A client for DNS node lists (EIP-1459, geth's `dnsdisc.Client`). It does no I/O until
 * asked and starts no timers; one client shares its request rate, query limit and entry
 * cache among all its syncs and streams.
 *
 * @example
 * ```ts
 * const client = new DnsClient({ servers: ['127.0.0.1:5353'] })
 * const tree = await client.syncTree('enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net')
 * console.log(tree.seq, tree.records.length, tree.links)
 * server.addNodeSource(client.nodes([url]))   // dial candidates for a p2p Server
 * ```
 */
export class DnsClient {
  readonly #ctx: TreeSyncContext & { random: () => number }
  readonly #concurrency: number

  /**
   * @throws RangeError for a limit that is not a positive number (integers for counts), or
   *   a server in `servers` that is not an IP address with an optional port.
   */
  constructor(options: DnsClientOptions = {}) {
    const clock = options.clock ?? systemClock
    const logger = options.logger ?? silentLogger
    this.#concurrency = positiveInt(
      'maxQueriesInFlight',
      options.maxQueriesInFlight,
      MAX_QUERIES_IN_FLIGHT,
    )
    const gate = new QueryGate({
      clock,
      ratePerS: positive('rateLimitPerS', options.rateLimitPerS, DNS_RATE_LIMIT_PER_S),
      burst: positiveInt('rateBurst', options.rateBurst, DNS_RATE_BURST),
      maxInFlight: this.#concurrency,
    })
    const resolver =
      options.resolver ??
      systemResolver(options.servers === undefined ? {} : { servers: options.servers })
    const fetcher = new EntryFetcher({
      resolver,
      gate,
      clock,
      logger,
      timeoutMs: positive('timeoutMs', options.timeoutMs, DNS_TIMEOUT_MS),
      cacheMaxEntries: positiveInt(
        'cacheMaxEntries',
        options.cacheMaxEntries,
        ENTRY_CACHE_MAX_ENTRIES,
      ),
    })
    this.#ctx = { fetcher, gate, clock, logger, random: options.random ?? Math.random }
  }

  /**
   * Downloads the whole tree at `url` (geth's `SyncTree`): the root, verified with the
   * URL's key, and every entry below it, each checked against its hash. Links are listed
   * (`tree.links`), not followed; see {@link syncTrees}.
   *
   * @throws DiscoveryError `INVALID_ENTRY` for a bad URL or entry, `BAD_SIGNATURE`,
   *   `HASH_MISMATCH`, `BAD_RECORD`, `ENTRY_NOT_FOUND`, `UNEXPECTED_ENTRY`,
   *   `TREE_TOO_LARGE`, `RESOLVE_FAILED`, `TIMEOUT`, `ABORTED`.
   */
  async syncTree(url: string, options: { signal?: AbortSignal } = {}): Promise<DnsTree> {
    const link = parseLink(url)
    const signal = options.signal ?? new AbortController().signal
    throwIfAborted(signal)
    return new TreeSync(link, this.#ctx).syncAll(signal, this.#concurrency)
  }

  /**
   * Downloads the trees at `urls` and every tree they link to, breadth first: at most
   * `MAX_LINKED_TREES` (32) trees, `MAX_LINK_DEPTH` (4) links deep, each tree once (a
   * link loop ends there).
   *
   * @returns url → tree (URLs as `formatLink` writes them), in the order synced.
   * @throws DiscoveryError as {@link syncTree}, for the first tree that fails.
   */
  async syncTrees(
    urls: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<string, DnsTree>> {
    const starts = urls.map((url) => parseLink(url))
    const signal = options.signal ?? new AbortController().signal
    // bounded: MAX_LINKED_TREES trees (reachableTrees)
    const synced = new Map<string, DnsTree>()
    const linksOf = (url: string): LinkEntry[] =>
      (synced.get(url)?.links ?? []).map((l) => parseLink(l))
    // each round syncs what is reachable and not synced yet, until nothing new is reached;
    // a tree is reached once, so this takes at most MAX_LINK_DEPTH + 1 rounds
    for (let round = 0; round <= MAX_LINK_DEPTH; round++) {
      const reached = reachableTrees(starts, linksOf, this.#ctx.logger)
      const fresh = [...reached].filter(([url]) => !synced.has(url))
      if (fresh.length === 0) break
      for (const [url, link] of fresh) {
        throwIfAborted(signal)
        synced.set(url, await new TreeSync(link, this.#ctx).syncAll(signal, this.#concurrency))
      }
    }
    return synced
  }

  /**
   * Dial candidates from the trees at `urls` and the trees they link to, as a p2p
   * `NodeSource` (`server.addNodeSource(client.nodes(urls))`). Each `randomNodes` call is
   * an endless stream: entries are fetched lazily at the client's request rate, nodes
   * (with an IP and a TCP port) yielded in random order, known ones offered again once a
   * tree is synced; every 30 min (`ROOT_RECHECK_INTERVAL_MS`) each root is fetched again
   * and only changed subtrees are fetched. It ends when its signal aborts.
   *
   * @throws DiscoveryError `INVALID_ENTRY` at once for a URL that is not `enrtree://`.
   * @throws RangeError when `urls` is empty.
   */
  nodes(urls: readonly string[]): DnsNodeSource {
    if (urls.length === 0) throw new RangeError('nodes needs at least one enrtree:// URL')
    const starts = urls.map((url) => parseLink(url))
    const ctx = this.#ctx
    return {
      randomNodes: ({ signal }) => randomTreeNodes(ctx, starts, signal),
    }
  }
}
