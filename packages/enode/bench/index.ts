/**
 * Node identity benchmarks: ENR decode + verify and create + sign beside @chainsafe/enr,
 * enode URL parsing, and node database writes and reads (LevelDB on disk and in memory).
 *
 * Run: `pnpm bench` (or `npx tsx --conditions=@devp2p/source bench/index.ts`; BENCH_MS=1000 for
 * steadier figures).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENR, SignableENR } from '@chainsafe/enr'
import { cryptoBackends } from '@devp2p/crypto'
import { Enr, NodeDB, parseEnodeUrl, parseNode } from '@devp2p/enode'
import type { BenchRow } from '@devp2p/testing'
import { runComparison } from '@devp2p/testing'

const privateKey = Uint8Array.from(
  Buffer.from('b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291', 'hex'),
)
const forkId = [[Uint8Array.of(0xfc, 0x64, 0xec, 0x04), 1_150_000]]
const record = Enr.create(privateKey, {
  seq: 42n,
  ip: '203.0.113.9',
  tcp: 30303,
  udp: 30303,
  entries: { eth: forkId },
})
const text = record.encodeText()
const bytes = record.encode()
const url =
  'enode://6f8a80d14311c39f35f516fa664deaaaa13e85b2f7493f37f6144d86991ec012937307647bd3b9a82abe2974e1407241d54947bbb39763a4cac9f77166ad92a0@10.3.58.6:30303?discport=30301'

const rows: BenchRow[] = [
  {
    op: 'ENR decode + verify (text)',
    entries: [
      { label: 'ours', fn: () => Enr.decodeText(text), bytes: bytes.length },
      { label: '@chainsafe/enr', fn: () => ENR.decodeTxt(text), bytes: bytes.length },
    ],
  },
  {
    op: 'ENR decode, no verify (bytes)',
    entries: [
      { label: 'ours', fn: () => Enr.decode(bytes, { verify: false }), bytes: bytes.length },
    ],
  },
  {
    op: 'ENR create + sign + encode (text)',
    entries: [
      {
        label: 'ours',
        fn: () =>
          Enr.create(privateKey, {
            seq: 42n,
            ip: '203.0.113.9',
            tcp: 30303,
            udp: 30303,
            entries: { eth: forkId },
          }).encodeText(),
      },
      {
        label: '@chainsafe/enr',
        fn: () => {
          const enr = SignableENR.createV4(privateKey)
          enr.ip = '203.0.113.9'
          enr.tcp = 30303
          enr.udp = 30303
          enr.set('eth', record.get('eth') as Uint8Array)
          return enr.encodeTxt()
        },
      },
    ],
  },
  {
    op: 'enode URL parse (validates the key)',
    entries: [
      { label: 'ours: parseEnodeUrl', fn: () => parseEnodeUrl(url) },
      { label: 'ours: parseNode (ENode)', fn: () => parseNode(url) },
      { label: 'WHATWG URL (no checks)', fn: () => new URL(url) },
    ],
  },
]

const dir = await mkdtemp(join(tmpdir(), 'devp2p-enode-bench-'))
const disk = await NodeDB.open({ path: dir })
const memory = await NodeDB.open()
const node = parseNode(text)
let t = 0
for (const db of [disk, memory]) {
  await db.updateNode(node)
  await db.setLastPong(node.id, '203.0.113.9', 1)
}
rows.push(
  {
    op: 'NodeDB setLastPong',
    entries: [
      {
        label: 'LevelDB (classic-level)',
        fn: () => disk.setLastPong(node.id, '203.0.113.9', ++t),
        async: true,
      },
      {
        label: 'in memory',
        fn: () => memory.setLastPong(node.id, '203.0.113.9', ++t),
        async: true,
      },
    ],
  },
  {
    op: 'NodeDB lastPong',
    entries: [
      {
        label: 'LevelDB (classic-level)',
        fn: () => disk.lastPong(node.id, '203.0.113.9'),
        async: true,
      },
      { label: 'in memory', fn: () => memory.lastPong(node.id, '203.0.113.9'), async: true },
    ],
  },
  {
    op: 'NodeDB node (read + decode record)',
    entries: [
      { label: 'LevelDB (classic-level)', fn: () => disk.node(node.id), async: true },
      { label: 'in memory', fn: () => memory.node(node.id), async: true },
    ],
  },
)

console.log('crypto backends:', JSON.stringify(cryptoBackends()))
try {
  await runComparison('@devp2p/enode', rows)
} finally {
  await disk.close()
  await memory.close()
  await rm(dir, { recursive: true, force: true })
}
