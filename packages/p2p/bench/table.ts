/**
 * The p2p bench's table: each benchmark's figures for ours, @ethereumjs/devp2p and
 * go-ethereum (gethbench, run right after ours and theirs, never beside them), with
 * ours ÷ ejs and ours ÷ geth in their own columns.
 */
import type { GethMemory } from '@devp2p/testing'

export const OURS = '@devp2p/p2p'
export const THEIRS = '@ethereumjs/devp2p'

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d })
const num = (n: number) => (n >= 100 ? fmt(n) : n >= 10 ? fmt(n, 1) : fmt(n, 2))
const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`
const kib = (n: number) => `${fmt(n / 1024, 1)} KiB`

interface Rate {
  kind: 'rate'
  bench: string
  unit: string
  /** Ours first, then theirs (every other entry is an ejs variant). */
  entries: [string, number][]
  /** go-ethereum's, one per gethbench run (none without Go). */
  geth: [string, number][]
  bytes?: number
}

/** Per connection, both ends. */
interface Heap {
  kind: 'heap'
  bench: string
  ours: { heap: number; external: number }
  theirs: { heap: number; external: number }
  geth: [string, GethMemory][]
}

export class BenchTable {
  readonly #benches: (Rate | Heap)[] = []

  /** A rate benchmark; logs its line now, its rows come with {@link print}. */
  rate(
    bench: string,
    unit: string,
    entries: [string, number][],
    geth: [string, number][],
    bytes?: number,
  ): void {
    this.#benches.push({ kind: 'rate', bench, unit, entries, geth, bytes })
    const all = [...entries, ...geth]
    console.log(`${bench}: ${all.map(([impl, rate]) => `${impl} ${num(rate)} ${unit}`).join(', ')}`)
  }

  heap(bench: string, ours: Heap['ours'], theirs: Heap['theirs'], geth: Heap['geth']): void {
    this.#benches.push({ kind: 'heap', bench, ours, theirs, geth })
    const g = geth.map(([label, m]) => `, ${label} ${kib(m.totalBytes)}`).join('')
    console.log(`${bench}: ours ${kib(ours.heap)}, theirs ${kib(theirs.heap)}${g}`)
  }

  /** The Markdown table. */
  print(title: string): void {
    console.log(`\n## ${title}\n`)
    console.log('| benchmark | implementation | rate / size | MB/s | ours ÷ ejs | ours ÷ geth |')
    console.log('| --- | --- | ---: | ---: | ---: | ---: |')
    const row = (bench: string, impl: string, value: string, mbs: string, ejs = '', g = '') =>
      console.log(`| ${bench} | ${impl} | ${value} | ${mbs} | ${ejs} | ${g} |`)
    for (const b of this.#benches) {
      if (b.kind === 'rate') {
        const mb = (rate: number) => (b.bytes === undefined ? '' : fmt((rate * b.bytes) / 1e6, 1))
        const ours = b.entries[0]![1]
        for (const [impl, rate] of b.entries) {
          const vs = impl === OURS ? '—' : ratio(ours, rate)
          row(b.bench, impl, `${num(rate)} ${b.unit}`, mb(rate), vs, impl === OURS ? '—' : '')
        }
        for (const [label, rate] of b.geth) {
          row(b.bench, label, `${num(rate)} ${b.unit}`, mb(rate), '', ratio(ours, rate))
        }
      } else {
        const total = (h: Heap['ours']) => h.heap + h.external
        const value = (h: Heap['ours']) => `${kib(h.heap)} + ${kib(h.external)} external`
        row(b.bench, OURS, value(b.ours), '', '—', '—')
        row(b.bench, THEIRS, value(b.theirs), '', ratio(total(b.ours), total(b.theirs)))
        for (const [label, m] of b.geth) {
          const v = `${kib(m.heapBytes)} heap + ${kib(m.stackBytes)} stacks (${fmt(m.goroutines, 1)} goroutines)`
          row(b.bench, label, v, '', '', ratio(total(b.ours), m.totalBytes))
        }
      }
    }
  }
}
