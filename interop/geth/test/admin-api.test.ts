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
// bounded: the two discovery nodes of the table test
const extra: Node[] = []

interface AdminReport {
  nodeInfo: Record<string, unknown> & { ports: { discovery: number; listener: number } }
  nodeInfoCheck: { enodeID?: string; enrID?: string; enodeError?: string; enrError?: string }
  peers: Array<Record<string, unknown> & { network: Record<string, unknown> }>
  peerCount: string
  listening: boolean
  clientVersion: string
  datadir: string
  discoveryV4Table:
    | Array<
        Array<{
          node: string
          addedToTable: string
          addedToBucket: string
          checks: number
          live: boolean
        }>
      >
    | null
    | { error: string }
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
  await Promise.all([a?.stop(), b?.stop(), ...extra.map((n) => n.stop())])
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
      // discovery is off on a: geth's answer then is null too
      expect(r.discoveryV4Table).toBeNull()
    })
  }

  it('debug_discoveryV4Table decodes into [][]discover.BucketNode', async () => {
    const d = new Node({ p2p: { listenAddr: '127.0.0.1:0' }, discovery: { v4: {} } })
    extra.push(d)
    await d.start()
    const c = new Node({
      p2p: { listenAddr: '127.0.0.1:0' },
      discovery: { v4: { bootnodes: [d.endpoints().enr] } },
      http: { host: '127.0.0.1', port: 0 },
    })
    extra.push(c)
    await c.start()
    const disc = c.discovery
    if (disc === undefined) throw new Error('discovery v4 should run on c')
    if (!disc.tableNodes().some((n) => n.idHex === d.discovery?.idHex)) {
      await new Promise<void>((resolve) => {
        const on = (node: { idHex: string }): void => {
          if (node.idHex !== d.discovery?.idHex) return
          disc.off('node:added', on)
          resolve()
        }
        disc.on('node:added', on)
      })
    }
    const r = await adminReport(c.endpoints().http as string)
    if (!Array.isArray(r.discoveryV4Table)) throw new Error(JSON.stringify(r.discoveryV4Table))
    // geth's 17 buckets, d in one of them: its record as geth re-marshals an enode.Node
    expect(r.discoveryV4Table).toHaveLength(17)
    const entries = r.discoveryV4Table.flat()
    expect(entries.map((e) => e.node)).toEqual([d.endpoints().enr])
    // time.Time parsed and written back (RFC 3339): the same instant
    const ours = c.discovery?.tableBuckets().flat()[0]
    expect(Date.parse(entries[0]?.addedToTable ?? '')).toBe(ours?.addedToTable)
    expect(Date.parse(entries[0]?.addedToBucket ?? '')).toBe(ours?.addedToBucket)
    expect(entries[0]?.checks).toBe(ours?.checks)
    expect(entries[0]?.live).toBe(ours?.live)
  })
})
