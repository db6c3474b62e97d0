/**
 * geth's "definition" format of a DNS node tree on disk (`cmd/devp2p/dnscmd.go`): a
 * directory holding `enrtree-info.json` (url, seq, signature, links, lastModified) and
 * `nodes.json` (the nodes.json of `discv4 crawl`). Easy to edit: a crawler or a person
 * writes nodes.json, `dns sign` signs, `dns to-txt`/`to-zone` export.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  attachSignature,
  buildTree,
  DiscoveryError,
  type DnsTree,
  parseLink,
} from '@devp2p/discovery/dns'
import { Enr } from '@devp2p/enode'
import { CliError } from '../io.js'
import { type NodeSet, writeNodeSet } from './crawl.js'

/** The tree's metadata file in a definition directory. */
export const META_FILE = 'enrtree-info.json'
/** The tree's nodes in a definition directory. */
export const NODES_FILE = 'nodes.json'
/** Go's zero `time.Time`, as geth writes the times of a node it never contacted. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

/** `enrtree-info.json`: geth's `dnsMetaJSON`. */
export interface TreeMeta {
  /** `enrtree://<key>@<domain>`, once signed. */
  url?: string
  seq: number
  /** The root's signature, unpadded base64url, once signed. */
  signature?: string
  links: string[]
  /** When the file was written (RFC 3339). */
  lastModified?: string
}

/** A definition directory read: its metadata and its node records, sorted by node id. */
export interface TreeDefinition {
  readonly meta: TreeMeta
  readonly records: readonly Enr[]
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

async function readJson(path: string, missing: () => unknown): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return missing()
    throw new CliError(`cannot read ${path}: ${message(err)}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new CliError(`${path} is not JSON: ${message(err)}`)
  }
}

/** Checks an `enrtree-info.json` value (absent: seq 0, no links, as geth's). */
function checkMeta(value: unknown, path: string): TreeMeta {
  if (!isObject(value)) throw new CliError(`${path}: not a JSON object`)
  const { url, seq = 0, signature, links = [], lastModified } = value
  if (url !== undefined && typeof url !== 'string') throw new CliError(`${path}: url is not text`)
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new CliError(`${path}: seq must be a non-negative integer (at most 2^53 - 1)`)
  }
  if (signature !== undefined && typeof signature !== 'string') {
    throw new CliError(`${path}: signature is not text`)
  }
  if (!Array.isArray(links) || !links.every((l) => typeof l === 'string')) {
    throw new CliError(`${path}: links must be an array of enrtree:// URLs`)
  }
  for (const link of links) {
    try {
      parseLink(link)
    } catch (err) {
      throw new CliError(`invalid link ${JSON.stringify(link)}: ${message(err)}`)
    }
  }
  return {
    ...(url === undefined || url === '' ? {} : { url }),
    seq,
    ...(signature === undefined || signature === '' ? {} : { signature }),
    links: [...links],
    ...(typeof lastModified === 'string' ? { lastModified } : {}),
  }
}

/** The records of a nodes.json, checked as geth's `nodeSet.verify` (id and seq match). */
function recordsOf(value: unknown, path: string): Enr[] {
  if (!isObject(value)) throw new CliError(`${path} is not a nodes.json file: not an object`)
  const records: Enr[] = []
  for (const [key, entry] of Object.entries(value)) {
    const id = key.replace(/^0x/, '').toLowerCase()
    if (!isObject(entry) || typeof entry.record !== 'string') {
      throw new CliError(`${path}: node ${key} has no record`)
    }
    let record: Enr
    try {
      record = Enr.decodeText(entry.record)
    } catch (err) {
      throw new CliError(`${path}: node ${key}: invalid record: ${message(err)}`)
    }
    const recordId = Buffer.from(record.nodeId).toString('hex')
    if (recordId !== id) {
      throw new CliError(`invalid node ${key}: ID does not match ID ${recordId} in record`)
    }
    if (entry.seq !== undefined && entry.seq !== Number(record.seq)) {
      throw new CliError(`invalid node ${key}: 'seq' does not match seq ${record.seq} from record`)
    }
    records.push(record)
  }
  return records.sort((a, b) => Buffer.compare(a.nodeId, b.nodeId))
}

