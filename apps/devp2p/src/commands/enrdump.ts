import { readFile } from 'node:fs/promises'
import { Enr, formatEnodeUrl, ipFromBytes, nodeIdHex } from '@devp2p/enode'
import type { Command } from 'commander'
import { CliError, type CliIo } from '../io.js'

type RlpValue = Uint8Array | readonly RlpValue[]

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

function uint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${hex(bytes)}`)
}

/** One value as geth's enrdump prints it: known keys decoded, others as hex. */
function formatValue(key: string, value: RlpValue): string {
  if (!(value instanceof Uint8Array)) return `[${value.map((v) => formatValue('', v)).join(', ')}]`
  switch (key) {
    case 'id':
      return JSON.stringify(Buffer.from(value).toString('latin1'))
    case 'ip':
    case 'ip6':
      return ipFromBytes(value)
    case 'tcp':
    case 'udp':
    case 'tcp6':
    case 'udp6':
      return uint(value).toString()
    default:
      return hex(value)
  }
}

/** One value as JSON: known keys decoded (ip text, ports numbers, id text), others hex, lists as arrays. */
function jsonValue(key: string, value: RlpValue): unknown {
  if (!(value instanceof Uint8Array)) return value.map((v) => jsonValue('', v))
  switch (key) {
    case 'id':
      return Buffer.from(value).toString('latin1')
    case 'ip':
    case 'ip6':
      return ipFromBytes(value)
    case 'tcp':
    case 'udp':
    case 'tcp6':
    case 'udp6':
      return Number(uint(value))
    default:
      return hex(value)
  }
}

/** A record as one JSON object (`enrdump --json`): id, enode, seq, signature and its key/value pairs. */
export function recordJson(record: Enr): Record<string, unknown> {
  const { publicKey, ip, tcp, udp } = record
  const pairs: Record<string, unknown> = {}
  for (const key of record.keys()) {
    const value = record.get(key)
    if (value !== undefined) pairs[key] = jsonValue(key, value as RlpValue)
  }
  return {
    id: nodeIdHex(record.nodeId),
    enode: formatEnodeUrl(
      ip === undefined ? { publicKey } : { publicKey, ip, tcp: tcp ?? 0, udp: udp ?? tcp ?? 0 },
    ),
    seq: Number(record.seq),
    signature: hex(record.signature),
    pairs,
  }
}

/** The text geth's `devp2p enrdump` prints for a record. */
export function dumpRecord(record: Enr): string {
  const keys = record.keys()
  const lines = [`Node ID: ${nodeIdHex(record.nodeId)}`]
  const { publicKey, ip, tcp, udp } = record
  lines.push(
    `URLv4:   ${formatEnodeUrl(ip === undefined ? { publicKey } : { publicKey, ip, tcp: tcp ?? 0, udp: udp ?? tcp ?? 0 })}`,
  )
  lines.push(`Record has sequence number ${record.seq} and ${keys.length} key/value pairs.`)
  const width = Math.max(...keys.map((k) => k.length + 2)) + 1
  for (const key of keys) {
    const value = record.get(key)
    if (value === undefined) continue
    lines.push(`  ${JSON.stringify(key).padEnd(width)}${formatValue(key, value as RlpValue)}`)
  }
  return `${lines.join('\n')}\n`
}

/** `devp2p enrdump [record] [--file path]`, as geth's `cmd/devp2p/enrcmd.go`. */
export function enrdumpCommand(program: Command, io: CliIo): void {
  program
    .command('enrdump')
    .description('Pretty-prints a node record (enr:… text, as an argument or in a file)')
    .argument('[record]', 'the record, enr:…')
    .option('--file <path>', 'read the record from this file')
    .option('--json', 'print the record as one JSON object')
    .action(async (text: string | undefined, flags: { file?: string; json?: boolean }) => {
      let input = text
      if (flags.file !== undefined) input = (await readFile(flags.file, 'utf8')).trim()
      if (input === undefined || input === '')
        throw new CliError('need a record as argument or --file')
      const record = Enr.decodeText(input.trim())
      io.out(flags.json ? `${JSON.stringify(recordJson(record))}\n` : dumpRecord(record))
    })
}
