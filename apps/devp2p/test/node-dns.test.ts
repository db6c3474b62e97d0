/**
 * `devp2p node --discovery.dns <url> --discovery.dns.servers <server>`: the node dials the
 * nodes of a list served by a real DNS server on 127.0.0.1 (dnsmasq; fails loudly when it
 * is missing); and how the flags land in the configuration.
 */
import { generatePrivateKey } from '@devp2p/crypto'
import { buildTree, signTree, treeToTxt } from '@devp2p/discovery/dns'
import { Enr } from '@devp2p/enode'
import { Node, parseNodeConfigToml } from '@devp2p/node'
import type { PeerEvent } from '@devp2p/p2p'
import { type Dnsmasq, startDnsmasq } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { fooBarService } from '../src/foobar.js'
import { cli, startCli } from './run-cli.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const URL_A =
  'enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net'
const URL_B = signTree(buildTree({ seq: 1n }), generatePrivateKey(), 'nodes.example.org').url

let dnsmasq: Dnsmasq | undefined
const targets: Node[] = []
afterEach(async () => {
  for (const t of targets.splice(0)) await t.stop()
  await dnsmasq?.stop()
  dnsmasq = undefined
})

describe('devp2p node --discovery.dns', () => {
  it('dials the nodes of a DNS node list (discovery v4 without bootnodes): both see it join', async () => {
    for (let i = 0; i < 2; i++) {
      const target = new Node({
        discovery: { v4: false },
        p2p: { listenAddr: '127.0.0.1:0' },
        logger: silent,
      })
      target.register(fooBarService(silent))
      await target.start()
      targets.push(target)
    }
    const records = targets.map((t) => Enr.decodeText(t.server.nodeInfo().enr))
    const tree = signTree(buildTree({ seq: 1n, records }), generatePrivateKey(), 'cli.test')
    dnsmasq = await startDnsmasq(treeToTxt(tree))
    const joined = targets.map(
      (t) =>
        new Promise<PeerEvent>((resolve) =>
          t.server.on('peer', (ev) => {
            if (ev.type === 'add') resolve(ev)
          }),
        ),
    )
    const node = startCli(
      'node',
      '--p2p.addr',
      '127.0.0.1',
      '--port',
      '0',
      '--foobar',
      '--json',
      '--discovery.dns',
      tree.url,
      '--discovery.dns.servers',
      dnsmasq.server,
    )
    const { enr } = JSON.parse(await node.until('out', /\n/)) as { enr: string }
    const id = Buffer.from(Enr.decodeText(enr).nodeId).toString('hex')
    // each target's new peer is the node the command runs
    for (const ev of await Promise.all(joined)) expect(ev.peer).toBe(id)
    process.emit('SIGINT')
    expect(await node.exit).toBe(0)
  })

  it("lands in [Node.P2P] DiscoveryDNS and DiscoveryDNSServers; --nodiscover empties the lists, as geth's", async () => {
    const dumped = await cli(
      'dumpconfig',
      '--discovery.dns',
      `${URL_A}, ${URL_B}`,
      '--discovery.dns.servers',
      '127.0.0.1:5353',
    )
    expect(dumped.code, dumped.err).toBe(0)
    const p2p = parseNodeConfigToml(dumped.out).Node?.P2P
    expect(p2p?.DiscoveryDNS).toEqual([URL_A, URL_B])
    expect(p2p?.DiscoveryDNSServers).toEqual(['127.0.0.1:5353'])
    const off = await cli('dumpconfig', '--nodiscover', '--discovery.dns', URL_A)
    expect(parseNodeConfigToml(off.out).Node?.P2P).toMatchObject({
      NoDiscovery: true,
      DiscoveryDNS: [],
    })
    const bad = await cli('node', '--discovery.dns', 'enode://nope')
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/not a tree URL: "enode:\/\/nope"/)
  })
})
