/**
 * A signed tree as DNS records: the name → text map (geth's `Tree.ToTXT`), the JSON that
 * geth's `devp2p dns to-txt` prints, and a zone file in the RFC 1035 master-file format,
 * with texts over 255 bytes split into several strings of one TXT record.
 */
import { MAX_TXT_STRING_BYTES, ROOT_PREFIX, ROOT_TTL_S, TREE_NODE_TTL_S } from './constants.js'
import { formatEntry } from './entries.js'
import type { DnsTree } from './tree.js'

/**
 * The TXT records that serve `tree`: `domain` → the root, `<hash>.<domain>` → each other
 * entry (geth's `Tree.ToTXT`). With `domain` `''` the names are the bare hashes.
 *
 * @param domain where the tree is served (default: the tree's own domain).
 */
export function treeToTxt(tree: DnsTree, domain: string = tree.domain): Record<string, string> {
  const records: Record<string, string> = { [domain]: formatEntry(tree.root) }
  for (const [hash, text] of tree.entries) {
    records[domain === '' ? hash : `${hash}.${domain}`] = text
  }
  return records
}

/**
 * The JSON geth's `devp2p dns to-txt` writes: one object of name → text, keys in byte
 * order, indented with four spaces, `<`, `>` and `&` escaped as Go's encoder does; no
 * trailing newline (geth adds one only when it prints to stdout).
 */
export function txtToJson(records: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {}
  for (const name of Object.keys(records).sort()) sorted[name] = records[name]!
  return JSON.stringify(sorted, null, 4)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
}

/**
 * Splits a TXT text into strings of at most 255 bytes each (a DNS character-string);
 * a resolver joins them back into the one text. Entry texts are ASCII; a multi-byte
 * UTF-8 character is never cut.
 */
export function splitTxt(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8')
  const out: string[] = []
  let start = 0
  while (start < bytes.length) {
    let end = Math.min(start + MAX_TXT_STRING_BYTES, bytes.length)
    // back off from the middle of a UTF-8 sequence (continuation bytes are 10xxxxxx)
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--
    out.push(bytes.subarray(start, end).toString('utf8'))
    start = end
  }
  return out.length === 0 ? [''] : out
}

/**
 * The records as a zone file (RFC 1035 master format), one TXT record per line with
 * absolute names: the root (the text starting `enrtree-root:`) with a TTL of 30 minutes, the others of
 * four weeks (geth's TTLs), texts split by {@link splitTxt}.
 *
 * @example
 * ```ts
 * writeFileSync('nodes.example.org.zone', txtToZoneFile(treeToTxt(signed)))
 * ```
 */
export function txtToZoneFile(
  records: Readonly<Record<string, string>>,
  options: { rootTtlS?: number; ttlS?: number } = {},
): string {
  const lines = Object.keys(records)
    .sort()
    .map((name) => {
      const text = records[name]!
      const ttl = text.startsWith(ROOT_PREFIX)
        ? (options.rootTtlS ?? ROOT_TTL_S)
        : (options.ttlS ?? TREE_NODE_TTL_S)
      const strings = splitTxt(text).map(quote).join(' ')
      const absolute = name.endsWith('.') ? name : `${name}.`
      return `${absolute} ${ttl} IN TXT ${strings}`
    })
  return `${lines.join('\n')}\n`
}

/** A zone-file character-string: quoted, with `"` and `\` escaped. */
function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}
