/**
 * Building and signing a tree from node records and links, in geth's layout
 * (`dnsdisc.MakeTree`): records sorted by node id, branches of at most
 * {@link MAX_BRANCH_CHILDREN} children, a subtree of one entry being that entry.
 */
import { publicKeyFromPrivate } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import { BRANCH_PREFIX, MAX_BRANCH_CHILDREN } from './constants.js'
import { base64urlDecode } from './encoding.js'
import { formatEntry, formatLink, parseLink, type RootEntry } from './entries.js'
import { entryHash } from './hash.js'
import { signRoot, verifyRoot } from './root-signature.js'

/** A tree before its root is signed. */
export interface UnsignedTree {
  readonly seq: bigint
  /** The hash of the node subtree's top entry. */
  readonly eRoot: string
  /** The hash of the link subtree's top entry. */
  readonly lRoot: string
  /** Every entry but the root: subdomain (hash) → TXT text. */
  readonly entries: ReadonlyMap<string, string>
  /** The node records, sorted by node id. */
  readonly records: readonly Enr[]
  /** The links (`enrtree://` URLs) to other trees. */
  readonly links: readonly string[]
}

/** A signed tree: what a DNS zone serves, built here or synced from DNS. */
export interface DnsTree extends UnsignedTree {
  readonly root: RootEntry
  /** `enrtree://<key>@<domain>`: where the tree is served, and who signed it. */
  readonly url: string
  readonly domain: string
}

/** What {@link buildTree} builds from. */
export interface TreeInput {
  /** The tree's sequence number: raise it for every new version of a list. */
  readonly seq: bigint
  /** The node records (signed EIP-778 records). */
  readonly records?: Iterable<Enr>
  /** Links to other trees, `enrtree://<key>@<domain>`. */
  readonly links?: Iterable<string>
}

/**
 * Builds the branches and leaves of a tree (geth's `dnsdisc.MakeTree`, the same layout
 * and so the same hashes): records sorted by node id under the `e=` subtree, links in
 * the given order under the `l=` subtree.
 *
 * @throws RangeError for a `seq` that is not a 64-bit unsigned integer, a link that is
 *   not an `enrtree://` URL (`cause`: the `DiscoveryError`), or two records of one node.
 * @throws TypeError when a record is not an `Enr`.
 */
export function buildTree(input: TreeInput): UnsignedTree {
  const { seq } = input
  if (typeof seq !== 'bigint' || seq < 0n || seq >= 1n << 64n) {
    throw new RangeError('seq must be a 64-bit unsigned bigint')
  }
  const records = [...(input.records ?? [])]
  for (const record of records) {
    if (!(record instanceof Enr)) throw new TypeError('records must be Enr instances')
  }
  records.sort((a, b) => Buffer.compare(a.nodeId, b.nodeId))
  for (let i = 1; i < records.length; i++) {
    if (Buffer.compare(records[i - 1]!.nodeId, records[i]!.nodeId) === 0) {
      throw new RangeError(`two records of node ${Buffer.from(records[i]!.nodeId).toString('hex')}`)
    }
  }
  const links = [...(input.links ?? [])]
  for (const link of links) {
    try {
      parseLink(link)
    } catch (err) {
      if (err instanceof DiscoveryError) {
        throw new RangeError(`not a tree URL: ${JSON.stringify(link)}`, { cause: err })
      }
      throw err
    }
  }
  const entries = new Map<string, string>()
  const eTop = buildSubtree(
    records.map((r) => formatEntry({ type: 'enr', record: r })),
    entries,
  )
  const lTop = buildSubtree(links, entries)
  const eRoot = entryHash(eTop)
  const lRoot = entryHash(lTop)
  entries.set(eRoot, eTop)
  entries.set(lRoot, lTop)
  return { seq, eRoot, lRoot, entries, records, links }
}

/** The top entry's text of a subtree over `leaves`; every entry below it goes into `entries`. */
function buildSubtree(leaves: readonly string[], entries: Map<string, string>): string {
  if (leaves.length === 1) return leaves[0]!
  if (leaves.length <= MAX_BRANCH_CHILDREN) {
    const hashes = leaves.map((text) => {
      const hash = entryHash(text)
      entries.set(hash, text)
      return hash
    })
    return BRANCH_PREFIX + hashes.join(',')
  }
  const subtrees: string[] = []
  for (let i = 0; i < leaves.length; i += MAX_BRANCH_CHILDREN) {
    const sub = buildSubtree(leaves.slice(i, i + MAX_BRANCH_CHILDREN), entries)
    entries.set(entryHash(sub), sub)
    subtrees.push(sub)
  }
  return buildSubtree(subtrees, entries)
}

/**
 * Signs a tree's root with `privateKey`; the tree is then served at `domain`, at the URL
 * `enrtree://<base32 of the compressed public key>@<domain>` (geth's `Tree.Sign`).
 *
 * @throws RangeError when `privateKey` is not a valid secp256k1 key or `domain` is not a
 *   DNS name.
 */
export function signTree(tree: UnsignedTree, privateKey: Uint8Array, domain: string): DnsTree {
  const url = formatLink(publicKeyFromPrivate(privateKey, { compressed: true }), domain)
  const root = signRoot(tree, privateKey)
  return { ...tree, root, url, domain }
}

/**
 * A tree with a signature made earlier (geth's `Tree.SetSignature`, what `devp2p dns
 * to-txt` does with the `signature` of enrtree-info.json): the signature must verify
 * with the key of `url` over this tree's root.
 *
 * @param signature 65 bytes, or their unpadded base64url.
 * @throws DiscoveryError `INVALID_ENTRY` when `url` is not a tree URL, `BAD_SIGNATURE`
 *   when the signature is malformed or does not verify.
 */
export function attachSignature(
  tree: UnsignedTree,
  url: string,
  signature: Uint8Array | string,
): DnsTree {
  const link = parseLink(url)
  const bytes = typeof signature === 'string' ? base64urlDecode(signature) : signature
  if (bytes?.length !== 65) {
    throw new DiscoveryError('BAD_SIGNATURE', 'the signature is not 65 bytes (r ‖ s ‖ v)')
  }
  const root: RootEntry = {
    type: 'root',
    eRoot: tree.eRoot,
    lRoot: tree.lRoot,
    seq: tree.seq,
    signature: Uint8Array.from(bytes),
  }
  if (!verifyRoot(root, link.publicKey)) {
    throw new DiscoveryError(
      'BAD_SIGNATURE',
      `the signature is not by the key of ${url} over this tree`,
    )
  }
  return { ...tree, root, url: formatLink(link.publicKey, link.domain), domain: link.domain }
}
