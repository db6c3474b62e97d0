/**
 * Private helpers shared by the workspace's tests and benchmarks. Not published.
 *
 * @packageDocumentation
 */
export type { BenchEntry, BenchFn, BenchOptions, BenchResult, BenchRow } from './bench.js'
export { measure, runComparison } from './bench.js'
export { hex, unhex } from './hex.js'
export { ManualClock } from './manual-clock.js'
export type { MemoryAddress, MemoryNetworkOptions } from './memory-udp.js'
export { MemoryNetwork, MemoryTransport } from './memory-udp.js'
