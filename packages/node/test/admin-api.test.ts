import type { Protocol } from '@devp2p/p2p'
import { connect } from '@devp2p/rpc'
import { afterEach, describe, expect, it } from 'vitest'
import { VERSION } from '../src/index.js'
import { cleanup, peerEvent, tempDir, testNode } from './support.js'

afterEach(cleanup)

/** A protocol that reads until the peer goes. */
const idleProtocol: Protocol = {
  name: 'foo',
  version: 1,
  length: 1,
  async run(_peer, rw) {
    for await (const _msg of rw) {
      // ignore
    }
  },
}

describe('the node APIs', () => {
  it("answers admin_nodeInfo over the IPC endpoint in geth's shape", async () => {
    const dir = tempDir()
    const node = testNode({ dataDir: dir, name: 'ipc-test' })
    await node.start()
    const client = await connect(node.endpoints().ipc as string)
    try {
      const info = (await client.call('admin_nodeInfo')) as Record<string, unknown>
      const { enode } = node.endpoints()
      const port = Number(enode.split(':').at(-1))
      expect(Object.keys(info).sort()).toEqual(
        ['enode', 'enr', 'id', 'ip', 'listenAddr', 'name', 'ports', 'protocols'].sort(),
      )
      expect(info).toMatchObject({
        enode,
        enr: node.endpoints().enr,
        id: expect.stringMatching(/^[0-9a-f]{64}$/),
        ip: '127.0.0.1',
        listenAddr: `127.0.0.1:${port}`,
        ports: { discovery: 0, listener: port },
        protocols: {},
        name: `devp2p-ts/ipc-test/v${VERSION}/node-${process.versions.node}`,
      })
      expect(await client.call('admin_datadir')).toBe(dir)
      expect(await client.call('web3_clientVersion')).toBe(info.name)
      expect(await client.call('net_listening')).toBe(true)
      expect(await client.call('net_peerCount')).toBe('0x0')
    } finally {
      await client.close()
    }
  })

  it('serves HTTP and WebSocket when asked, on loopback', async () => {
    const node = testNode({
      http: { host: '127.0.0.1', port: 0 },
      ws: { host: '127.0.0.1', port: 0 },
    })
    await node.start()
    const { http, ws } = node.endpoints()
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    for (const url of [http, ws] as string[]) {
      const client = await connect(url)
      expect(await client.call('net_peerCount')).toBe('0x0')
      await client.close()
    }
  })

  it('joins two nodes with admin_addPeer over attach(); each sees the other in admin_peers; admin_removePeer parts them', async () => {
    const a = testNode({ name: 'a' })
    const b = testNode({ name: 'b' })
    // a peer with no protocol in common is dropped as useless: both run foo/1
    for (const node of [a, b]) node.registerProtocols([idleProtocol])
    await Promise.all([a.start(), b.start()])
    const idA = a.server.nodeInfo().id
    const idB = b.server.nodeInfo().id
    const added = Promise.all([
      peerEvent(a, (ev) => ev.type === 'add' && ev.peer === idB),
      peerEvent(b, (ev) => ev.type === 'add' && ev.peer === idA),
    ])
    const clientA = a.attach()
    const clientB = b.attach()
    expect(await clientA.call('admin_addPeer', b.endpoints().enode)).toBe(true)
    await added

    const peersOfA = (await clientA.call('admin_peers')) as Record<string, unknown>[]
    const peersOfB = (await clientB.call('admin_peers')) as Record<string, unknown>[]
    expect(peersOfA.map((p) => p.id)).toEqual([idB])
    expect(peersOfB.map((p) => p.id)).toEqual([idA])
    expect(peersOfA[0]).toMatchObject({
      name: b.clientVersion,
      caps: ['foo/1'],
      network: { inbound: false, static: true, trusted: false },
      protocols: { foo: 'unknown' },
    })
    expect(peersOfA[0]?.enode).toBe(b.endpoints().enode)
    expect(peersOfB[0]).toMatchObject({ name: a.clientVersion, network: { inbound: true } })
    expect(await clientA.call('net_peerCount')).toBe('0x1')

    const dropped = peerEvent(a, (ev) => ev.type === 'drop' && ev.peer === idB)
    expect(await clientA.call('admin_removePeer', b.endpoints().enode)).toBe(true)
    await dropped
    expect(await clientA.call('admin_peers')).toEqual([])
  })

  it('answers a malformed node URL with geth\'s "invalid enode" error', async () => {
    const node = testNode()
    await node.start()
    const client = node.attach()
    await expect(client.call('admin_addPeer', 'enode://nope')).rejects.toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^invalid enode: /),
    })
    await expect(client.call('admin_addPeer', 42)).rejects.toMatchObject({ code: -32602 })
  })

  it("serves the services' APIs and runs their protocols", async () => {
    const node = testNode()
    node.register({
      protocols: [
        { name: 'foo', version: 1, length: 1, run: async () => {}, nodeInfo: () => 'foo info' },
      ],
      apis: [{ namespace: 'foo', service: { hello: (who: string) => `hello ${who}` } }],
    })
    await node.start()
    const client = node.attach()
    expect(await client.call('foo_hello', 'bar')).toBe('hello bar')
    expect(await client.call('admin_nodeInfo')).toMatchObject({ protocols: { foo: 'foo info' } })
  })

  it('runs discovery v4 by default on the UDP port of the listen address, sharing the record', async () => {
    const node = testNode({ discovery: undefined })
    await node.start()
    const disc = node.discovery
    expect(disc).toBeDefined()
    const info = (await node.attach().call('admin_nodeInfo')) as {
      ports: { discovery: number; listener: number }
    }
    expect(disc?.address.port).toBe(info.ports.listener)
    expect(info.ports.discovery).toBe(info.ports.listener)
  })

  it("answers debug_discoveryV4Table in geth's [][]BucketNode shape, and null without discovery", async () => {
    const b = testNode({ discovery: { v4: {} } })
    await b.start()
    const a = testNode({ discovery: { v4: { bootnodes: [b.endpoints().enr] } } })
    await a.start()
    const disc = a.discovery
    if (disc === undefined) throw new Error('discovery v4 should run')
    if (!disc.tableNodes().some((n) => n.idHex === b.discovery?.idHex)) {
      await new Promise<void>((resolve) => {
        const on = (node: { idHex: string }): void => {
          if (node.idHex !== b.discovery?.idHex) return
          disc.off('node:added', on)
          resolve()
        }
        disc.on('node:added', on)
      })
    }
    const table = (await a.attach().call('debug_discoveryV4Table')) as Array<
      Array<{
        node: string
        addedToTable: string
        addedToBucket: string
        checks: number
        live: boolean
      }>
    >
    expect(table).toHaveLength(17)
    const entries = table.flat()
    expect(entries).toHaveLength(1)
    const [entry] = entries
    expect(entry?.node).toBe(b.endpoints().enr)
    expect(entry?.addedToTable).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Date.parse(entry?.addedToBucket ?? '')).toBeGreaterThanOrEqual(
      Date.parse(entry?.addedToTable ?? ''),
    )
    expect(typeof entry?.checks).toBe('number')
    expect(typeof entry?.live).toBe('boolean')

    const off = testNode()
    await off.start()
    expect(await off.attach().call('debug_discoveryV4Table')).toBeNull()
  })

  it("streams admin_peerEvents over IPC in geth's PeerEvent JSON, and marks trusted peers", async () => {
    const a = testNode({ dataDir: tempDir() })
    const b = testNode()
    for (const node of [a, b]) node.registerProtocols([idleProtocol])
    await Promise.all([a.start(), b.start()])
    const idB = b.server.nodeInfo().id
    const client = await connect(a.endpoints().ipc as string)
    try {
      const events = (await client.subscribe('admin', 'peerEvents'))[Symbol.asyncIterator]()
      expect(await client.call('admin_addPeer', b.endpoints().enode)).toBe(true)
      const add = (await events.next()).value as Record<string, unknown>
      expect(add).toEqual({
        type: 'add',
        peer: idB,
        local: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        remote: `127.0.0.1:${b.endpoints().enode.split(':').at(-1)}`,
      })

      expect(await client.call('admin_addTrustedPeer', b.endpoints().enode)).toBe(true)
      const [trusted] = (await client.call('admin_peers')) as { network: { trusted: boolean } }[]
      expect(trusted?.network.trusted).toBe(true)
      expect(await client.call('admin_removeTrustedPeer', b.endpoints().enode)).toBe(true)
      const [untrusted] = (await client.call('admin_peers')) as { network: { trusted: boolean } }[]
      expect(untrusted?.network.trusted).toBe(false)

      expect(await client.call('admin_removePeer', b.endpoints().enode)).toBe(true)
      const drop = (await events.next()).value as Record<string, unknown>
      expect(drop).toMatchObject({ type: 'drop', peer: idB, error: 'disconnect requested' })
      await events.return?.()
    } finally {
      await client.close()
    }
  })

  it('answers web3_sha3 with the Keccak-256 of 0x-hex data, refusing other input', async () => {
    const node = testNode()
    await node.start()
    const client = node.attach()
    // keccak256("hello world"), the example of the JSON-RPC spec
    expect(await client.call('web3_sha3', '0x68656c6c6f20776f726c64')).toBe(
      '0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad',
    )
    expect(await client.call('web3_sha3', '0x')).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    await expect(client.call('web3_sha3', '0x123')).rejects.toMatchObject({ code: -32602 })
    await expect(client.call('web3_sha3', 'hello')).rejects.toMatchObject({ code: -32602 })
  })
})
