/**
 * pss on a network of real nodes (bench/nodes.ts's harness, small): 12 `Node`s of
 * @devp2p/node on loopback, found through discovery v4, pss registered as a node service,
 * each allowed 4 peers (so most pairs are not peers). Every message is sent to a node that
 * is not the sender's peer and that pss's routing rule reaches over the connections of the
 * moment (bench/greedy-model.ts, the README's rule written apart from the router): the
 * network — TCP, RLPx, p2p, pss's outboxes and rate limits — must deliver every one of
 * them, and some through relays.
 */
import { activeHandles, extraHandles, settleEventLoop } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { runNodesSim } from '../bench/nodes.js'

describe('pss on 12 real nodes', () => {
  it('delivers every message routing can deliver, some through relays, and stops every node', {
    timeout: 120_000,
  }, async () => {
    const before = activeHandles()
    const r = await runNodesSim({
      nodes: 12,
      maxPeers: 4,
      messages: 40,
      ratePerS: 50,
      routableOnly: true,
      start: 'sequential',
      seed: 3,
      // generous: on a loaded machine the wait ends as soon as the last message arrives
      deadlineMs: 30_000,
    })
    expect(r.counted).toBe(40)
    expect(r.routable).toBe(40)
    expect(r.failures).toEqual([])
    expect(r.delivered).toBe(40)
    // every message went to a node that is not the sender's peer: relayed at least once
    expect(r.hops.count).toBe(40)
    expect(r.hops.min).toBeGreaterThanOrEqual(2)
    expect(r.hops.max).toBeLessThanOrEqual(11)
    expect(r.txPerDelivered).toBeGreaterThanOrEqual(2)
    await settleEventLoop()
    const extra = extraHandles(before)
    expect(extra.TCPServerWrap ?? 0).toBe(0)
    expect(extra.TCPSocketWrap ?? 0).toBe(0)
    expect(extra.UDPWrap ?? 0).toBe(0)
  })
})
