import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { activeHandles, extraHandles, settleEventLoop } from '@devp2p/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RELAY_CHAT, RELAY_MAX_PEERS } from '../src/constants.js'
import { type RelayReport, runRelay } from '../src/relay.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devp2p-demo-relay-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** What every relay run must show, whatever graph discovery made. */
function checkChat(report: RelayReport, lines: readonly string[]): void {
  const peers = new Set(report.connections.flatMap(([x, y]) => [`${x} ${y}`, `${y} ${x}`]))
  const [a, b] = report.chatters
  // the two chatters are not peers of each other, and each has some peer
  expect(peers.has(`${a} ${b}`)).toBe(false)
  expect(report.connections.some((c) => c.includes(a!))).toBe(true)
  expect(report.connections.some((c) => c.includes(b!))).toBe(true)
  // sparse: nobody has more than RELAY_MAX_PEERS peers
  for (const node of report.nodes) {
    expect([...peers].filter((p) => p.startsWith(`${node.name} `)).length).toBeLessThanOrEqual(
      RELAY_MAX_PEERS,
    )
  }
  // every line arrived, in order, alternating between the two
  expect(report.chat.map((l) => [l.from, l.to, l.encryption, l.text])).toEqual(
    RELAY_CHAT.map(([who, how, text]) => (who === 0 ? [a, b, how, text] : [b, a, how, text])),
  )
  // the two asymmetric lines, the handshake, then the two symmetric ones
  const handshake = lines.indexOf(
    `handshake    ${a} ↔ ${b}: a symmetric key each way, agreed over pss; the rest is AES-256-GCM`,
  )
  expect(handshake).toBeGreaterThan(lines.findIndex((l) => l.endsWith(`"${RELAY_CHAT[1]![2]}"`)))
  expect(handshake).toBeLessThan(lines.findIndex((l) => l.endsWith(`"${RELAY_CHAT[2]![2]}"`)))
  expect(report.hops).toBeGreaterThanOrEqual(2)
  for (const { from, to, text, path } of report.chat) {
    // from the sender to the recipient, through at least one relay, along connections
    expect(path[0]).toBe(from)
    expect(path.at(-1)).toBe(to)
    expect(path.length).toBeGreaterThanOrEqual(3)
    expect(new Set(path).size).toBe(path.length)
    for (let i = 0; i + 1 < path.length; i++) {
      expect(peers.has(`${path[i]} ${path[i + 1]}`)).toBe(true)
    }
    expect(lines).toContain(`chat         ${path.join(' → ')}: "${text}"`)
  }
  expect(lines.filter((l) => l.startsWith('admin_peers  '))).toHaveLength(report.nodes.length)
  expect(lines.at(-1)).toBe('demo finished')
}

describe('the relay scenario', () => {
  it('two nodes that are not peers chat over pss through the sparse network discovery made, each line with its path', async () => {
    await settleEventLoop()
    const before = activeHandles()
    const lines: string[] = []
    const report = await runRelay({ dataDir: dir, print: (l) => lines.push(l) })
    expect(report.nodes.map((n) => n.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `node${i}`))
    checkChat(report, lines)
    const [a, b] = report.chatters
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^chatters {5}${a} and ${b}: not peers, ${report.hops} hops apart; `),
      ),
    )
    if (report.routing === 'xor') {
      // XOR routing took the very paths the plan predicted from the graph and the ids
      const [there, back] = report.predicted!
      expect(report.chat.map((l) => l.path)).toEqual([there, back, there, back])
    }
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('addressed to everyone (a flood), the chat still arrives, each line along connections', async () => {
    const lines: string[] = []
    const report = await runRelay({
      dataDir: dir,
      nodes: 6,
      routing: 'flood',
      print: (l) => lines.push(l),
    })
    expect(report.routing).toBe('flood')
    expect(report.predicted).toBeUndefined()
    checkChat(report, lines)
  })

  it('an aborted signal stops it cleanly with "demo interrupted", nothing left open', async () => {
    await settleEventLoop()
    const before = activeHandles()
    const interrupt = new AbortController()
    interrupt.abort()
    await expect(
      runRelay({ dataDir: dir, signal: interrupt.signal, print: () => {} }),
    ).rejects.toThrow('demo interrupted')
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('refuses fewer than 4 nodes', async () => {
    await expect(runRelay({ dataDir: dir, nodes: 3, print: () => {} })).rejects.toThrow(
      'the relay scenario needs 4–16 nodes, got 3',
    )
  })
})
