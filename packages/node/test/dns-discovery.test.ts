/**
 * A node with `discovery.dns` dials the nodes of a DNS node list served by a real DNS
 * server on 127.0.0.1 (dnsmasq; fails loudly when it is missing), and stops without an
 * open handle.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { buildTree, signTree, treeToTxt } from '@devp2p/discovery/dns'
import { Enr } from '@devp2p/enode'
import type { Protocol } from '@devp2p/p2p'
import {
  activeHandles,
  type Dnsmasq,
  extraHandles,
  settleEventLoop,
  startDnsmasq,
} from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { Node } from '../src/index.js'
import { cleanup, peerEvent, recordingLogger, testNode } from './support.js'

/** A protocol that keeps its peers (nodes without a shared one drop as "useless peer"). */
const idle: Protocol = {
  name: 'idle',
  version: 1,
  length: 1,
  async run(_peer, rw) {
    for await (const _ of rw) {
      // keep the peer
    }
  },
}

let dnsmasq: Dnsmasq | undefined
afterEach(async () => {
  await cleanup()
  await dnsmasq?.stop()
  dnsmasq = undefined
})

/** Two running nodes, and a list of their records signed and served at `domain`. */
async function servedList(domain: string): Promise<{ url: string; targets: Node[] }> {
  const targets = [testNode(), testNode()]
  for (const t of targets) {
    t.registerProtocols([idle])
    await t.start()
  }
  const records = targets.map((t) => Enr.decodeText(t.server.nodeInfo().enr))
  for (const r of records) {
    // what the list's stream yields: records with an IP and a TCP port
    expect(r.ip).toBe('127.0.0.1')
    expect(r.tcp).toBeGreaterThan(0)
  }
  const tree = signTree(buildTree({ seq: 1n, records }), generatePrivateKey(), domain)
  dnsmasq = await startDnsmasq(treeToTxt(tree))
  return { url: tree.url, targets }
}

describe('a node with discovery.dns', () => {
  it('dials the nodes of a DNS node list (no discovery v4), and both become its peers', async () => {
    const { url, targets } = await servedList('peers.test')
    const logger = recordingLogger()
    const node = testNode({
      discovery: { v4: false, dns: { urls: [url], servers: [dnsmasq!.server] } },
      logger,
    })
    node.registerProtocols([idle])
    const joined = targets.map((t) => peerEvent(t, (ev) => ev.type === 'add'))
    await node.start()
    // an operator sees at info that the lists are in use
    expect(logger.lines).toContainEqual({
      level: 'info',
      msg: 'dialing nodes of DNS node lists',
      obj: { urls: [url] },
    })
    const events = await Promise.all(joined)
    const self = node.server.self().idHex
    for (const ev of events) expect(ev.peer).toBe(self)
    expect(new Set(node.server.peers().map((p) => p.idHex))).toEqual(
      new Set(targets.map((t) => t.server.self().idHex)),
    )
  })

  it('stops its list stream with the node: no handle stays open', async () => {
    const { url, targets } = await servedList('stop.test')
    const before = activeHandles()
    const node = new Node({
      discovery: { v4: false, dns: { urls: [url], servers: [dnsmasq!.server] } },
      p2p: { listenAddr: '127.0.0.1:0' },
    })
    node.registerProtocols([idle])
    const joined = peerEvent(targets[0]!, (ev) => ev.type === 'add')
    await node.start()
    await joined
    await node.stop()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('refuses a URL that is not enrtree:// at construction, and a bad server at start', async () => {
    expect(() => new Node({ discovery: { dns: { urls: ['enr:-nope'] } } })).toThrow(TypeError)
    const url = signTree(buildTree({ seq: 1n }), generatePrivateKey(), 'x.test').url
    const node = testNode({ discovery: { dns: { urls: [url], servers: ['dns.example'] } } })
    await expect(node.start()).rejects.toMatchObject({ code: 'START_FAILED' })
  })
})
