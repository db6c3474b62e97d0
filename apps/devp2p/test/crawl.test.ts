import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crawl, goTime, type NodeSet } from '../src/commands/crawl.js'
import { parseDuration } from '../src/options.js'
import { cli } from './run-cli.js'

interface Running {
  disc: Discv4
  db: NodeDB
}

async function startNode(bootnodes: string[] = []): Promise<Running> {
  const privateKey = generatePrivateKey()
  const db = await NodeDB.open()
  const localNode = await LocalNode.create({ privateKey, db, ip: '127.0.0.1' })
  const disc = new Discv4({ privateKey, localNode, db, listenAddr: '127.0.0.1:0', bootnodes })
  await disc.start()
  return { disc, db }
}

let network: Running[] = []
let boot: Running
let dir: string
const silent = { out: () => {}, err: () => {} }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-crawl-'))
  boot = await startNode()
  const url = boot.disc.self().toEnodeUrl()
  network = [boot, await startNode([url]), await startNode([url]), await startNode([url])]
  for (const { disc } of network.slice(1)) await disc.refresh()
})

afterAll(async () => {
  for (const { disc, db } of network) {
    await disc.stop()
    await db.close()
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('devp2p discv4 crawl', () => {
  it('finds every node of a network through its bootnode, with geth nodes.json entries', async () => {
    const ids = new Set(network.map((n) => n.disc.idHex))
    const crawler = await startNode([boot.disc.self().toEnodeUrl()])
    try {
      const stop = new AbortController()
      const set: NodeSet = {}
      await crawl(crawler.disc, set, {
        signal: stop.signal,
        parallel: 4,
        io: silent,
        onFound: (s) => {
          if ([...ids].every((id) => s[id] !== undefined)) stop.abort()
        },
      })
      expect(new Set(Object.keys(set))).toEqual(ids)
      for (const n of network) {
        const entry = set[n.disc.idHex]
        expect(entry?.record).toBe(n.disc.self().toEnrText())
        expect(entry?.seq).toBe(Number(n.disc.self().record?.seq))
        expect(entry?.score).toBe(1)
        expect(entry?.firstResponse).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      }
    } finally {
      await crawler.disc.stop()
      await crawler.db.close()
    }
  })

  it('writes the file in geth format (sorted ids, 4-space indent) and reads it back as bootnodes', async () => {
    const file = join(dir, 'nodes.json')
    const self = boot.disc.self()
    const seeded: NodeSet = {
      [self.idHex]: {
        seq: Number(self.record?.seq),
        record: self.toEnrText(),
        score: 1,
        firstResponse: '2026-01-01T00:00:00Z',
        lastResponse: '2026-01-01T00:00:00Z',
        lastCheck: '2026-01-01T00:00:00Z',
      },
    }
    writeFileSync(file, JSON.stringify(seeded))
    const { code, err } = await cli(
      'discv4',
      'crawl',
      '--addr',
      '127.0.0.1:0',
      '--timeout',
      '300ms',
      file,
    )
    expect(code).toBe(0)
    expect(err).toMatch(/crawl: done, \d+ of \d+ queried nodes answered; \d+ nodes in /)
    const text = readFileSync(file, 'utf8')
    const written = JSON.parse(text) as NodeSet
    expect(Object.keys(written)).toEqual(Object.keys(written).sort())
    expect(text).toMatch(/^\{\n {4}"[0-9a-f]{64}": \{\n {8}"seq": /)
    // the seeded node is kept, with its first response
    expect(written[self.idHex]?.firstResponse).toBe('2026-01-01T00:00:00Z')
  })

  it('refuses a file that is not a nodes.json, and a bad duration', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, '[1, 2]')
    const bad = await cli('discv4', 'crawl', '--addr', '127.0.0.1:0', '--timeout', '1s', file)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/is not a nodes\.json file/)
    expect((await cli('discv4', 'crawl', '--timeout', '5 minutes', file)).code).toBe(2)
  })

  it('parses durations and times as Go writes them', () => {
    expect([
      parseDuration('30m'),
      parseDuration('1h30m'),
      parseDuration('3s'),
      parseDuration('500ms'),
    ]).toEqual([1_800_000, 5_400_000, 3_000, 500])
    expect(() => parseDuration('3 s')).toThrow()
    expect(goTime(Date.UTC(2026, 11, 7, 21, 46, 53, 999))).toBe('2026-12-07T21:46:53Z')
  })
})
