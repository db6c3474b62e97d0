/**
 * `--profile [dir]` and `--heap-profile [dir]` of the p2p bench: each of our measured
 * sections runs under node:inspector's CPU profiler (and/or the sampling heap profiler),
 * started before its timed rounds and stopped after; the profile goes to
 * `<dir>/<section>.cpuprofile` (`.heapprofile`; open either in Chrome DevTools or
 * VS Code), and the bench prints the top functions by self time (allocated bytes), each
 * as a share of the section and per operation (per connection, round trip or message).
 *
 * The figures of a profiled run are taken under the profiler (sampling every 100 µs
 * costs a few per cent): compare them with each other, not with an unprofiled run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join, resolve } from 'node:path'

/** How many functions each section's listing shows. */
const TOP_FUNCTIONS = 15
/** The CPU profiler's sampling interval, µs (V8's default of 1000 µs is too coarse here). */
const CPU_SAMPLING_INTERVAL_US = 100
/** The heap profiler's mean sampling interval, bytes (V8's default: 32 KiB). */
const HEAP_SAMPLING_INTERVAL_BYTES = 4096

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface CpuNode {
  id: number
  callFrame: CallFrame
}
interface CpuProfile {
  nodes: CpuNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}
interface HeapNode {
  callFrame: CallFrame
  selfSize: number
  children: HeapNode[]
}

/** The value following `flag` in `argv` when it is not another flag, else `fallback`. */
function flagDir(argv: readonly string[], flag: string, fallback: string): string | undefined {
  const i = argv.indexOf(flag)
  if (i === -1) return undefined
  const next = argv[i + 1]
  return resolve(next === undefined || next.startsWith('--') ? fallback : next)
}

/** A short place for a call frame: the path from the package on, and the line. */
function where(frame: CallFrame): string {
  if (frame.url === '') return ''
  let path = frame.url.replace(/^file:\/\//, '')
  const nm = path.lastIndexOf('/node_modules/')
  if (nm !== -1) path = path.slice(nm + '/node_modules/'.length)
  else {
    const pkg = path.search(/\/(packages|apps|interop)\//)
    if (pkg !== -1) path = path.slice(pkg + 1)
  }
  return `${path}:${frame.lineNumber + 1}`
}

const label = (frame: CallFrame) => frame.functionName || '(anonymous)'

function printTop(
  title: string,
  entries: Map<string, { name: string; at: string; value: number }>,
  total: number,
  perOp: (value: number) => string,
  perOpTitle: string,
): void {
  const top = [...entries.values()].sort((a, b) => b.value - a.value).slice(0, TOP_FUNCTIONS)
  console.log(`\n${title}\n`)
  console.log(`| self % | ${perOpTitle} | function | where |`)
  console.log('| ---: | ---: | --- | --- |')
  for (const e of top) {
    const share = ((100 * e.value) / total).toFixed(1)
    console.log(`| ${share} | ${perOp(e.value)} | ${e.name} | ${e.at} |`)
  }
}

/** Self time per function (µs), from the samples and the time between them. */
function selfTimes(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const out = new Map<string, { name: string; at: string; value: number }>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  // a sample's time is the gap to the next one (the last one's, to the profile's end)
  let t = profile.startTime
  const stamps = deltas.map((d) => {
    t += d
    return t
  })
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!)
    if (node === undefined) continue
    const us = (i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime) - stamps[i]!
    const at = where(node.callFrame)
    const key = `${label(node.callFrame)} ${at}`
    const e = out.get(key)
    if (e === undefined) out.set(key, { name: label(node.callFrame), at, value: us })
    else e.value += us
  }
  return out
}

