/**
 * A small network of real `Discv4` nodes (bench/simulation.ts's harness, 60 nodes) must
 * converge: bootstrapped from one bootnode, every table holds a good part of what it
 * could, lookups for existing nodes find them, and stopping leaves nothing behind.
 *
 * Deterministic: seeded keys and `random`, a simulated clock that moves only when the
 * network is quiet, no real timers or sleeps.
 */
import { activeHandles, extraHandles } from '@devp2p/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomLookups, Simulation, tableFill } from '../../bench/simulation.js'

const NODES = 60
const BATCH = 10
const LOOKUPS = 50

describe(`discv4 simulation, ${NODES} nodes`, () => {
  let before: Record<string, number> = {}
  let sim: Simulation
  beforeAll(async () => {
    sim = await Simulation.create({ nodes: NODES, seed: 7, latencyMs: 20 })
  })
  afterAll(() => sim.stop())

  // 4–6 s on a busy 2-core machine; the timeout leaves room for a busier one
  it('bootstraps every node from one bootnode and fills the tables', {
    timeout: 40_000,
  }, async () => {
    before = activeHandles()
    const times = await sim.bootstrap(BATCH)
    expect(times.filter((t) => t !== undefined)).toHaveLength(NODES)
    const fill = tableFill(sim.nodes)
    // With 60 random ids a node could hold about 45 (Σ min(16, nodes per bucket)); a
    // bootstrap that stopped at the bootnode's answer would leave about 17.
    for (const { size, ideal } of fill) {
      expect(ideal).toBeGreaterThan(30)
      expect(size).toBeGreaterThanOrEqual(20)
    }
    const achieved = fill.reduce((sum, f) => sum + f.size / f.ideal, 0) / fill.length
    expect(achieved).toBeGreaterThan(0.85)
  })

  it('finds existing nodes by lookup', async () => {
    const runs = await randomLookups(sim, LOOKUPS)
    const found = runs.filter((r) => r.found).length
    expect(found / LOOKUPS).toBeGreaterThanOrEqual(0.95)
    for (const { stats } of runs) {
      expect(stats.queries).toBeGreaterThan(0)
      expect(stats.hops).toBeGreaterThan(0)
    }
  })

  it('leaves no timer, endpoint or handle behind after stop()', async () => {
    await sim.stop()
    expect(sim.clock.pendingTimers).toBe(0)
    expect(sim.net.size).toBe(0)
    const grown = extraHandles(before)
    expect(grown).toEqual({})
  })
})
