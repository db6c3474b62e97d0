import type { Logger } from '@devp2p/common'
import { generatePrivateKey } from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { type ENode, LocalNode, NodeDB, parseListenAddr, parseNode } from '@devp2p/enode'
import type { Command } from 'commander'
import { CliError, type CliIo, interruption } from '../io.js'
import { parseDuration, parsePositive } from '../options.js'
import { crawl, loadNodeSet, recordsOf, writeNodeSet } from './crawl.js'
import { recordJson } from './enrdump.js'

interface Discv4Flags {
  nodekey?: string
  addr: string
  bootnodes: string
  json?: boolean
}

/** A node as `--json` prints it: its record's fields when it has one, else its enode URL. */
function nodeJson(node: ENode): Record<string, unknown> {
  return node.record === undefined
    ? { id: node.idHex, enode: node.toEnodeUrl() }
    : { enr: node.record.encodeText(), ...recordJson(node.record) }
}

/** A Go `time.Duration` as `String()` writes it, for geth's "RTT 1.234ms". */
export function goDuration(ms: number): string {
  if (ms >= 1000) return `${+(ms / 1000).toFixed(6)}s`
  if (ms >= 1) return `${+ms.toFixed(6)}ms`
  return `${+(ms * 1000).toFixed(3)}µs`
}

function keyFrom(hex: string | undefined): Uint8Array {
  if (hex === undefined) return generatePrivateKey()
  const clean = hex.startsWith('0x') ? hex.slice(2) : hex
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new CliError('--nodekey must be 64 hex characters')
  return Uint8Array.from(Buffer.from(clean, 'hex'))
}

