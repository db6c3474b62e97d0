import { readFile, rename, writeFile } from 'node:fs/promises'
import type { Discv4 } from '@devp2p/discovery/v4'
import type { ENode, Enr } from '@devp2p/enode'
import { CRAWL_IDLE_PAUSE_MS, CRAWL_PROGRESS_INTERVAL_MS } from '../constants.js'
import { CliError, type CliIo } from '../io.js'

/** One node of geth's `nodes.json` (`cmd/devp2p/nodeset.go`). */
export interface NodeJson {
  seq: number
  record: string
  /** Liveness checks passed (geth omits it when 0, as `dns sync` writes nodes). */
  score?: number
  firstResponse: string
  lastResponse: string
  lastCheck: string
}

/** geth's nodes.json: node id (hex) → what the crawler knows of it. */
export type NodeSet = Record<string, NodeJson>

/** Waits `ms`, or until `signal` aborts. */
function idle(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** A time as Go's `time.Time` marshals at second precision: `2026-12-07T21:46:53Z`. */
export function goTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** Reads a nodes.json; a missing file is an empty set. @throws {CliError} on a bad file. */
export async function loadNodeSet(path: string): Promise<NodeSet> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object')
    return value as NodeSet
  } catch (err) {
    throw new CliError(
      `${path} is not a nodes.json file: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}

/** Writes a nodes.json as geth does (keys sorted, 4-space indent), atomically. */
export async function writeNodeSet(path: string, set: NodeSet): Promise<void> {
  const sorted: NodeSet = {}
  for (const id of Object.keys(set).sort()) sorted[id] = set[id] as NodeJson
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(sorted, null, 4)}\n`)
  await rename(tmp, path)
}

/** The nodes of a set, as bootnodes (their records). */
export function recordsOf(set: NodeSet): string[] {
  return Object.values(set)
    .map((n) => n.record)
    .filter((r) => typeof r === 'string' && r.startsWith('enr:'))
}

/**
 * geth's crawl: the nodes of random lookups and of the table, each asked for its record (EIP-868) with at
 * most `parallel` requests in flight, until `signal` aborts; `set` is updated in place.
 * A progress line (`crawl: N nodes, M queried, T elapsed`) goes to stderr every second.
 */
export async function crawl(
  disc: Discv4,
  set: NodeSet,
  options: {
    signal: AbortSignal
    parallel: number
    io: CliIo
    /** Called after each node that answered (tests end the crawl with it). */
    onFound?: (set: NodeSet) => void
  },
): Promise<{ found: number; queried: number }> {
  const { signal, parallel, io, onFound } = options
  const start = Date.now()
  // bounded: by the nodes of the DHT the crawl reaches before its time limit
  const asked = new Set<string>()
  const running = new Set<Promise<void>>()
  let queried = 0
  let found = 0
  const progress = setInterval(() => {
    const elapsed = Math.round((Date.now() - start) / 1000)
    io.err(
      `crawl: ${Object.keys(set).length} nodes, ${found} found now, ${queried} queried, ${elapsed}s elapsed\n`,
    )
  }, CRAWL_PROGRESS_INTERVAL_MS)
  const ask = async (node: ENode): Promise<void> => {
    queried++
    let record: Enr
    try {
      record = await disc.requestEnr(node)
    } catch {
      return
    }
    const now = goTime(Date.now())
    const id = node.idHex
    const known = set[id]
    found++
    set[id] = {
      seq: Number(record.seq),
      record: record.encodeText(),
      score: (known?.score ?? 0) + 1,
      firstResponse: known?.firstResponse ?? now,
      lastResponse: now,
      lastCheck: now,
    }
    onFound?.(set)
  }
  try {
    // random lookups and the table, as geth's crawler walks the DHT: every node, not only
    // the dial candidates (randomNodes) with a TCP port
    while (!signal.aborted) {
      let nodes: ENode[]
      try {
        nodes = [...(await disc.lookup(undefined, { signal })), ...disc.tableNodes()]
      } catch (err) {
        if (signal.aborted) break
        throw err
      }
      let fresh = 0
      for (const node of nodes) {
        if (signal.aborted) break
        if (asked.has(node.idHex)) continue
        asked.add(node.idHex)
        fresh++
        const task: Promise<void> = ask(node).finally(() => running.delete(task))
        running.add(task)
        if (running.size >= parallel) await Promise.race(running)
      }
      if (fresh === 0) await idle(CRAWL_IDLE_PAUSE_MS, signal)
    }
  } finally {
    clearInterval(progress)
  }
  await Promise.all(running)
  return { found, queried }
}