/**
 * Reads a definition directory (geth's `loadTreeDefinition`): a missing
 * `enrtree-info.json` is seq 0 without links; `nodes.json` must exist.
 * @throws CliError naming the file for anything malformed.
 */
export async function loadTreeDefinition(dir: string): Promise<TreeDefinition> {
  const metaPath = join(dir, META_FILE)
  const nodesPath = join(dir, NODES_FILE)
  const meta = checkMeta(await readJson(metaPath, () => ({})), metaPath)
  const nodes = await readJson(nodesPath, () => {
    throw new CliError(`${nodesPath} does not exist: the tree's nodes (geth's nodes.json format)`)
  })
  return { meta, records: recordsOf(nodes, nodesPath) }
}

/** Builds a tree of a definition; a bad record set or link is a CliError. */
export function treeOf(def: TreeDefinition, seq = def.meta.seq): ReturnType<typeof buildTree> {
  try {
    return buildTree({ seq: BigInt(seq), records: def.records, links: def.meta.links })
  } catch (err) {
    throw new CliError(`cannot build the tree: ${message(err)}`)
  }
}

/**
 * The signed tree of a definition directory, for export (geth's
 * `loadTreeDefinitionForExport`): its url and signature must be there and valid.
 * @throws CliError when the tree is not signed, or its signature is not over these nodes.
 */
export async function loadSignedTree(dir: string): Promise<DnsTree> {
  const def = await loadTreeDefinition(dir)
  const metaPath = join(dir, META_FILE)
  const { url, signature } = def.meta
  if (url === undefined) throw new CliError(`missing 'url' field in ${metaPath}`)
  try {
    parseLink(url)
  } catch (err) {
    throw new CliError(`invalid 'url' field in ${metaPath}: ${message(err)}`)
  }
  if (signature === undefined) throw new CliError("missing signature, run 'devp2p dns sign' first")
  const tree = treeOf(def)
  try {
    return attachSignature(tree, url, signature)
  } catch (err) {
    if (!(err instanceof DiscoveryError)) throw err
    throw new CliError("invalid signature on tree, run 'devp2p dns sign' to update it")
  }
}

/**
 * The metadata of a signed tree (geth's `treeToDefinition`), stamped now.
 * @throws CliError for a seq above 2^53 - 1, which a JSON number here cannot hold exactly.
 */
export function metaOf(tree: DnsTree, now = Date.now()): TreeMeta {
  if (tree.seq > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CliError(
      `the tree's seq ${tree.seq} is above 2^53 - 1, which enrtree-info.json here cannot hold`,
    )
  }
  return {
    url: tree.url,
    seq: Number(tree.seq),
    signature: Buffer.from(tree.root.signature).toString('base64url'),
    links: [...tree.links],
    lastModified: new Date(now).toISOString(),
  }
}

/** `enrtree-info.json`'s text as geth writes it: Go's field order, 4-space indent. */
export function metaJson(meta: TreeMeta): string {
  const ordered = {
    ...(meta.url === undefined ? {} : { url: meta.url }),
    seq: meta.seq,
    ...(meta.signature === undefined ? {} : { signature: meta.signature }),
    links: meta.links,
    lastModified: meta.lastModified ?? GO_ZERO_TIME,
  }
  return JSON.stringify(ordered, null, 4)
}

/** Writes `enrtree-info.json` into `dir` (created if missing), atomically. */
export async function writeTreeMeta(dir: string, meta: TreeMeta): Promise<void> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, META_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, metaJson(meta))
  await rename(tmp, path)
}

/** Writes `records` as the directory's nodes.json (geth's `writeTreeNodes`: no scores or times). */
export async function writeTreeNodes(dir: string, records: readonly Enr[]): Promise<void> {
  const set: NodeSet = {}
  for (const record of records) {
    set[Buffer.from(record.nodeId).toString('hex')] = {
      seq: Number(record.seq),
      record: record.encodeText(),
      firstResponse: GO_ZERO_TIME,
      lastResponse: GO_ZERO_TIME,
      lastCheck: GO_ZERO_TIME,
    }
  }
  await mkdir(dir, { recursive: true })
  await writeNodeSet(join(dir, NODES_FILE), set)
}
