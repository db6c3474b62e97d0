/**
 * Private helpers shared by the workspace's tests and benchmarks. Not published.
 *
 * @packageDocumentation
 */
export type { BenchEntry, BenchFn, BenchOptions, BenchResult, BenchRow } from './bench.js'
export { measure, runComparison } from './bench.js'
export type { Dnsmasq, DnsmasqOptions } from './dnsmasq.js'
export { dnsmasqConfig, findDnsmasq, startDnsmasq } from './dnsmasq.js'
export { duplexPair } from './duplex-pair.js'
export type {
  GethBench,
  GethBenchOptions,
  GethBenchReport,
  GethCase,
  GethColumn,
  GethMemory,
  GethRate,
} from './geth-bench.js'
export { findGethModule, gethAllCoresFromEnv, openGethBench } from './geth-bench.js'
export { activeHandles, extraHandles, settleEventLoop } from './handles.js'
export { hex, unhex } from './hex.js'
export { ManualClock } from './manual-clock.js'
export type { MemoryAddress, MemoryNetworkOptions } from './memory-udp.js'
export { MemoryNetwork, MemoryTransport } from './memory-udp.js'
export { seededRandom } from './random.js'
export { readmeExample, runReadmeExample } from './readme-example.js'
