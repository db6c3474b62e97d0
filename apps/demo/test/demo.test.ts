import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENR } from '@chainsafe/enr'
import { Node } from '@devp2p/node'
import { activeHandles, extraHandles } from '@devp2p/testing'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-demo-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}

const pairs = (n: number): [number, number][] => {
  const out: [number, number][] = []
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) out.push([a, b])
  return out
}

describe('demo', () => {
  it('runs the tutorial: every node gets a bar from every other, add and drop events, a clean stop', async () => {
    await settle()
    const before = activeHandles()
    const lines: string[] = []
    const report = await runDemo({ dataDir: dir, join: 'addpeer', print: (l) => lines.push(l) })

    expect(report.nodes.map((n) => n.name)).toEqual(['node0', 'node1', 'node2'])
    expect([...report.connections].sort()).toEqual([
      ['node1', 'node0'],
      ['node2', 'node0'],
      ['node2', 'node1'],
    ])
    expect(report.peerCounts).toEqual([2, 2, 2])
    for (const [a, b] of pairs(3)) {
      // the tutorial's exchange, each way, and the peer events of both ends
      expect(lines).toContain(`node${a} ← node${b}: bar`)
      expect(lines.filter((l) => l.startsWith(`node${a} + node${b} (`))).toHaveLength(1)
      expect(lines).toContain(`node${a} − node${b}: client quitting`)
    }
    // whoever added the other dialed it
    expect(lines).toContain('node1 + node0 (outbound)')
    expect(lines).toContain('node0 + node1 (inbound)')
    // no "foo" is ever printed (it is answered), and nothing drops before the stop
    expect(lines.some((l) => l.endsWith(': foo'))).toBe(false)
    const stopping = lines.indexOf('stopping')
    expect(lines.findIndex((l) => l.includes(' − '))).toBeGreaterThan(stopping)
    // the summary is what admin_peers and foo_stats answered: whoever added the other dialed it
    expect(lines.filter((l) => /^(admin_peers|foo_stats) /.test(l))).toEqual([
      'admin_peers  node0: 2 peers (2 inbound, 0 outbound): node1 node2',
      'admin_peers  node1: 2 peers (1 inbound, 1 outbound): node0 node2',
      'admin_peers  node2: 2 peers (0 inbound, 2 outbound): node0 node1',
      'foo_stats    node0: node1 foo 1/1 bar 1/1, node2 foo 1/1 bar 1/1 (sent/received)',
      'foo_stats    node1: node0 foo 1/1 bar 1/1, node2 foo 1/1 bar 1/1 (sent/received)',
      'foo_stats    node2: node0 foo 1/1 bar 1/1, node1 foo 1/1 bar 1/1 (sent/received)',
    ])
    const ids = report.nodes.map((n) => n.id)
    expect(report.fooStats[1]).toEqual(
      [
        {
          peer: ids[0],
          inbound: false,
          sent: { foo: 1, bar: 1 },
          received: { foo: 1, bar: 1, other: 0 },
        },
        {
          peer: ids[2],
          inbound: true,
          sent: { foo: 1, bar: 1 },
          received: { foo: 1, bar: 1, other: 0 },
        },
      ].sort((a, b) => (a.peer! < b.peer! ? -1 : 1)),
    )
    expect(lines.filter((l) => l.startsWith('topology'))).toEqual([
      'topology     full mesh, each node adds the ones before it with admin_addPeer: node1 → node0, node2 → node0, node2 → node1',
    ])
    expect(lines.at(-1)).toBe('demo finished')

    // every server, socket and timer is gone once runDemo resolves
    await settle()
    expect(extraHandles(before)).toEqual({})
  })

  it('with discovery (the default), nodes that know only a bootnode find and greet each other', async () => {
    await settle()
    const before = activeHandles()
    const lines: string[] = []
    const report = await runDemo({ dataDir: dir, nodes: 4, print: (l) => lines.push(l) })
    expect(report.join).toBe('discovery')
    expect(lines.some((l) => /^bootnode {5}[0-9a-f]{8} {2}udp 127\.0\.0\.1:\d+$/.test(l))).toBe(
      true,
    )
    expect(report.peerCounts).toEqual([3, 3, 3, 3])
    // one connection per pair, whichever side dialed
    const dialed = report.connections.map(([a, b]) => [a, b].sort().join('-'))
    expect(dialed.sort()).toEqual([
      'node0-node1',
      'node0-node2',
      'node0-node3',
      'node1-node2',
      'node1-node3',
      'node2-node3',
    ])
    for (const [a, b] of pairs(4)) expect(lines).toContain(`node${a} ← node${b}: bar`)
    // before the stop, a connection may only be dropped as the loser of two crossed dials
    const stopping = lines.indexOf('stopping')
    const early = lines.slice(0, stopping).filter((l) => l.includes(' − '))
    for (const line of early) expect(line).toMatch(/: already connected$/)
    expect(lines.at(-1)).toBe('demo finished')
    await settle()
    expect(extraHandles(before)).toEqual({})
  })

  it('keeps node 0 identity in the data folder across runs; its ENR decodes independently', async () => {
    const lines: string[] = []
    const first = await runDemo({ dataDir: dir, nodes: 2, print: (l) => lines.push(l) })
    const keyHex = (await readFile(join(dir, 'nodekey'), 'utf8')).trim()
    expect(keyHex).toMatch(/^[0-9a-f]{64}$/)
    expect((await stat(join(dir, 'nodekey'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'nodes'))).isDirectory()).toBe(true)

    // The node id, computed independently of the code under test.
    const pub = secp256k1.getPublicKey(Buffer.from(keyHex, 'hex'), false).subarray(1)
    expect(first.nodeId).toBe(Buffer.from(keccak_256(pub)).toString('hex'))
    expect(first.nodes[0]!.id).toBe(first.nodeId)
    expect(lines).toContain(`node id      ${first.nodeId}`)

    // The enode URL carries the public key, the bound TCP port and discovery's UDP port
    // (each picked by the system); the ENR agrees.
    const [, tcp, udp] = /@127\.0\.0\.1:(\d+)\?discport=(\d+)$/.exec(first.enode) ?? []
    expect(first.enode).toBe(
      `enode://${Buffer.from(pub).toString('hex')}@127.0.0.1:${tcp}?discport=${udp}`,
    )
    expect(Number(tcp)).toBeGreaterThan(0)
    const theirs = ENR.decodeTxt(first.enr)
    expect(theirs.nodeId).toBe(first.nodeId)
    expect(theirs.ip).toBe('127.0.0.1')
    expect(theirs.tcp).toBe(Number(tcp))
    expect(theirs.udp).toBe(Number(udp))
    // node0 is a Node in the data folder: its IPC socket there, its LOCK gone after the stop
    expect(first.ipc).toBe(join(dir, 'devp2p.ipc'))
    expect(lines).toContain(`ipc          ${join(dir, 'devp2p.ipc')}`)
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    expect(existsSync(first.ipc)).toBe(false)
    expect(lines).toContain(`enr          ${first.enr}`)
    expect(first.backends.secp256k1).toBe('native')
    expect(first.backends.keccak).toBe('wasm')

    const second = await runDemo({ dataDir: dir, nodes: 2, print: () => {} })
    expect(second.nodeId).toBe(first.nodeId)
    // the other nodes' keys live in memory only
    expect(second.nodes[1]!.id).not.toBe(first.nodes[1]!.id)
    // seq is kept in the node database and never goes back.
    expect(second.seq).toBeGreaterThan(first.seq)
  })

  it('starts from a clean network each run: a second run never asks or dials the dead nodes of the first', async () => {
    const first = await runDemo({ dataDir: dir, print: () => {} })
    const dead = first.nodes.slice(1).map((n) => n.id)

    // Everything the second run's servers and discovery services log, by node.
    const logged: { node: string; text: string }[] = []
    const entry =
      () =>
      (obj: object, msg?: string): void => {
        logged.push({
          node: String((obj as { demoNode?: unknown }).demoNode),
          text: JSON.stringify([obj, msg]),
        })
      }
    const logger = { debug: entry(), info: entry(), warn: entry(), error: entry() }
    const lines: string[] = []
    const second = await runDemo({ dataDir: dir, logger, print: (l) => lines.push(l) })

    // the same identity, a new network
    expect(second.nodeId).toBe(first.nodeId)
    expect(second.peerCounts).toEqual([2, 2, 2])
    // the logger sees every node, so silence about the dead ones means something
    expect(new Set(logged.map((l) => l.node))).toEqual(
      new Set(['node0', 'node1', 'node2', 'bootnode']),
    )
    expect(logged.some((l) => l.node === 'node0' && l.text.includes(second.nodes[1]!.id))).toBe(
      true,
    )
    // no dial, no lookup answer, no table entry of node0 names a node of the first run
    for (const id of dead) {
      expect(logged.filter((l) => l.text.includes(id))).toEqual([])
      expect(lines.filter((l) => l.includes(id.slice(0, 8)))).toEqual([])
    }
  })

  it('fails with a clear message on timeout, interrupt or a bad node count, leaving nothing open', async () => {
    await settle()
    const before = activeHandles()
    await expect(runDemo({ dataDir: dir, timeoutMs: 1, print: () => {} })).rejects.toThrow(
      /^demo timed out after 0\.001 s; still waiting for "bar" at node1 ← node0, /,
    )
    await expect(
      runDemo({ dataDir: dir, signal: AbortSignal.abort(), print: () => {} }),
    ).rejects.toThrow('demo interrupted')
    await settle()
    expect(extraHandles(before)).toEqual({})
    for (const nodes of [1, 17, 2.5]) {
      await expect(runDemo({ dataDir: dir, nodes, print: () => {} })).rejects.toThrow(
        'nodes must be an integer 2–16',
      )
    }
  })

  it('refuses a data folder another node holds, saying why, and leaves nothing open', async () => {
    const holder = new Node({
      dataDir: dir,
      p2p: { listenAddr: '127.0.0.1:0' },
      discovery: { v4: false },
    })
    await holder.start()
    try {
      await settle()
      const before = activeHandles()
      await expect(runDemo({ dataDir: dir, nodes: 2, print: () => {} })).rejects.toThrow(
        `node start failed: open the data directory: the data directory is in use by`,
      )
      await settle()
      expect(extraHandles(before)).toEqual({})
    } finally {
      await holder.stop()
    }
  })

  it('stops cleanly when interrupted, also with stay', async () => {
    const interrupt = new AbortController()
    const lines: string[] = []
    const done = runDemo({
      dataDir: dir,
      stay: true,
      signal: interrupt.signal,
      print: (l) => {
        lines.push(l)
        if (l.startsWith('running')) interrupt.abort()
      },
    })
    const report = await done
    expect(report.peerCounts).toEqual([2, 2, 2])
    const stopping = lines.indexOf('stopping')
    expect(stopping).toBeGreaterThan(lines.indexOf('running      until Ctrl-C'))
    // each of the 3 connections ends at both ends on the stop; any other drop, before
    // or after, is the loser of two crossed dials (discovery lets both nodes of a pair
    // dial at once; a dial still in its handshake may complete as the nodes stop)
    const crossed = (l: string) => l.endsWith(': already connected')
    const ends = lines.slice(stopping).filter((l) => l.includes(' − ') && !crossed(l))
    expect(ends.map((l) => l.slice(0, l.indexOf(':'))).sort(), lines.join('\n')).toEqual(
      pairs(3).map(([a, b]) => `node${a} − node${b}`),
    )
    const early = lines.slice(0, stopping).filter((l) => l.includes(' − '))
    expect(early.filter((l) => !crossed(l))).toEqual([])
    expect(lines.at(-1)).toBe('demo finished')
  })
})
