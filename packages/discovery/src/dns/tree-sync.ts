/**
 * One tree being synced: its verified root, and a walk of each subtree (links first,
 * then nodes) that resolves one entry at a time. Entries are content-addressed, so when
 * the root changes the walk starts again from the new root but takes every entry the
 * previous version had from memory: only changed subtrees are fetched.
 */
import type { Clock, Logger } from '@devp2p/common'
import type { Enr } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import {
  MAX_TREE_DEPTH,
  MAX_TREE_ENTRIES,
  ROOT_RECHECK_AFTER_FAILURES,
  ROOT_RECHECK_INTERVAL_MS,
  ROOT_RETRY_MIN_MS,
} from './constants.js'
import { formatLink, type LinkEntry, type RootEntry } from './entries.js'
import type { EntryFetcher, FetchedEntry } from './entry-fetcher.js'
import type { QueryGate } from './query-gate.js'
import type { DnsTree } from './tree.js'

/** A hash still to resolve, and how many branches lie above it. */
interface Pending {
  readonly hash: string
  readonly depth: number
}

/** The walk of one subtree (`e=` or `l=`). */
interface Walk {
  readonly top: string
  readonly links: boolean
  // bounded: with the entries visited, at most MAX_TREE_ENTRIES (checked before a push)
  readonly missing: Pending[]
}

/** What a tree needs from its client. */
export interface TreeSyncContext {
  readonly fetcher: EntryFetcher
  readonly gate: QueryGate
  readonly clock: Clock
  readonly logger: Logger
}

/** The outcome of one {@link TreeSync.step}. */
export interface StepResult {
  /** A node record reached in this step. */
  readonly record?: Enr
  /** The walk of the link subtree finished in this step: {@link TreeSync.linkEntries} changed. */
  readonly linksChanged: boolean
}

/** The sync state of one tree. */
export class TreeSync {
  readonly link: LinkEntry
  readonly url: string
  readonly #ctx: TreeSyncContext
  #root: RootEntry | undefined
  #checkedAt = Number.NEGATIVE_INFINITY
  #rootFailures = 0
  #leafFailures = 0
  #incomplete = false
  // bounded: MAX_TREE_ENTRIES each (checked before a walk adds a hash)
  #entries = new Map<string, FetchedEntry>()
  #previous = new Map<string, FetchedEntry>()
  #records = new Map<string, Enr>()
  #links = new Map<string, LinkEntry>()
  // bounded: the links of one complete link walk (MAX_TREE_ENTRIES)
  #completeLinks: readonly LinkEntry[] = []
  #eWalk: Walk | undefined
  #lWalk: Walk | undefined

  constructor(link: LinkEntry, ctx: TreeSyncContext) {
    this.link = link
    this.url = formatLink(link.publicKey, link.domain)
    this.#ctx = ctx
  }

  /** The verified root, once one was fetched. */
  get root(): RootEntry | undefined {
    return this.#root
  }

  /**
   * The links of the last complete walk of the link subtree (while a new version's walk
   * runs, the previous version's), so that linked trees are not dropped midway.
   */
  linkEntries(): readonly LinkEntry[] {
    return this.#completeLinks
  }

