import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@devp2p/common'
import type { PeerEvent } from '@devp2p/p2p'
import { Node, type NodeConfig } from '../src/index.js'

// bounded: the nodes and directories of one test file, removed after each test
const nodes: Node[] = []
const dirs: string[] = []

/** A node on loopback, any free port, discovery off unless asked; stopped after the test. */
export function testNode(config: NodeConfig = {}): Node {
  const node = new Node({
    discovery: { v4: false },
    ...config,
    p2p: { listenAddr: '127.0.0.1:0', ...config.p2p },
  })
  nodes.push(node)
  return node
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'devp2p-node-'))
  dirs.push(dir)
  return dir
}

export async function cleanup(): Promise<void> {
  for (const node of nodes.splice(0)) await node.stop().catch(() => {})
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A logger that keeps what was logged. */
export function recordingLogger(): Logger & {
  lines: { level: string; msg: string; obj: object }[]
} {
  const lines: { level: string; msg: string; obj: object }[] = []
  const at =
    (level: string) =>
    (obj: object, msg = ''): void => {
      lines.push({ level, msg, obj })
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** Resolves at the first peer event of `node`'s server that `match` accepts. */
export function peerEvent(node: Node, match: (ev: PeerEvent) => boolean): Promise<PeerEvent> {
  return new Promise((resolve) => {
    const on = (ev: PeerEvent): void => {
      if (!match(ev)) return
      node.server.off('peer', on)
      resolve(ev)
    }
    node.server.on('peer', on)
  })
}
