import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { type KeepaliveEntry, WsKeepalive } from '../src/ws-keepalive.js'

/** A connection as the keepalive sees it: records its pings, leaves the list when closed. */
function entry(keepalive: WsKeepalive, pings: string[], name: string): KeepaliveEntry {
  const e: KeepaliveEntry = {
    activeAt: 0,
    prev: undefined,
    next: undefined,
    ping: () => pings.push(name),
    close: () => keepalive.remove(e),
  }
  return e
}

describe('WsKeepalive: the pings of every connection of an endpoint on one timer', () => {
  it('pings each connection an interval after its last write, with one timer for all', () => {
    const clock = new ManualClock()
    const keepalive = new WsKeepalive(clock, 30_000)
    const pings: string[] = []
    const a = entry(keepalive, pings, 'a')
    const b = entry(keepalive, pings, 'b')
    const c = entry(keepalive, pings, 'c')
    keepalive.add(a)
    clock.advance(5_000)
    keepalive.add(b)
    keepalive.add(c)
    expect(keepalive.size).toBe(3)
    expect(clock.pending).toBe(1)
    clock.advance(5_000)
    keepalive.touch(a) // a wrote at 10 s: its ping moves to 40 s
    clock.advance(24_999)
    expect(pings).toEqual([])
    clock.advance(1) // 35 s: b and c were idle for 30 s
    expect(pings).toEqual(['b', 'c'])
    clock.advance(4_999)
    expect(pings).toEqual(['b', 'c'])
    clock.advance(1) // 40 s
    expect(pings).toEqual(['b', 'c', 'a'])
    clock.advance(25_000) // 65 s: a ping counts as activity, so b and c come again 30 s later
    expect(pings).toEqual(['b', 'c', 'a', 'b', 'c'])
    expect(clock.pending).toBe(1)
  })

  it('leaves no timer once the last connection is removed, and pings none with interval 0', () => {
    const clock = new ManualClock()
    const keepalive = new WsKeepalive(clock, 30_000)
    const pings: string[] = []
    const a = entry(keepalive, pings, 'a')
    const b = entry(keepalive, pings, 'b')
    keepalive.add(a)
    keepalive.add(b)
    keepalive.remove(a)
    expect(clock.pending).toBe(1)
    clock.advance(30_000)
    expect(pings).toEqual(['b'])
    keepalive.remove(b)
    expect(keepalive.size).toBe(0)
    expect(clock.pending).toBe(0)

    const never = new WsKeepalive(clock, 0)
    never.add(entry(never, pings, 'c'))
    expect(clock.pending).toBe(0)
    clock.advance(3_600_000)
    expect(pings).toEqual(['b'])
  })

  it('closeAll closes every connection and resolves once each has left', async () => {
    const clock = new ManualClock()
    const keepalive = new WsKeepalive(clock, 30_000)
    const pings: string[] = []
    const left: KeepaliveEntry[] = []
    const entries = ['a', 'b', 'c'].map((name) => {
      const e = entry(keepalive, pings, name)
      e.close = () => left.push(e) // closing is asynchronous, as a socket's
      keepalive.add(e)
      return e
    })
    let done = false
    const closing = keepalive.closeAll('stopping').then(() => {
      done = true
    })
    expect(left).toEqual(entries)
    for (const e of left.splice(0, 2)) keepalive.remove(e)
    await Promise.resolve()
    expect(done).toBe(false)
    keepalive.remove(left[0]!)
    await closing
    expect(done).toBe(true)
    expect(clock.pending).toBe(0)
    await keepalive.closeAll('again') // nothing open: resolves at once
  })
})
