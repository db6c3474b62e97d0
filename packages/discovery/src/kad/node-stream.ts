/**
 * The endless stream of dial candidates a p2p server pulls (`NodeSource.randomNodes`):
 * the results of random lookups, each node offered at most once per
 * {@link REOFFER_AFTER_MS}.
 */
import { BoundedMap, type Clock } from '@devp2p/common'
import type { ENode, NodeIdHex } from '@devp2p/enode'
import { REOFFER_AFTER_MS, REOFFER_MAX_IDS, STREAM_IDLE_PAUSE_MS } from './constants.js'
import type { Kademlia } from './kademlia.js'
import type { KadProtocol } from './protocol.js'

/**
 * Random lookups whose results (nodes with a TCP port) are offered to the dialer. A node
 * is offered again only after {@link REOFFER_AFTER_MS} (the dialer keeps its own
 * history); when a lookup brings nothing fresh the stream waits STREAM_IDLE_PAUSE_MS
 * before the next, so a small network is not flooded with lookups. Ends when `signal`
 * aborts or the service stops.
 */
export async function* randomNodes(
  kad: Kademlia,
  protocol: KadProtocol,
  clock: Clock,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<ENode, void, undefined> {
  const { signal } = options
  // bounded: REOFFER_MAX_IDS ids, the oldest offer forgotten first
  const offered = new BoundedMap<NodeIdHex, number>({ maxSize: REOFFER_MAX_IDS })
  const stopped = (): boolean => !kad.running || signal?.aborted === true
  while (!stopped()) {
    const nodes = await kad.lookup(protocol.randomTarget(), options)
    let fresh = 0
    for (const node of nodes) {
      if (stopped()) return
      if (!node.tcp) continue
      const now = clock.now()
      const last = offered.peek(node.idHex)
      if (last !== undefined && now - last < REOFFER_AFTER_MS) continue
      offered.delete(node.idHex) // a new offer is the newest entry
      offered.set(node.idHex, now)
      fresh++
      yield node
    }
    if (fresh === 0) await pause(clock, STREAM_IDLE_PAUSE_MS, [signal, kad.signal])
  }
}

/** Waits `ms` on `clock`, or until one of `signals` aborts. */
function pause(clock: Clock, ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signals.some((s) => s?.aborted)) return resolve()
    const done = (): void => {
      clock.clearTimeout(timer)
      for (const s of signals) s?.removeEventListener('abort', done)
      resolve()
    }
    const timer = clock.setTimeout(done, ms)
    for (const s of signals) s?.addEventListener('abort', done, { once: true })
  })
}