function nodeFrom(text: string): ENode {
  try {
    return parseNode(text)
  } catch (err) {
    throw new CliError(
      `not a node (enode:// or enr:): ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}

/**
 * Runs `fn` with a discovery node of our own (in memory, a fresh key unless `--nodekey`),
 * listening on `--addr`, and stops it after: geth's `startV4`.
 */
async function withDiscv4<T>(
  log: { logger: Logger },
  flags: Discv4Flags,
  fn: (disc: Discv4) => Promise<T>,
  moreBootnodes: readonly string[] = [],
): Promise<T> {
  const privateKey = keyFrom(flags.nodekey)
  const listen = parseListenAddr(flags.addr)
  const db = await NodeDB.open()
  const ip =
    listen.host === undefined || listen.host === '0.0.0.0' || listen.host === '::'
      ? '127.0.0.1'
      : listen.host
  const localNode = await LocalNode.create({ privateKey, db, ip })
  const given = flags.bootnodes === '' ? [] : flags.bootnodes.split(',').map((s) => s.trim())
  const bootnodes = [...given, ...moreBootnodes]
  const disc = new Discv4({
    privateKey,
    localNode,
    db,
    listenAddr: flags.addr,
    bootnodes,
    logger: log.logger,
  })
  try {
    await disc.start()
    return await fn(disc)
  } finally {
    await disc.stop()
    await db.close()
  }
}

function withDiscv4Flags(cmd: Command): Command {
  return cmd
    .option('--nodekey <hex>', 'our node key, 64 hex characters (default: a fresh one)')
    .option('--addr <ip:port>', 'UDP listening address', '0.0.0.0:0')
    .option('--bootnodes <nodes>', 'comma-separated enode URLs or ENRs (default: none)', '')
}

/** `devp2p discv4 ping|requestenr|resolve|crawl|listen`, as geth's `cmd/devp2p/discv4cmd.go`. */
export function discv4Command(program: Command, io: CliIo, log: { logger: Logger }): void {
  const discv4 = program.command('discv4').description('Node Discovery v4 tools')

  withDiscv4Flags(discv4.command('ping').description('Sends a PING to a node'))
    .argument('<node>', 'enode:// URL or enr: record')
    .option('--json', 'print { id, rttMs }')
    .action(async (text: string, flags: Discv4Flags) => {
      const node = nodeFrom(text)
      await withDiscv4(log, flags, async (disc) => {
        const start = performance.now()
        await disc.ping(node)
        const rtt = performance.now() - start
        io.out(
          flags.json
            ? `${JSON.stringify({ id: node.idHex, rttMs: rtt })}\n`
            : `node responded to ping (RTT ${goDuration(rtt)}).\n`,
        )
      })
    })

  withDiscv4Flags(discv4.command('requestenr').description("Requests a node's record (EIP-868)"))
    .argument('<node>', 'enode:// URL or enr: record')
    .option('--json', "print the record's fields as one JSON object (as enrdump --json, with enr)")
    .action(async (text: string, flags: Discv4Flags) => {
      const node = nodeFrom(text)
      const record = await withDiscv4(log, flags, (disc) => disc.requestEnr(node))
      io.out(
        flags.json
          ? `${JSON.stringify({ enr: record.encodeText(), ...recordJson(record) })}\n`
          : `${record.encodeText()}\n`,
      )
    })

  withDiscv4Flags(
    discv4
      .command('resolve')
      .description("Finds a node's latest record in the DHT (or the node as given)"),
  )
    .argument('<node>', 'enode:// URL or enr: record')
    .option(
      '--json',
      "print the record's fields as one JSON object ({ id, enode } without a record)",
    )
    .action(async (text: string, flags: Discv4Flags) => {
      const node = nodeFrom(text)
      const found = (await withDiscv4(log, flags, (disc) => disc.resolve(node))) ?? node
      if (flags.json) io.out(`${JSON.stringify(nodeJson(found))}\n`)
      else io.out(`${found.record === undefined ? found.toEnodeUrl() : found.toEnrText()}\n`)
    })

  crawlCommand(discv4, io, log)
  listenCommand(discv4, io, log)
}

/**
 * `devp2p discv4 listen`: a discovery node that prints its record and serves until
 * Ctrl-C (or SIGTERM), then stops cleanly with exit 0.
 */
export function listenCommand(discv4: Command, io: CliIo, log: { logger: Logger }): void {
  withDiscv4Flags(
    discv4.command('listen').description('Runs a discovery node until Ctrl-C'),
  ).action(async (flags: Discv4Flags) => {
    await withDiscv4(log, flags, async (disc) => {
      const interrupted = interruption()
      io.out(`${disc.self().toEnrText()}\n`)
      io.err(`listening on ${disc.self().toEnodeUrl()}; Ctrl-C to stop\n`)
      await interrupted.done
    })
  })
}

interface CrawlFlags extends Discv4Flags {
  timeout: number
  parallel: number
}

/** `devp2p discv4 crawl <nodes.json>`: geth's crawl, the file updated in geth's format. */
export function crawlCommand(discv4: Command, io: CliIo, log: { logger: Logger }): void {
  withDiscv4Flags(
    discv4
      .command('crawl')
      .description('Updates a nodes.json file with random nodes found in the DHT'),
  )
    .option(
      '--timeout <duration>',
      'time limit of the crawl (Ctrl-C ends it early)',
      parseDuration,
      30 * 60_000,
    )
    .option('--parallel <n>', 'record requests in flight at once', parsePositive, 16)
    .argument(
      '<nodes.json>',
      "geth's nodes.json format; created if missing, its nodes used to start",
    )
    .action(async (file: string, flags: CrawlFlags) => {
      const set = await loadNodeSet(file)
      const interrupted = interruption(flags.timeout)
      try {
        const { signal } = interrupted
        const { found, queried } = await withDiscv4(
          log,
          flags,
          (disc) => crawl(disc, set, { signal, parallel: flags.parallel, io }),
          recordsOf(set),
        )
        await writeNodeSet(file, set)
        io.err(
          `crawl: done, ${found} of ${queried} queried nodes answered; ${Object.keys(set).length} nodes in ${file}\n`,
        )
      } finally {
        interrupted.dispose()
      }
    })
}
