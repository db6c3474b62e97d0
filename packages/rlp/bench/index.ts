/**
 * RLP benchmarks: our encoder and decoder beside @ethereumjs/rlp and rlp@3 on message
 * shapes devp2p sends all the time, then schema decoding of a Hello against raw decoding.
 *
 * Run: `pnpm bench` (or `npx tsx --conditions=@devp2p/source bench/index.ts`; BENCH_MS=1000 for
 * steadier figures).
 */

import { decode, decodeAs, encode, type RlpInput, t } from '@devp2p/rlp'
import type { BenchRow } from '@devp2p/testing'
import { runComparison } from '@devp2p/testing'
import * as ethereumjs from '@ethereumjs/rlp'
import * as rlp3 from 'rlp'

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 256)
}

const nodeKey = filled(64, 7)
const samples: { name: string; value: RlpInput }[] = [
  { name: '10 × 32-byte hashes', value: Array.from({ length: 10 }, (_, i) => filled(32, i)) },
  {
    name: 'Hello',
    value: [
      5,
      'devp2p-ts/v0.1.0/linux-x64/node20',
      [
        ['eth', 68],
        ['snap', 1],
      ],
      30303,
      nodeKey,
    ],
  },
  {
    name: 'discv4 Neighbors (12 nodes)',
    value: [
      Array.from({ length: 12 }, (_, i) => [filled(4, i), 30303 + i, 30303 + i, filled(64, i)]),
      1_700_000_000,
    ],
  },
  { name: '1 KiB bytes', value: filled(1024, 1) },
  { name: '16 KiB bytes', value: filled(16 * 1024, 2) },
]

const rows: BenchRow[] = []
for (const { name, value } of samples) {
  const bytes = encode(value)
  // The libraries take the same input here: no strings that start with "0x".
  const theirs = value as ethereumjs.Input
  rows.push({
    op: `encode ${name}`,
    entries: [
      { label: 'ours', fn: () => encode(value), bytes: bytes.length },
      { label: '@ethereumjs/rlp', fn: () => ethereumjs.encode(theirs), bytes: bytes.length },
      { label: 'rlp@3', fn: () => rlp3.encode(theirs as rlp3.Input), bytes: bytes.length },
    ],
  })
  rows.push({
    op: `decode ${name}`,
    entries: [
      { label: 'ours', fn: () => decode(bytes), bytes: bytes.length },
      { label: '@ethereumjs/rlp', fn: () => ethereumjs.decode(bytes), bytes: bytes.length },
      { label: 'rlp@3', fn: () => rlp3.decode(bytes), bytes: bytes.length },
    ],
  })
}

const cap = t.struct('cap', { name: t.string, version: t.uint })
const hello = t.struct(
  'hello',
  {
    protocolVersion: t.uint,
    clientId: t.string,
    caps: t.list(cap),
    listenPort: t.uint,
    nodeKey: t.bytesN(64),
  },
  { extra: 'ignore' },
)
const helloBytes = encode(samples[1]!.value)
rows.push({
  op: 'decode Hello to a typed object',
  entries: [
    { label: 'ours: decodeAs(hello)', fn: () => decodeAs(hello, helloBytes) },
    { label: 'ours: decode (raw)', fn: () => decode(helloBytes) },
    { label: '@ethereumjs/rlp: decode (raw)', fn: () => ethereumjs.decode(helloBytes) },
  ],
})

await runComparison('@devp2p/rlp', rows)
