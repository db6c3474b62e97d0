/**
 * A mixed discovery network on 127.0.0.1: a bootnode that is go-ethereum's (the refpeer
 * running discovery v4 alone: no TCP listener, no protocol), two geth nodes and two of
 * ours (Server + Discv4, test/helpers/mixed-network.ts). Each node knows only the bootnode;
 * every node must find the three others through discovery v4, connect to each of them
 * (within its dial ratio) and exchange foo/bar with each.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { killAll } from './helpers/go.js'
import { MESH_TIMEOUT_MS, startMixedNetwork } from './helpers/mixed-network.js'
import type { OurNode } from './helpers/ours.js'

/**
 * Peers per node. A node dials at most maxPeers / 3 (geth's dial ratio, ours too): 3,
 * enough for all three others even if it had to dial every one of them itself.
 */
const MAX_PEERS = 10

// bounded: the network's nodes
const ourNodes: OurNode[] = []
afterAll(async () => {
  await killAll()
  await Promise.all(ourNodes.map((node) => node.stop()))
})

describe('a mixed network of geth nodes and ours', () => {
  it('every node finds the others through discovery v4, connects to each and exchanges foo/bar', async () => {
    const { boot, geth, ids, others, connected } = await startMixedNetwork(MAX_PEERS, (n) =>
      ourNodes.push(n),
    )
    await connected()
    await Promise.all([
      ...geth.map((g) =>
        g.until(
          () =>
            others(g.ready.id).every((id) =>
              g.events.some((e) => e.event === 'msg' && e.peer === id && e.text === 'bar'),
            ),
          'a bar from every other node',
          MESH_TIMEOUT_MS,
        ),
      ),
      ...ourNodes.map((node) =>
        node.received.until(
          () =>
            others(node.idHex).every((id) =>
              node.received.items.some((m) => m.peer === id && m.text === 'bar'),
            ),
          'a bar from every other node',
          MESH_TIMEOUT_MS,
        ),
      ),
    ])

    // every node: exactly the three others, never the bootnode (it has no TCP port)
    for (const g of geth) expect([...g.peerIds()].sort()).toEqual(others(g.ready.id))
    for (const node of ourNodes) {
      expect(
        node.server
          .peers()
          .map((p) => p.idHex)
          .sort(),
      ).toEqual(others(node.idHex))
      // within the dial ratio
      expect(node.server.peers().filter((p) => !p.inbound).length).toBeLessThanOrEqual(
        node.server.maxDialedPeers,
      )
    }
    // no node connected to the bootnode, and its table holds all four nodes, each with
    // the TCP port it announced in its Pings (ours: the server's, through the shared record)
    expect(boot.peerIds().size).toBe(0)
    boot.command('table')
    const table = await boot.waitFor((e) => e.event === 'table', 'table')
    const tcpOf = new Map([
      ...geth.map((g) => [g.ready.id, g.ready.tcp] as const),
      ...ourNodes.map((n) => [n.idHex, n.server.self().tcp] as const),
    ])
    const entries = table.nodes as { id: string; ip: string; tcp: number }[]
    expect(entries.map((e) => e.id).sort()).toEqual([...ids].sort())
    for (const entry of entries) {
      expect(entry).toMatchObject({ ip: '127.0.0.1', tcp: tcpOf.get(entry.id) })
    }
    // geth dialed within its dial ratio too
    for (const g of geth) {
      const dialed = g.events.filter((e) => e.event === 'add' && e.inbound === false)
      expect(dialed.length).toBeLessThanOrEqual(Math.floor(MAX_PEERS / 3))
    }
  })
})
