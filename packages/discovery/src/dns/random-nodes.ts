/**
 * The dial-candidate stream over one or more trees and the trees they link to (geth's
 * random iterator): each step picks a random tree that has work, resolves one entry of it
 * (or picks one of its records once it is synced) and yields the nodes it reaches.
 */
import type { Clock, Logger } from '@devp2p/common'
import { ENode } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import { MAX_LINK_DEPTH, MAX_LINKED_TREES } from './constants.js'
import { formatLink, type LinkEntry } from './entries.js'
import { TreeSync, type TreeSyncContext } from './tree-sync.js'

/** What the stream needs from its client. */
export interface StreamContext extends TreeSyncContext {
  readonly random: () => number
}

/**
 * The trees reachable from `starts` through the links of the trees synced so far,
 * breadth first: at most {@link MAX_LINKED_TREES}, at most {@link MAX_LINK_DEPTH} links
 * from a start. A link loop reaches a tree that is already there, and ends.
 */
export function reachableTrees(
  starts: readonly LinkEntry[],
  linksOf: (url: string) => readonly LinkEntry[],
  logger: Logger,
): Map<string, LinkEntry> {
  // bounded: MAX_LINKED_TREES trees
  const reached = new Map<string, LinkEntry>()
  // bounded: each reached tree queues its links once, and only below MAX_LINK_DEPTH
  const queue: { link: LinkEntry; depth: number }[] = starts.map((link) => ({ link, depth: 0 }))
  for (let i = 0; i < queue.length; i++) {
    const { link, depth } = queue[i]!
    const url = formatLink(link.publicKey, link.domain)
    if (reached.has(url)) continue
    if (reached.size >= MAX_LINKED_TREES) {
      logger.debug({ tree: url }, `dns link skipped: ${MAX_LINKED_TREES} trees reached`)
      continue
    }
    reached.set(url, link)
    if (depth >= MAX_LINK_DEPTH) continue
    for (const next of linksOf(url)) queue.push({ link: next, depth: depth + 1 })
  }
  return reached
}

/**
 * Endless dial candidates from the trees at `starts`: nodes with an IP address and a TCP
 * port, verified up to a signed root. When every tree is synced and has no records, it
 * waits (on the clock) for the next root check. Ends when `signal` aborts.
 */
export async function* randomTreeNodes(
  ctx: StreamContext,
  starts: readonly LinkEntry[],
  signal: AbortSignal,
): AsyncGenerator<ENode, void, undefined> {
  // bounded: MAX_LINKED_TREES trees (reachableTrees)
  const trees = new Map<string, TreeSync>()
  const rebuild = (): void => {
    const reached = reachableTrees(starts, (url) => trees.get(url)?.linkEntries() ?? [], ctx.logger)
    for (const url of trees.keys()) if (!reached.has(url)) trees.delete(url)
    for (const [url, link] of reached) if (!trees.has(url)) trees.set(url, new TreeSync(link, ctx))
  }
  rebuild()
  while (!signal.aborted) {
    const now = ctx.clock.now()
    const ready = [...trees.values()].filter((t) => t.canStep(now))
    if (ready.length === 0) {
      const next = Math.min(...[...trees.values()].map((t) => t.rootDueAt()))
      await pause(ctx.clock, Math.max(0, next - now), signal)
      continue
    }
    const tree = ready[Math.floor(ctx.random() * ready.length)]!
    let record: ENode | undefined
    try {
      const result = await tree.step(signal, ctx.random)
      if (result.linksChanged) rebuild()
      if (result.record !== undefined) record = ENode.fromRecord(result.record)
    } catch (err) {
      if (signal.aborted) return
      if (!(err instanceof DiscoveryError)) throw err
      ctx.logger.debug({ tree: tree.url, code: err.code, err: err.message }, 'dns sync step failed')
      continue
    }
    if (record !== undefined && record.ip !== undefined && record.tcp) yield record
  }
}

/** Waits `ms` on `clock` (background: the system clock does not keep the process alive for it), or until `signal` aborts. */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const done = (): void => {
      clock.clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = clock.setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
