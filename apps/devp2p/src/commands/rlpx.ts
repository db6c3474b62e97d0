import { connect as tcpConnect } from 'node:net'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { type ENode, parseNode } from '@devp2p/enode'
import {
  decodeDisconnect,
  decodeHello,
  disconnectReasonText,
  encodeHello,
  type Hello,
} from '@devp2p/p2p'
import { initiatorHandshake } from '@devp2p/rlpx'
import type { Command } from 'commander'
import { CliError, type CliIo } from '../io.js'

/** How long `rlpx ping` waits for the connection, the handshake and the Hello. */
const PING_TIMEOUT_MS = 10_000

/** A Hello as geth's tool prints its `protoHandshake` (Go's `%+v`). */
export function formatHello(hello: Hello): string {
  const caps = hello.caps.map((c) => `${c.name}/${c.version}`).join(' ')
  return `{Version:${hello.version} Name:${hello.name} Caps:[${caps}] ListenPort:${hello.listenPort} ID:[${[...hello.id].join(' ')}] Rest:[]}`
}

/** A Hello as one JSON object (`rlpx ping --json`), the node id as hex. */
export function helloJson(hello: Hello): Record<string, unknown> {
  return {
    version: hello.version,
    name: hello.name,
    caps: hello.caps.map((c) => ({ name: c.name, version: c.version })),
    listenPort: hello.listenPort,
    id: Buffer.from(hello.id).toString('hex'),
  }
}

async function helloOf(node: ENode, signal: AbortSignal): Promise<Hello> {
  if (node.ip === undefined || node.tcp === undefined || node.tcp === 0) {
    throw new CliError('the node has no TCP endpoint')
  }
  const socket = tcpConnect({ host: node.ip, port: node.tcp })
  const onAbort = (): void => {
    socket.destroy()
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
      socket.once('close', () => reject(new CliError('connection closed before it was made')))
    })
    const privateKey = generatePrivateKey()
    const conn = await initiatorHandshake(socket, {
      privateKey,
      remotePublicKey: node.publicKey,
      signal,
    })
    try {
      const id = publicKeyFromPrivate(privateKey)
      await conn.writeMsg(
        0x00,
        encodeHello({ version: 5, name: 'devp2p-ts', caps: [], listenPort: 0, id }),
      )
      const msg = await conn.readMsg()
      if (msg.code === 0x01)
        throw new CliError(
          `the node disconnected: ${disconnectReasonText(decodeDisconnect(msg.payload))}`,
        )
      if (msg.code !== 0x00) throw new CliError(`expected a Hello, got message code ${msg.code}`)
      return decodeHello(msg.payload)
    } finally {
      await conn.close()
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    socket.destroy()
  }
}

/** `devp2p rlpx ping <node>`, as geth's `cmd/devp2p/rlpxcmd.go`: the node's Hello. */
export function rlpxCommand(program: Command, io: CliIo): void {
  const rlpx = program.command('rlpx').description('RLPx commands')
  rlpx
    .command('ping')
    .description("Connects to a node, completes the RLPx handshake and prints the node's Hello")
    .argument('<node>', 'enode:// URL or enr: record')
    .option('--json', 'print the Hello as one JSON object')
    .action(async (text: string, flags: { json?: boolean }) => {
      let node: ENode
      try {
        node = parseNode(text)
      } catch (err) {
        throw new CliError(
          `not a node (enode:// or enr:): ${err instanceof Error ? err.message : String(err)}`,
        )
      }
      const hello = await helloOf(node, AbortSignal.timeout(PING_TIMEOUT_MS))
      io.out(flags.json ? `${JSON.stringify(helloJson(hello))}\n` : `${formatHello(hello)}\n`)
    })
}
