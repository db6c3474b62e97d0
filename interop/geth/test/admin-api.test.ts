/**
 * Our node's admin API, read by go-ethereum's own client into go-ethereum's own types
 * (`rpcpeer admin`: p2p.NodeInfo, []*p2p.PeerInfo, hexutil.Uint): two nodes of ours
 * joined with admin_addPeer, one of them asked over IPC and over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Node } from '@devp2p/node'
import type { Protocol } from '@devp2p/p2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, runToEnd } from './helpers/go.js'
import { RPCPEER } from './helpers/rpcpeer.js'

/** foo/1 that reads and ignores every message until the peer goes. */
const idle: Protocol = {
  name: 'foo',
  version: 1,
  length: 1,
  async run(_peer, rw) {
    for await (const _msg of rw) {
      // nothing to answer
    }
  },
}

let dir: string
let a: Node
let b: Node

interface AdminReport {
  nodeInfo: Record<string, unknown> & { ports: { discovery: number; listener: number } }
  nodeInfoCheck: { enodeID?: string; enrID?: string; enodeError?: string; enrError?: string }
  peers: Array<Record<string, unknown> & { network: Record<string, unknown> }>
  peerCount: string
  listening: boolean
  clientVersion: string
  datadir: string
}

async function adminReport(url: string): Promise<AdminReport> {
  const run = await runToEnd(RPCPEER, ['admin', '--url', url], 60_000)
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as AdminReport
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-geth-'))
  const config = (name: string) => ({
    dataDir: join(dir, name),
    name,
    p2p: { listenAddr: '127.0.0.1:0', maxPeers: 5 },
    discovery: { v4: false },
  })
  a = new Node({ ...config('a'), http: { host: '127.0.0.1', port: 0 } })
  b = new Node(config('b'))
  // a peer with no protocol in common is dropped as useless: both run an idle foo/1
  for (const node of [a, b]) node.registerProtocols([idle])
  await Promise.all([a.start(), b.start()])
  const events = await a.attach().subscribe<{ type: string }>('admin', 'peerEvents')
  expect(await a.attach().call('admin_addPeer', b.endpoints().enode)).toBe(true)
  for await (const ev of events) if (ev.type === 'add') break
})

afterAll(async () => {
  await killAll()
  await Promise.all([a?.stop(), b?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

describe("geth's client decodes our admin API into geth's types", () => {
  for (const transport of ['ipc', 'http'] as const) {
    it(`over ${transport}: nodeInfo, peers, net_* and web3_clientVersion`, async () => {
      const url = transport === 'ipc' ? a.endpoints().ipc : a.endpoints().http
      if (url === undefined) throw new Error(`node a has no ${transport} endpoint`)
      const r = await adminReport(url)
      const self = a.endpoints()
      // p2p.NodeInfo as geth re-marshals it: the fields geth's tools read
      expect(r.nodeInfo.enode).toBe(self.enode)
      expect(r.nodeInfo.enr).toBe(self.enr)
      expect(r.nodeInfo.name).toBe(a.clientVersion)
      expect(r.nodeInfo.ports.listener).toBe(Number(new URL(self.enode).port))
      expect(r.nodeInfoCheck.enodeError).toBeUndefined()
      expect(r.nodeInfoCheck.enrError).toBeUndefined()
      expect(r.nodeInfoCheck.enodeID).toBe(r.nodeInfo.id)
      expect(r.nodeInfoCheck.enrID).toBe(r.nodeInfo.id)
      // []*p2p.PeerInfo: node b, dialed by a
      expect(r.peers).toHaveLength(1)
      expect(r.peers[0]?.enode).toBe(b.endpoints().enode)
      expect(r.peers[0]?.name).toBe(b.clientVersion)
      expect(r.peers[0]?.network.inbound).toBe(false)
      expect(r.peers[0]?.network.static).toBe(true)
      // decoded as hexutil.Uint (a plain number would have failed), written back as hex
      expect(r.peerCount).toBe('0x1')
      expect(r.listening).toBe(true)
      expect(r.clientVersion).toBe(a.clientVersion)
      expect(r.datadir).toBe(join(dir, 'a'))
    })
  }
})
