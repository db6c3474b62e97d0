import { writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { Logger } from '@devp2p/common'
import {
  DiscoveryError,
  DnsClient,
  parseLink,
  signTree,
  treeToTxt,
  txtToJson,
  txtToZoneFile,
} from '@devp2p/discovery/dns'
import type { Command } from 'commander'
import { CliError, type CliIo, interruption } from '../io.js'
import { loadSigningKey, type PasswordSource, promptPassword } from '../keystore.js'
import { parseDuration, parseUint } from '../options.js'
import {
  loadSignedTree,
  loadTreeDefinition,
  metaOf,
  treeOf,
  writeTreeMeta,
  writeTreeNodes,
} from './tree-definition.js'

interface SyncFlags {
  timeout?: number
  dnsServers?: string
  json?: boolean
}

interface SignFlags {
  domain?: string
  seq?: number
  password?: string
  json?: boolean
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** Comma-separated DNS servers (`ip` or `ip:port`), or the system's when none are given. */
function serversFrom(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  const servers = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return servers.length === 0 ? undefined : servers
}

/** Writes `text` to `output`, or to stdout with a newline when `output` is absent or `-`. */
async function emit(io: CliIo, output: string | undefined, text: string): Promise<void> {
  if (output === undefined || output === '-') io.out(text.endsWith('\n') ? text : `${text}\n`)
  else await writeFile(output, text)
}

/**
 * `devp2p dns sync|sign|to-txt|to-zone`, as geth's `cmd/devp2p/dnscmd.go` (the deploy
 * commands for Cloudflare and Route 53 are not here: `to-zone` writes a zone file for any
 * DNS server instead).
 */
export function dnsCommand(program: Command, io: CliIo, log: { logger: Logger }): void {
  const dns = program.command('dns').description('DNS node lists (EIP-1459)')

  dns
    .command('sync')
    .description('Downloads a DNS node tree into a directory (enrtree-info.json, nodes.json)')
    .argument('<url>', 'the tree, enrtree://<key>@<domain>')
    .argument('[directory]', 'where to write (default: the domain)')
    .option('--timeout <duration>', 'time limit of each DNS query (default 5s)', parseDuration)
    .option(
      '--dns-servers <servers>',
      "comma-separated DNS servers, ip or ip:port (ours; geth's tool asks the system's)",
    )
    .option('--json', 'print { url, seq, signature, links, nodes, dir } (nodes: how many)')
    .action(async (url: string, directory: string | undefined, flags: SyncFlags) => {
      let domain: string
      try {
        domain = parseLink(url).domain
      } catch (err) {
        throw new CliError(message(err))
      }
      const dir = directory ?? domain
      const servers = serversFrom(flags.dnsServers)
      let client: DnsClient
      try {
        client = new DnsClient({
          ...(servers === undefined ? {} : { servers }),
          ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }),
          logger: log.logger,
        })
      } catch (err) {
        throw new CliError(`--dns-servers: ${message(err)}`)
      }
      const interrupted = interruption()
      let tree: Awaited<ReturnType<DnsClient['syncTree']>>
      try {
        tree = await client.syncTree(url, { signal: interrupted.signal })
      } catch (err) {
        if (err instanceof DiscoveryError) throw new CliError(`${url}: ${err.message}`)
        throw err
      } finally {
        interrupted.dispose()
      }
      const meta = metaOf(tree)
      await writeTreeMeta(dir, meta)
      await writeTreeNodes(dir, tree.records)
      const summary = {
        url: tree.url,
        seq: meta.seq,
        signature: meta.signature,
        links: meta.links,
        nodes: tree.records.length,
        dir: resolve(dir),
      }
      if (flags.json) io.out(`${JSON.stringify(summary)}\n`)
      io.err(
        `dns sync: seq ${meta.seq}, ${tree.records.length} nodes, ${meta.links.length} links in ${dir}\n`,
      )
    })

  dns
    .command('sign')
    .description('Signs a DNS node tree (writes its url, seq and signature into enrtree-info.json)')
    .argument('<tree-directory>', 'holds nodes.json (and enrtree-info.json: links, seq, url)')
    .argument('<key-file>', 'a keystore file (the password is asked on stdin) or a node key file')
    .option(
      '--domain <name>',
      "domain name of the tree (default: enrtree-info.json's url, else the directory's name)",
    )
    .option('--seq <n>', 'new sequence number of the tree (default: the last one + 1)', parseUint)
    .option(
      '--password <file>',
      "the keystore's password in a file, first line (ours; geth's tool only asks)",
    )
    .option('--json', 'print { url, seq, signature }')
    .action(async (dir: string, keyFile: string, flags: SignFlags) => {
      const def = await loadTreeDefinition(dir)
      let domain = basename(resolve(dir))
      if (def.meta.url !== undefined) {
        try {
          domain = parseLink(def.meta.url).domain
        } catch (err) {
          throw new CliError(`invalid 'url' field: ${message(err)}`)
        }
      }
      if (flags.domain !== undefined) domain = flags.domain
      const seq = flags.seq ?? def.meta.seq + 1
      const tree = treeOf(def, seq)
      const source: PasswordSource =
        flags.password === undefined ? { prompt: promptPassword } : { file: flags.password }
      const key = await loadSigningKey(keyFile, source)
      let signed: ReturnType<typeof signTree>
      try {
        signed = signTree(tree, key, domain)
      } catch (err) {
        throw new CliError(`can't sign: ${message(err)}`)
      } finally {
        key.fill(0)
      }
      const meta = metaOf(signed)
      await writeTreeMeta(dir, meta)
      io.out(
        flags.json
          ? `${JSON.stringify({ url: meta.url, seq: meta.seq, signature: meta.signature })}\n`
          : `${meta.url}\n`,
      )
    })

  dns
    .command('to-txt')
    .description("Writes a signed tree's DNS TXT records as JSON (name → text)")
    .argument('<tree-directory>', 'a tree signed by `devp2p dns sign`')
    .argument('[output-file]', 'where to write (default or -: stdout)')
    .action(async (dir: string, output: string | undefined) => {
      const tree = await loadSignedTree(dir)
      await emit(io, output, txtToJson(treeToTxt(tree)))
    })

  dns
    .command('to-zone')
    .description("Writes a signed tree's TXT records as a zone file (ours: for BIND, NSD, Knot, …)")
    .argument('<tree-directory>', 'a tree signed by `devp2p dns sign`')
    .argument('[output-file]', 'where to write (default or -: stdout)')
    .action(async (dir: string, output: string | undefined) => {
      const tree = await loadSignedTree(dir)
      await emit(io, output, txtToZoneFile(treeToTxt(tree)))
    })
}
