import { generatePrivateKey } from '@devp2p/crypto'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { type Protocol, Server, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'
import { afterEach, describe, expect, it } from 'vitest'
import { Discv4 } from '../../src/v4/index.js'
import { createDiscv4, stopDiscv4 } from './helpers/discv4.js'

/**
 * Discovery plugged into the p2p server over real loopback sockets: servers that know
 * only a bootnode find each other and connect; ENRRequest serves the server's record
 * with its protocols' attributes.
 */

const running: { stop(): Promise<void> }[] = []
// bounded: one per node of a test
const databases: NodeDB[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
  await Promise.all(databases.splice(0).map((db) => db.close())) // after their users
})

const hello: Protocol = {
  name: 'hi',
  version: 1,
  length: 1,
  attributes: { hi: [1] },
  async run(_peer, rw) {
    await send(rw, 0, 'hello')
    for await (const msg of rw) msg.decode(t.string)
  },
}

async function node(bootnodes: Discv4[] = []): Promise<{ server: Server; disc: Discv4 }> {
  const privateKey = generatePrivateKey()
  // the composer owns what the two share: the node database and the record
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db })
  databases.push(db)
  const server = new Server({
    privateKey,
    localNode,
    listenAddr: '127.0.0.1:0',
    protocols: [hello],
    maxPeers: 10,
  })
  await server.start()
  // one record and one node database, shared by the server and discovery
  const disc = new Discv4({
    privateKey,
    listenAddr: '127.0.0.1:0',
    localNode,
    db,
    bootnodes: bootnodes.map((b) => b.self()),
  })
  running.push(server, disc) // stopped in reverse order of need: both are idempotent
  await disc.start()
  server.addNodeSource(disc)
  return { server, disc }
}

async function until(check: () => boolean, what: string, rounds = 400): Promise<void> {
  for (let i = 0; i < rounds && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  if (!check()) throw new Error(`timed out waiting for ${what}`)
}

describe('a server with discovery', () => {
  it('finds and connects to peers from a bootnode alone', async () => {
    const boot = await createDiscv4({ privateKey: generatePrivateKey(), listenAddr: '127.0.0.1:0' })
    running.push({ stop: () => stopDiscv4(boot) })
    await boot.start()
    const nodes = [await node([boot]), await node([boot]), await node([boot])]
    await until(() => nodes.every(({ server }) => server.peerCount === 2), 'a full mesh')
    for (const { server } of nodes) {
      const ids = server.peers().map((p) => p.idHex)
      const others = nodes.filter((n) => n.server !== server).map((n) => n.server.self().idHex)
      expect(ids.sort()).toEqual(others.sort())
    }
  })

  it('serves the server’s record, with the protocols’ attributes and both ports, to ENRRequest', async () => {
    const a = await node()
    const b = await node()
    const record = await b.disc.requestEnr(a.disc.self())
    expect(record.get('hi')).toBeDefined()
    expect(record.tcp).toBe(a.server.self().tcp)
    expect(record.udp).toBe(a.disc.address.port)
    expect(record.seq).toBe(a.server.record.seq)
    expect(a.server.nodeInfo().ports).toEqual({
      discovery: a.disc.address.port,
      listener: a.server.self().tcp,
    })
  })
})
