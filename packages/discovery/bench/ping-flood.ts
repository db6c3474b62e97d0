/**
 * Heap of a Discv4 service (default in-memory node database) while 100,000 validly signed
 * Pings from fresh keys arrive: the figure of issue #15's "bounded discovery state".
 *
 * Run: cd packages/discovery && npx tsx --conditions=@devp2p/source bench/ping-flood.ts [count]
 */
import { pingFlood, settledHeapBytes } from '../test/v4/helpers/ping-flood.js'

const count = Number(process.argv[2] ?? 100_000)
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
const base = settledHeapBytes()
const started = performance.now()
let at20k = Number.NaN
let last = Number.NaN
const { pongs, pingsBack } = await pingFlood({
  count,
  checkpointEvery: 10_000,
  onCheckpoint: (sent) => {
    const heap = settledHeapBytes()
    if (sent === 20_000) at20k = heap
    last = heap
    console.log(`${String(sent).padStart(7)} pings  heap ${mib(heap)} MiB (+${mib(heap - base)})`)
  },
})
console.log(
  `pongs ${pongs}, pings back ${pingsBack}; heap growth 20k→${count}: ${mib(last - at20k)} MiB; ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
)
