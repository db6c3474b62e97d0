/**
 * DNS node lists for devp2p (EIP-1459, devp2p dnsdisc.md), as go-ethereum's `dnsdisc`:
 * a {@link DnsClient} that syncs a signed tree of node records over DNS (the root's
 * signature and every hash checked) and streams its nodes as dial candidates for a p2p
 * server, and the tools to publish one: {@link buildTree}, {@link signTree},
 * {@link treeToTxt} (geth's `devp2p dns to-txt` with {@link txtToJson}) and
 * {@link txtToZoneFile}.
 *
 * @example
 * ```ts
 * import { buildTree, DnsClient, signTree, treeToTxt, txtToZoneFile } from '@devp2p/discovery/dns'
 *
 * // publish: records and links → signed tree → TXT records
 * const tree = signTree(buildTree({ seq: 1n, records, links: [] }), treeKey, 'nodes.example.org')
 * writeFileSync('nodes.zone', txtToZoneFile(treeToTxt(tree)))
 * console.log(tree.url) // enrtree://<key>@nodes.example.org
 *
 * // read: verify and stream
 * const client = new DnsClient({ servers: ['127.0.0.1:5353'] })
 * const synced = await client.syncTree(tree.url)
 * server.addNodeSource(client.nodes([tree.url]))
 * ```
 *
 * @packageDocumentation
 */

export type { DiscoveryErrorCode, DnsErrorCode } from '../errors.js'
export { DiscoveryError } from '../errors.js'
export type { DnsClientOptions, DnsNodeSource } from './client.js'
export { DnsClient } from './client.js'
export {
  DNS_RATE_BURST,
  DNS_RATE_LIMIT_PER_S,
  DNS_TIMEOUT_MS,
  ENTRY_CACHE_MAX_ENTRIES,
  MAX_BRANCH_CHILDREN,
  MAX_ENTRY_TEXT_CHARS,
  MAX_LINK_DEPTH,
  MAX_LINKED_TREES,
  MAX_TREE_DEPTH,
  MAX_TREE_ENTRIES,
  ROOT_RECHECK_INTERVAL_MS,
} from './constants.js'
export type { BranchEntry, EnrEntry, LinkEntry, RootEntry, TreeEntry } from './entries.js'
export { formatEntry, formatLink, parseEntry, parseLink, rootSignedText } from './entries.js'
export { entryHash } from './hash.js'
export type { DnsResolver, SystemResolverOptions } from './resolver.js'
export { systemResolver } from './resolver.js'
export { signRoot, verifyRoot } from './root-signature.js'
export type { DnsTree, TreeInput, UnsignedTree } from './tree.js'
export { attachSignature, buildTree, signTree } from './tree.js'
export { splitTxt, treeToTxt, txtToJson, txtToZoneFile } from './zone.js'
