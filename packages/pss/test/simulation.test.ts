/**
 * The routing goals of the issue, on bench/simulation.ts's harness (100 routers, seeded,
 * simulated time only): without churn every full-address message arrives, in about
 * log2 N hops, at a bounded cost, over the topology `wantsPeer` shapes. The uniformly
 * random topology is run too, to show the hint is what makes the difference.
 */
import { describe, expect, it } from 'vitest'
import { runSimulation } from '../bench/simulation.js'

const NODES = 100

describe(`pss routing simulation, ${NODES} nodes`, () => {
  it('with the Kademlia dial hint: every message delivered, hops within log2 N, bounded cost', () => {
    const r = runSimulation({ nodes: NODES, topology: 'kademlia', seed: 7, fullMessages: 300 })
    expect(r.full.messages).toBe(300)
    expect(r.full.delivered).toBe(300)
    expect(r.partial.ratio).toBe(1)
    expect(r.broadcast.ratio).toBe(1)
    expect(r.hops.mean).toBeLessThanOrEqual(Math.log2(NODES))
    // each hop shares at least one more bit with the destination
    expect(r.hops.max).toBeLessThanOrEqual(Math.ceil(Math.log2(NODES)) + 2)
    // the path there, plus forwardOwn's few sends past the recipient
    expect(r.full.maxTx).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(NODES)))
  })

  it('with churn (10 % of the nodes per minute) at least 99 % delivered', () => {
    const r = runSimulation({
      nodes: NODES,
      topology: 'kademlia',
      seed: 7,
      fullMessages: 300,
      churnPerMinute: 0.1,
    })
    expect(r.left).toBeGreaterThan(0)
    expect(r.full.ratio).toBeGreaterThanOrEqual(0.99)
  })

  it("as a Node runs it (discovery's random dials, the hint, reserved slots), with churn at least 99 % delivered", () => {
    const r = runSimulation({
      ...{ nodes: NODES, topology: 'mixed', seed: 7, fullMessages: 300, churnPerMinute: 0.1 },
    })
    expect(r.config.reservedPeers).toBe(5)
    expect(r.left).toBeGreaterThan(0)
    expect(r.full.ratio).toBeGreaterThanOrEqual(0.99)
  })

  it('over uniformly random peers, greedy XOR routing dead-ends (why the hint exists)', () => {
    const r = runSimulation({ nodes: NODES, topology: 'random', seed: 7, fullMessages: 300 })
    expect(r.full.ratio).toBeLessThan(0.95)
  })
})
