/**
 * The four kinds of TXT text in a tree (EIP-1459 "DNS Record Structure"): the root, a
 * branch, a node record leaf and a link to another tree; parsed strictly, and written
 * in the exact form geth writes.
 */
import { CryptoError, compressPublicKey, decodePublicKey } from '@devp2p/crypto'
import { Enr, EnrError } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import {
  BRANCH_PREFIX,
  ENR_PREFIX,
  LINK_PREFIX,
  MAX_DOMAIN_CHARS,
  MAX_ENTRY_TEXT_CHARS,
  ROOT_PREFIX,
} from './constants.js'
import { base32Decode, base32Encode, base64urlDecode, base64urlEncode } from './encoding.js'
import { decodeHash } from './hash.js'

/** `enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<base64url>`: the signed top of a tree. */
export interface RootEntry {
  readonly type: 'root'
  /** The hash of the top entry of the node subtree. */
  readonly eRoot: string
  /** The hash of the top entry of the link subtree. */
  readonly lRoot: string
  /** The tree's sequence number, raised on every change. */
  readonly seq: bigint
  /** 65 bytes r ‖ s ‖ v over keccak256 of the text before ` sig=`. */
  readonly signature: Uint8Array
}

/** `enrtree-branch:<hash>,<hash>,...`: the hashes of child entries (none is allowed). */
export interface BranchEntry {
  readonly type: 'branch'
  readonly children: readonly string[]
}

/** `enr:<base64url>`: a node record (EIP-778), verified. */
export interface EnrEntry {
  readonly type: 'enr'
  readonly record: Enr
}

/** `enrtree://<base32 key>@<domain>`: another tree, and the key that signs its root. */
export interface LinkEntry {
  readonly type: 'link'
  /** The 33-byte compressed secp256k1 key of the linked tree. */
  readonly publicKey: Uint8Array
  readonly domain: string
}

/** Any entry of a tree. */
export type TreeEntry = RootEntry | BranchEntry | EnrEntry | LinkEntry

const SEQ_DIGITS = /^[0-9]{1,20}$/
const MAX_SEQ = (1n << 64n) - 1n
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/

const invalid = (what: string, options?: { cause?: unknown }): DiscoveryError =>
  new DiscoveryError('INVALID_ENTRY', `invalid ${what}`, options)

/**
 * Parses the text of any tree entry (a root, a branch, an `enr:` leaf or an
 * `enrtree://` link). Nothing is resolved: hashes and links are only checked for form.
 *
 * @throws DiscoveryError `INVALID_ENTRY` for an unknown prefix or a malformed entry (text
 *   longer than `MAX_ENTRY_TEXT_CHARS` included), `BAD_RECORD` for an `enr:` leaf that is
 *   not a valid signed record.
 * @throws TypeError when `text` is not a string.
 */
export function parseEntry(text: string): TreeEntry {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (text.length > MAX_ENTRY_TEXT_CHARS) {
    throw invalid(`entry: ${text.length} characters, more than ${MAX_ENTRY_TEXT_CHARS}`)
  }
  if (text.startsWith(ROOT_PREFIX)) return parseRoot(text)
  if (text.startsWith(BRANCH_PREFIX)) return parseBranch(text)
  if (text.startsWith(LINK_PREFIX)) return parseLink(text)
  if (text.startsWith(ENR_PREFIX)) return parseEnrLeaf(text)
  throw invalid('entry: unknown prefix')
}

/** Whether `text` starts like a tree entry (other TXT records at a name are skipped). */
export function isTreeText(text: string): boolean {
  return (
    text.startsWith(ROOT_PREFIX) ||
    text.startsWith(BRANCH_PREFIX) ||
    text.startsWith(LINK_PREFIX) ||
    text.startsWith(ENR_PREFIX)
  )
}

function parseRoot(text: string): RootEntry {
  const parts = text.split(' ')
  const [prefix, e, l, seq, sig] = parts
  if (
    parts.length !== 5 ||
    prefix !== ROOT_PREFIX ||
    !e?.startsWith('e=') ||
    !l?.startsWith('l=') ||
    !seq?.startsWith('seq=') ||
    !sig?.startsWith('sig=')
  ) {
    throw invalid(`root: not "${ROOT_PREFIX} e=<hash> l=<hash> seq=<n> sig=<signature>"`)
  }
  const eRoot = e.slice(2)
  const lRoot = l.slice(2)
  if (decodeHash(eRoot) === undefined || decodeHash(lRoot) === undefined) {
    throw invalid('root: e= or l= is not a base32 hash of 12–32 bytes')
  }
  const digits = seq.slice(4)
  if (!SEQ_DIGITS.test(digits) || BigInt(digits) > MAX_SEQ) {
    throw invalid('root: seq= is not a 64-bit unsigned decimal')
  }
  const signature = base64urlDecode(sig.slice(4))
  if (signature?.length !== 65) {
    throw invalid('root: sig= is not 65 bytes of unpadded base64url')
  }
  return { type: 'root', eRoot, lRoot, seq: BigInt(digits), signature }
}

