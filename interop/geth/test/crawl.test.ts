/**
 * `devp2p discv4 crawl`, ours and geth's, over the same mixed network (a geth bootnode, two
 * geth nodes and two of ours, all on 127.0.0.1) at the same time: both write geth's
 * `nodes.json`, and both find the same nodes — the five of the network, plus, possibly, the
 * other crawler (each crawler's own discovery node is seen by the other through the
 * bootnode).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCaptured } from '@devp2p/cli'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { nodeIdFromPublicKey } from '@devp2p/enode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, runDevp2p } from './helpers/go.js'
import { startMixedNetwork } from './helpers/mixed-network.js'
import type { OurNode } from './helpers/ours.js'

/** Each crawl's own time limit: the network is five nodes, found in the first second. */
const CRAWL_TIME = '8s'

let dir: string
const ourNodes: OurNode[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-crawl-'))
})

afterAll(async () => {
  await killAll()
  await Promise.all(ourNodes.map((node) => node.stop()))
  rmSync(dir, { recursive: true, force: true })
})

/** A crawler key as hex, and the node id it gives. */
function crawlerKey(): { hex: string; id: string } {
  const key = generatePrivateKey()
  const publicKey = publicKeyFromPrivate(key) // x ‖ y, 64 bytes
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  return { hex: hex(key), id: hex(nodeIdFromPublicKey(publicKey)) }
}

describe('discv4 crawl of a mixed network: ours finds what geth finds', () => {
  it('both crawls list the five nodes of the network (and at most the other crawler)', async () => {
    const { boot, ids, connected } = await startMixedNetwork(10, (n) => ourNodes.push(n))
    // every node connected to the three others: discovery has run, the bootnode knows them all
    await connected()
    const network = [boot.ready.id, ...ids]

    const gethKey = crawlerKey()
    const ourKey = crawlerKey()
    const gethFile = join(dir, 'geth-nodes.json')
    const ourFile = join(dir, 'our-nodes.json')
    const common = ['--timeout', CRAWL_TIME, '--bootnodes', boot.ready.enode]
    const [theirs, mine] = await Promise.all([
      runDevp2p(['discv4', 'crawl', '--nodekey', gethKey.hex, ...common, gethFile]),
      runCaptured([
        'discv4',
        'crawl',
        '--nodekey',
        ourKey.hex,
        '--addr',
        '127.0.0.1:0',
        ...common,
        ourFile,
      ]),
    ])
    expect(theirs.code, theirs.stderr).toBe(0)
    expect(mine.code, mine.err).toBe(0)
    expect(mine.err).toMatch(/crawl: \d+ nodes, \d+ found now, \d+ queried, \d+s elapsed/)

    const idsIn = (file: string, otherCrawler: string): string[] =>
      Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
        .filter((id) => id !== otherCrawler)
        .sort()
    const expected = [...network].sort()
    expect(idsIn(gethFile, ourKey.id)).toEqual(expected)
    expect(idsIn(ourFile, gethKey.id)).toEqual(expected)

    // the same facts per node: the record geth's crawl stored is the one ours stored
    const records = (file: string) =>
      JSON.parse(readFileSync(file, 'utf8')) as Record<string, { seq: number; record: string }>
    const g = records(gethFile)
    const o = records(ourFile)
    for (const id of expected) expect(o[id]?.record).toBe(g[id]?.record)
  })
})