/** Allocated bytes per function, from the sampling heap profile's tree. */
function selfBytes(head: HeapNode) {
  const out = new Map<string, { name: string; at: string; value: number }>()
  const walk = (node: HeapNode) => {
    if (node.selfSize > 0) {
      const at = where(node.callFrame)
      const key = `${label(node.callFrame)} ${at}`
      const e = out.get(key)
      if (e === undefined) out.set(key, { name: label(node.callFrame), at, value: node.selfSize })
      else e.value += node.selfSize
    }
    for (const c of node.children) walk(c)
  }
  walk(head)
  return out
}

/** The profilers the command line asked for; `around` runs a section under them. */
export class SectionProfiler {
  readonly cpuDir: string | undefined
  readonly heapDir: string | undefined
  #session: Session | undefined

  /** `defaultDir`: where the profiles go when a flag has no directory after it. */
  constructor(argv: readonly string[], defaultDir: string) {
    this.cpuDir = flagDir(argv, '--profile', defaultDir)
    this.heapDir = flagDir(argv, '--heap-profile', defaultDir)
  }

  get enabled(): boolean {
    return this.cpuDir !== undefined || this.heapDir !== undefined
  }

  /**
   * Runs `fn` under the profilers asked for (just runs it otherwise), then writes the
   * profiles as `<section>.cpuprofile` / `.heapprofile` and prints the top functions;
   * `ops()` is read after `fn`: the operations the section did (its unit `unit`).
   */
  async around<T>(section: string, unit: string, ops: () => number, fn: () => Promise<T>) {
    if (!this.enabled) return fn()
    if (this.#session === undefined) {
      this.#session = new Session()
      this.#session.connect()
    }
    const s = this.#session
    if (this.cpuDir !== undefined) {
      await s.post('Profiler.enable')
      await s.post('Profiler.setSamplingInterval', { interval: CPU_SAMPLING_INTERVAL_US })
      await s.post('Profiler.start')
    }
    if (this.heapDir !== undefined) {
      await s.post('HeapProfiler.enable')
      await s.post('HeapProfiler.startSampling', {
        samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES,
        // every allocation, also those the GC has taken since: the cost, not what is live
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
    }
    const result = await fn()
    const n = Math.max(1, ops())
    // stop both before reading either: the listing's own work stays out of the profiles
    const heap =
      this.heapDir === undefined
        ? undefined
        : ((await s.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } })
    const cpu =
      this.cpuDir === undefined
        ? undefined
        : ((await s.post('Profiler.stop')) as { profile: CpuProfile })
    if (this.cpuDir !== undefined && cpu !== undefined) {
      const { profile } = cpu
      await s.post('Profiler.disable')
      mkdirSync(this.cpuDir, { recursive: true })
      const file = join(this.cpuDir, `${section}.cpuprofile`)
      writeFileSync(file, JSON.stringify(profile))
      const times = selfTimes(profile)
      const total = [...times.values()].reduce((a, e) => a + e.value, 0)
      printTop(
        `CPU profile of ${section} (ours): ${n.toLocaleString('en-US')} ${unit}s,` +
          ` ${(total / n).toFixed(1)} µs of samples per ${unit}; ${file}`,
        times,
        total,
        (us) => (us / n).toFixed(2),
        `µs per ${unit}`,
      )
    }
    if (this.heapDir !== undefined && heap !== undefined) {
      const { profile } = heap
      await s.post('HeapProfiler.disable')
      mkdirSync(this.heapDir, { recursive: true })
      const file = join(this.heapDir, `${section}.heapprofile`)
      writeFileSync(file, JSON.stringify(profile))
      const bytes = selfBytes(profile.head)
      const total = [...bytes.values()].reduce((a, e) => a + e.value, 0)
      printTop(
        `Allocations of ${section} (ours, sampled): ${n.toLocaleString('en-US')} ${unit}s,` +
          ` about ${Math.round(total / n).toLocaleString('en-US')} bytes allocated per ${unit}; ${file}`,
        bytes,
        total,
        (b) => Math.round(b / n).toLocaleString('en-US'),
        `bytes per ${unit}`,
      )
    }
    return result
  }

  close(): void {
    this.#session?.disconnect()
  }
}