function parseBranch(text: string): BranchEntry {
  const body = text.slice(BRANCH_PREFIX.length)
  if (body === '') return { type: 'branch', children: [] }
  const children = body.split(',')
  for (const child of children) {
    if (decodeHash(child) === undefined) {
      throw invalid('branch: a child is not a base32 hash of 12–32 bytes')
    }
  }
  return { type: 'branch', children }
}

function parseEnrLeaf(text: string): EnrEntry {
  try {
    return { type: 'enr', record: Enr.decodeText(text) }
  } catch (err) {
    if (err instanceof EnrError) {
      throw new DiscoveryError('BAD_RECORD', `invalid node record: ${err.message}`, { cause: err })
    }
    throw err
  }
}

/**
 * Parses a tree's URL or a link entry, `enrtree://<base32 compressed key>@<domain>`
 * (geth's `dnsdisc.ParseURL`).
 *
 * @throws DiscoveryError `INVALID_ENTRY` when it is not one: another scheme, no `@`, a key
 *   that is not base32 of a 33-byte point on secp256k1, or a domain that is not a DNS name.
 * @throws TypeError when `url` is not a string.
 */
export function parseLink(url: string): LinkEntry {
  if (typeof url !== 'string') throw new TypeError('url must be a string')
  if (!url.startsWith(LINK_PREFIX)) throw invalid(`link: must start with "${LINK_PREFIX}"`)
  if (url.length > MAX_ENTRY_TEXT_CHARS) throw invalid('link: too long')
  const rest = url.slice(LINK_PREFIX.length)
  const at = rest.indexOf('@')
  if (at < 0) throw invalid('link: no public key (missing "@")')
  const key = base32Decode(rest.slice(0, at))
  if (key?.length !== 33) throw invalid('link: the key is not base32 of a 33-byte public key')
  try {
    decodePublicKey(key)
  } catch (err) {
    if (err instanceof CryptoError)
      throw invalid('link: the key is not on secp256k1', { cause: err })
    throw err
  }
  const domain = rest.slice(at + 1)
  if (!isDomain(domain)) throw invalid('link: the domain is not a DNS name')
  return { type: 'link', publicKey: key, domain }
}

/** A DNS name of letters, digits, `-` and `_` labels (at most 253 characters). */
function isDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_CHARS) return false
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain
  return name.split('.').every((label) => LABEL.test(label))
}

/**
 * The text of an entry, as geth writes it (a root with its signature).
 *
 * @throws RangeError when the entry cannot be written: a root's signature is not 65
 *   bytes, a link's key is not a valid public key or its domain not a DNS name.
 */
export function formatEntry(entry: TreeEntry): string {
  switch (entry.type) {
    case 'root':
      if (entry.signature.length !== 65) throw new RangeError('root signature must be 65 bytes')
      return `${rootSignedText(entry)} sig=${base64urlEncode(entry.signature)}`
    case 'branch':
      return BRANCH_PREFIX + entry.children.join(',')
    case 'enr':
      return entry.record.encodeText()
    case 'link':
      return formatLink(entry.publicKey, entry.domain)
  }
}

/**
 * `enrtree://<base32 compressed key>@<domain>`: a tree's URL.
 *
 * @param publicKey 33, 64 or 65 bytes; written compressed.
 * @throws RangeError when `domain` is not a DNS name.
 * @throws CryptoError `INVALID_PUBLIC_KEY` when the key is not a point on secp256k1.
 */
export function formatLink(publicKey: Uint8Array, domain: string): string {
  if (!isDomain(domain)) throw new RangeError(`not a DNS name: ${JSON.stringify(domain)}`)
  return `${LINK_PREFIX}${base32Encode(compressPublicKey(publicKey))}@${domain}`
}

/** The text a root's signature covers: everything before ` sig=`, seq in decimal. */
export function rootSignedText(root: Pick<RootEntry, 'eRoot' | 'lRoot' | 'seq'>): string {
  return `${ROOT_PREFIX} e=${root.eRoot} l=${root.lRoot} seq=${root.seq}`
}
