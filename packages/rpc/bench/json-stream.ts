/**
 * Throughput of the IPC stream reader (src/json-stream.ts): 10 MB of small JSON-RPC
 * requests, and 10 MB of answers carrying 4 KiB hex strings (as eth_ calls return), back to back with "\n" as geth writes them, fed in 64 KiB chunks (what a
 * socket read gives) and in 7-byte chunks (the worst case: almost every value spans
 * chunks). Each value's text is also JSON.parse'd, as the transports do, in a second row.
 *
 *   npx tsx --conditions=@devp2p/source bench/json-stream.ts
 */
import { JsonStreamReader } from '../src/json-stream.js'

const TOTAL_BYTES = 10 * 1024 * 1024
const ROUNDS = 9

const HEX = `0x${'0123456789abcdef'.repeat(256)}`

function makeStream(kind: 'small' | 'hex'): { bytes: Buffer; count: number } {
  const parts: string[] = []
  let size = 0
  let id = 0
  while (size < TOTAL_BYTES) {
    const body =
      kind === 'small'
        ? {
            jsonrpc: '2.0',
            id: id++,
            method: 'foo_echo',
            params: [{ s: 'a "quoted" {str}', n: [1, 2, 3] }],
          }
        : { jsonrpc: '2.0', id: id++, result: { hash: HEX.slice(0, 66), input: HEX } }
    const msg = `${JSON.stringify(body)}\n`
    parts.push(msg)
    size += msg.length
  }
  return { bytes: Buffer.from(parts.join('')), count: id }
}

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

function run(pieces: Buffer[], parse: boolean): number {
  const reader = new JsonStreamReader(32 * 1024 * 1024)
  let n = 0
  for (const piece of pieces) {
    reader.push(piece)
    for (let t = reader.next(); t !== undefined; t = reader.next()) {
      if (parse) JSON.parse(t)
      n++
    }
  }
  return n
}

for (const kind of ['small', 'hex'] as const) {
  const { bytes, count } = makeStream(kind)
  const mb = bytes.length / 1e6
  console.log(
    `${kind === 'small' ? 'small calls' : 'answers with 4 KiB hex strings'}: ${count} messages, ${mb.toFixed(1)} MB`,
  )
  for (const size of [64 * 1024, 7]) {
    const pieces = chunks(bytes, size)
    for (const parse of [false, true]) {
      const rates: number[] = []
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = performance.now()
        const n = run(pieces, parse)
        const ms = performance.now() - t0
        if (n !== count) throw new Error(`read ${n} of ${count} messages`)
        rates.push(mb / (ms / 1000))
      }
      rates.sort((a, b) => a - b)
      const label = `  ${size === 7 ? '7 B' : '64 KiB'} chunks${parse ? ' + JSON.parse' : ''}`
      console.log(
        `${label.padEnd(28)} median ${rates[ROUNDS >> 1]!.toFixed(0)} MB/s (best ${rates[ROUNDS - 1]!.toFixed(0)})`,
      )
    }
  }
}
