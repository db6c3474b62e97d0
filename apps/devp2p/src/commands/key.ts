import { access } from 'node:fs/promises'
import { loadNodeKey, loadOrCreateNodeKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { Enr, formatEnodeUrl, nodeIdFromPublicKey, nodeIdHex } from '@devp2p/enode'
import type { Command } from 'commander'
import { CliError, type CliIo } from '../io.js'
import { parsePort } from '../options.js'

interface EndpointFlags {
  ip: string
  tcp: number
  udp: number
  json?: boolean
}

/** One line of output: `value`, or with `--json` the object. */
function print(io: CliIo, json: boolean | undefined, value: string, object: object): void {
  io.out(json ? `${JSON.stringify(object)}\n` : `${value}\n`)
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

function withEndpointFlags(cmd: Command): Command {
  return cmd
    .option('--ip <address>', 'IP address of the node', '127.0.0.1')
    .option('--tcp <port>', 'TCP port of the node', parsePort, 30303)
    .option('--udp <port>', 'UDP port of the node', parsePort, 30303)
    .option('--json', 'print a JSON object')
}

/** `devp2p key generate|to-id|to-enode|to-enr`, as geth's `cmd/devp2p/keycmd.go`. */
export function keyCommand(program: Command, io: CliIo): void {
  const key = program.command('key').description('Operations on node keys')

  key
    .command('generate')
    .description('Generates a node key file (64 hex characters, mode 0600, written atomically)')
    .argument('<keyfile>', 'where to write the key; an existing file is never replaced')
    .action(async (file: string) => {
      if (await exists(file)) throw new CliError(`${file} already exists`)
      await loadOrCreateNodeKey(file)
    })

  key
    .command('to-id')
    .description('Creates a node ID from a node key file')
    .argument('<keyfile>')
    .option('--json', 'print a JSON object: { id }')
    .action(async (file: string, flags: { json?: boolean }) => {
      const privateKey = await loadNodeKey(file)
      const id = nodeIdHex(nodeIdFromPublicKey(publicKeyFromPrivate(privateKey)))
      print(io, flags.json, id, { id })
    })

  withEndpointFlags(
    key.command('to-enode').description('Creates an enode URL from a node key file'),
  )
    .argument('<keyfile>')
    .action(async (file: string, flags: EndpointFlags) => {
      const privateKey = await loadNodeKey(file)
      const publicKey = publicKeyFromPrivate(privateKey)
      const enode = formatEnodeUrl({ publicKey, ip: flags.ip, tcp: flags.tcp, udp: flags.udp })
      print(io, flags.json, enode, { id: nodeIdHex(nodeIdFromPublicKey(publicKey)), enode })
    })

  withEndpointFlags(key.command('to-enr').description('Creates an ENR from a node key file'))
    .argument('<keyfile>')
    .action(async (file: string, flags: EndpointFlags) => {
      const privateKey = await loadNodeKey(file)
      // sequence number 0, as geth's tool writes it
      const record = Enr.create(privateKey, {
        seq: 0n,
        ip: flags.ip,
        tcp: flags.tcp,
        udp: flags.udp,
      })
      const enr = record.encodeText()
      print(io, flags.json, enr, { id: nodeIdHex(record.nodeId), seq: 0, enr })
    })
}
