/**
 * Fetching one entry of a tree over DNS and checking it: a root must verify with the
 * tree's key, every other entry must hash to the name it was found at. Verified entries
 * are cached (content-addressed, so shared by every tree of a client).
 */
import { BoundedMap, type Clock, type Logger } from '@devp2p/common'
import { DiscoveryError } from '../errors.js'
import { MAX_ENTRY_TEXT_CHARS, MAX_TXT_RECORDS_PER_NAME, ROOT_PREFIX } from './constants.js'
import {
  isTreeText,
  type LinkEntry,
  parseEntry,
  type RootEntry,
  type TreeEntry,
} from './entries.js'
import { cacheKey, hashMatches } from './hash.js'
import type { QueryGate } from './query-gate.js'
import type { DnsResolver } from './resolver.js'
import { verifyRoot } from './root-signature.js'

/** A verified entry and the text it was parsed from. */
export interface FetchedEntry {
  readonly entry: TreeEntry
  readonly text: string
}

/** What a fetcher needs from its client. */
export interface FetcherOptions {
  readonly resolver: DnsResolver
  readonly gate: QueryGate
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
  readonly cacheMaxEntries: number
}

/** Roots and entries over DNS, verified, through the client's gate and cache. */
export class EntryFetcher {
  readonly #options: FetcherOptions
  // bounded: cacheMaxEntries (ENTRY_CACHE_MAX_ENTRIES by default), least recently used evicted
  readonly #cache: BoundedMap<string, FetchedEntry>
  // bounded: one entry per fetch of a distinct hash under way; each holds or awaits a slot
  // of the gate, and the callers are this client's own syncs and streams
  readonly #inFlight = new Map<string, Promise<FetchedEntry>>()

  constructor(options: FetcherOptions) {
    this.#options = options
    this.#cache = new BoundedMap({ maxSize: options.cacheMaxEntries, evict: 'recency' })
  }

  /**
   * The root at the tree's domain, its signature verified with the link's key.
   *
   * @throws DiscoveryError `ENTRY_NOT_FOUND` (no root TXT), `INVALID_ENTRY`,
   *   `BAD_SIGNATURE`, or a query failure (`RESOLVE_FAILED`, `TIMEOUT`, `ABORTED`).
   */
  async root(link: LinkEntry, signal: AbortSignal): Promise<{ root: RootEntry; text: string }> {
    const texts = await this.#query(link.domain, signal)
    const text = texts.find((t) => t.startsWith(ROOT_PREFIX))
    if (text === undefined) {
      throw new DiscoveryError('ENTRY_NOT_FOUND', `no tree root at ${link.domain}`)
    }
    const root = parseEntry(text)
    if (root.type !== 'root') throw new DiscoveryError('INVALID_ENTRY', 'invalid root')
    if (!verifyRoot(root, link.publicKey)) {
      throw new DiscoveryError(
        'BAD_SIGNATURE',
        `the root at ${link.domain} is not signed by the tree's key`,
      )
    }
    return { root, text }
  }

  /**
   * The entry at `<hash>.<domain>` (from the cache when it was fetched before), checked
   * against its hash. Other TXT records at the name are skipped.
   *
   * @throws DiscoveryError `ENTRY_NOT_FOUND`, `HASH_MISMATCH`, `INVALID_ENTRY`,
   *   `BAD_RECORD`, `UNEXPECTED_ENTRY` (a root), or a query failure.
   */
  async entry(domain: string, hash: string, signal: AbortSignal): Promise<FetchedEntry> {
    const key = cacheKey(hash)
    for (;;) {
      const cached = this.#cache.get(key)
      if (cached !== undefined) return cached
      const running = this.#inFlight.get(key)
      if (running === undefined) break
      try {
        return await running
      } catch (err) {
        // another caller's abort is not ours: then ask again ourselves
        if (!(err instanceof DiscoveryError) || err.code !== 'ABORTED' || signal.aborted) throw err
      }
    }
    const fetching = this.#fetch(domain, hash, signal)
    this.#inFlight.set(key, fetching)
    try {
      return await fetching
    } finally {
      this.#inFlight.delete(key)
    }
  }

  async #fetch(domain: string, hash: string, signal: AbortSignal): Promise<FetchedEntry> {
    const name = `${hash}.${domain}`
    const texts = await this.#query(name, signal)
    const text = texts.find(isTreeText)
    if (text === undefined) throw new DiscoveryError('ENTRY_NOT_FOUND', `no tree entry at ${name}`)
    if (text.length > MAX_ENTRY_TEXT_CHARS) {
      // refused before hashing: a server's 64 KiB answer costs us no keccak over it
      throw new DiscoveryError(
        'INVALID_ENTRY',
        `the entry at ${name} is over ${MAX_ENTRY_TEXT_CHARS} characters`,
      )
    }
    if (!hashMatches(text, hash)) {
      throw new DiscoveryError('HASH_MISMATCH', `the entry at ${name} does not hash to its name`)
    }
    const entry = parseEntry(text)
    const key = cacheKey(hash)
    if (entry.type === 'root') {
      throw new DiscoveryError('UNEXPECTED_ENTRY', `a root below the root, at ${name}`)
    }
    const fetched = { entry, text }
    this.#cache.set(key, fetched)
    return fetched
  }

  /** The entry of `hash` when the cache holds it (verified when it was fetched). */
  cached(hash: string): FetchedEntry | undefined {
    return this.#cache.get(cacheKey(hash))
  }

  /** One TXT query through the gate, within the time limit; errors made typed. */
  async #query(name: string, signal: AbortSignal): Promise<string[]> {
    const { gate, resolver, clock, timeoutMs, logger } = this.#options
    const release = await gate.acquire(signal)
    const timeout = new DiscoveryError('TIMEOUT', `no answer for ${name} within ${timeoutMs} ms`)
    // our own deadline rather than timeoutSignal: it must be cancelled when the query ends
    const controller = new AbortController()
    const querySignal = controller.signal
    const onAbort = (): void => controller.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
    const deadline = clock.deadline(timeoutMs, () => controller.abort(timeout))
    try {
      const texts = await abortable(resolver.resolveTxt(name, { signal: querySignal }), querySignal)
      logger.debug({ name, records: texts.length }, 'dns query')
      return texts.slice(0, MAX_TXT_RECORDS_PER_NAME).filter((t) => typeof t === 'string')
    } catch (err) {
      if (signal.aborted) throw new DiscoveryError('ABORTED', 'aborted', { cause: signal.reason })
      if (querySignal.aborted) throw timeout
      if (err instanceof DiscoveryError) throw err
      logger.debug({ name, err: String(err) }, 'dns query failed')
      throw new DiscoveryError('RESOLVE_FAILED', `query for ${name} failed: ${String(err)}`, {
        cause: err,
      })
    } finally {
      release()
      deadline.cancel()
      signal.removeEventListener('abort', onAbort)
    }
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (for resolvers that ignore it). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