  /** The node records of the current version found so far. */
  records(): Enr[] {
    return [...this.#records.values()]
  }

  /** When the root should be fetched (again), on the clock. */
  rootDueAt(): number {
    if (this.#root === undefined || this.#rootFailures > 0) {
      if (this.#rootFailures === 0) return this.#checkedAt
      const backoff = ROOT_RETRY_MIN_MS * 2 ** Math.min(this.#rootFailures - 1, 20)
      return this.#checkedAt + Math.min(backoff, ROOT_RECHECK_INTERVAL_MS)
    }
    if (this.#leafFailures > ROOT_RECHECK_AFTER_FAILURES) return this.#checkedAt
    return this.#checkedAt + ROOT_RECHECK_INTERVAL_MS
  }

  /** Whether {@link step} has anything to do now. */
  canStep(now: number): boolean {
    if (now >= this.rootDueAt()) return true
    if (this.#root === undefined) return false
    return !this.#done(this.#lWalk) || !this.#done(this.#eWalk) || this.#records.size > 0
  }

  /**
   * Fetches and verifies the root; when it changed (or the last walk lost entries to
   * failures), the walks start again from it.
   *
   * @throws DiscoveryError from the fetch; the failure is counted for the retry backoff.
   */
  async updateRoot(signal: AbortSignal): Promise<void> {
    this.#checkedAt = this.#ctx.clock.now()
    let root: RootEntry
    try {
      ;({ root } = await this.#ctx.fetcher.root(this.link, signal))
    } catch (err) {
      if (!(err instanceof DiscoveryError) || err.code !== 'ABORTED') this.#rootFailures++
      throw err
    }
    this.#rootFailures = 0
    this.#leafFailures = 0
    const old = this.#root
    this.#root = root
    if (old !== undefined && old.eRoot === root.eRoot && old.lRoot === root.lRoot) {
      if (!this.#incomplete) return
    }
    this.#ctx.logger.debug({ tree: this.url, seq: root.seq }, 'dns tree root')
    // keep the last version's entries: the new walk takes what it can from them
    if (this.#entries.size > 0) this.#previous = this.#entries
    this.#entries = new Map()
    this.#records = new Map()
    this.#links = new Map()
    this.#incomplete = false
    this.#eWalk = { top: root.eRoot, links: false, missing: [{ hash: root.eRoot, depth: 0 }] }
    this.#lWalk = { top: root.lRoot, links: true, missing: [{ hash: root.lRoot, depth: 0 }] }
  }

  /**
   * One step of a stream: the root when it is due, else one entry of the link walk, else
   * one random entry of the node walk, else (all synced) one random known record. Every
   * step costs a token of the gate, whether it queries DNS or not (geth: no hot spinning).
   */
  async step(signal: AbortSignal, random: () => number): Promise<StepResult> {
    if (this.#ctx.clock.now() >= this.rootDueAt()) await this.updateRoot(signal)
    const lWalk = this.#lWalk
    const eWalk = this.#eWalk
    if (lWalk === undefined || eWalk === undefined) return { linksChanged: false }
    if (!this.#done(lWalk)) {
      await this.#resolveAt(lWalk, 0, signal, true)
      return { linksChanged: this.#done(lWalk) }
    }
    if (!this.#done(eWalk)) {
      const index = Math.floor(random() * eWalk.missing.length)
      const fetched = await this.#resolveAt(eWalk, index, signal, true)
      return fetched.entry.type === 'enr'
        ? { record: fetched.entry.record, linksChanged: false }
        : { linksChanged: false }
    }
    if (this.#records.size === 0) return { linksChanged: false }
    await this.#ctx.gate.token(signal)
    const records = [...this.#records.values()]
    return { record: records[Math.floor(random() * records.length)], linksChanged: false }
  }

  /**
   * The whole tree: the root, then every entry, `concurrency` queries at a time.
   *
   * @throws DiscoveryError the first failure; the queries still running are aborted.
   */
  async syncAll(signal: AbortSignal, concurrency: number): Promise<DnsTree> {
    await this.updateRoot(signal)
    const controller = new AbortController()
    const inner = AbortSignal.any([signal, controller.signal])
    try {
      for (const walk of [this.#lWalk!, this.#eWalk!]) {
        while (!this.#done(walk)) {
          const n = Math.min(concurrency, walk.missing.length)
          const batch = walk.missing.splice(0, n)
          await Promise.all(batch.map((p) => this.#resolve(walk, p, inner, false)))
        }
      }
    } catch (err) {
      controller.abort()
      throw err
    }
    return this.toTree()
  }

  /** The tree as synced so far (complete after {@link syncAll}). */
  toTree(): DnsTree {
    const root = this.#root
    if (root === undefined) throw new DiscoveryError('ENTRY_NOT_FOUND', 'the tree has no root yet')
    const entries = new Map<string, string>()
    for (const [hash, { text }] of this.#entries) entries.set(hash, text)
    return {
      seq: root.seq,
      eRoot: root.eRoot,
      lRoot: root.lRoot,
      entries,
      records: this.records(),
      links: [...this.#links.values()].map((l) => formatLink(l.publicKey, l.domain)),
      root,
      url: this.url,
      domain: this.link.domain,
    }
  }

  #done(walk: Walk | undefined): boolean {
    return walk === undefined || walk.missing.length === 0
  }

  async #resolveAt(
    walk: Walk,
    index: number,
    signal: AbortSignal,
    throttle: boolean,
  ): Promise<FetchedEntry> {
    const [pending] = walk.missing.splice(index, 1)
    try {
      return await this.#resolve(walk, pending!, signal, throttle)
    } catch (err) {
      if (!(err instanceof DiscoveryError) || err.code !== 'ABORTED') {
        this.#leafFailures++
        this.#incomplete = true // resolved again from the next root check
      } else {
        walk.missing.push(pending!) // not failed: try it again later
      }
      throw err
    }
  }

  /** Resolves one hash of `walk` (from memory when known), checks its kind, adds its children. */
  async #resolve(
    walk: Walk,
    pending: Pending,
    signal: AbortSignal,
    throttle: boolean,
  ): Promise<FetchedEntry> {
    const { hash, depth } = pending
    const known =
      this.#entries.get(hash) ?? this.#previous.get(hash) ?? this.#ctx.fetcher.cached(hash)
    let fetched: FetchedEntry
    if (known !== undefined) {
      if (throttle) await this.#ctx.gate.token(signal)
      fetched = known
    } else {
      fetched = await this.#ctx.fetcher.entry(this.link.domain, hash, signal)
    }
    const { entry } = fetched
    if (entry.type === 'enr' && walk.links) {
      throw new DiscoveryError(
        'UNEXPECTED_ENTRY',
        `a node record in the link subtree of ${this.url}`,
      )
    }
    if (entry.type === 'link' && !walk.links) {
      throw new DiscoveryError('UNEXPECTED_ENTRY', `a link in the node subtree of ${this.url}`)
    }
    if (entry.type === 'branch') {
      if (depth + 1 > MAX_TREE_DEPTH) {
        throw new DiscoveryError(
          'TREE_TOO_LARGE',
          `branches of ${this.url} nest deeper than ${MAX_TREE_DEPTH}`,
        )
      }
      const queued = (this.#eWalk?.missing.length ?? 0) + (this.#lWalk?.missing.length ?? 0)
      if (this.#entries.size + queued + entry.children.length >= MAX_TREE_ENTRIES) {
        throw new DiscoveryError(
          'TREE_TOO_LARGE',
          `${this.url} has more than ${MAX_TREE_ENTRIES} entries`,
        )
      }
      for (const child of entry.children) walk.missing.push({ hash: child, depth: depth + 1 })
    }
    this.#entries.set(hash, fetched)
    if (entry.type === 'enr') this.#records.set(hash, entry.record)
    if (entry.type === 'link') this.#links.set(hash, entry)
    if (walk.links && this.#done(walk)) this.#completeLinks = [...this.#links.values()]
    if (this.#done(this.#eWalk) && this.#done(this.#lWalk)) this.#previous = new Map()
    return fetched
  }
}
