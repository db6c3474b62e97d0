/**
 * The subscribeEvents queue on its own: order, several subscribers, abort and close, and
 * a subscriber that stops reading ended with EVENTS_OVERFLOW instead of growing memory.
 */
import { describe, expect, it } from 'vitest'
import { MAX_SUBSCRIBER_BACKLOG } from '../src/constants.js'
import { P2pError } from '../src/errors.js'
import { EventFeed } from '../src/event-feed.js'
import type { PeerEvent } from '../src/peer-event.js'

const event = (n: number): PeerEvent => ({
  type: 'add',
  peer: n.toString(16).padStart(64, '0') as PeerEvent['peer'],
  localAddress: '127.0.0.1:1',
  remoteAddress: `127.0.0.1:${n}`,
})

async function drain(iterator: AsyncIterator<PeerEvent>, count: number): Promise<PeerEvent[]> {
  const out: PeerEvent[] = []
  for (let i = 0; i < count; i++) {
    const next = await iterator.next()
    if (next.done) break
    out.push(next.value)
  }
  return out
}

describe('EventFeed', () => {
  it('gives every subscriber every later event, in order', async () => {
    const feed = new EventFeed()
    const a = feed.subscribe()[Symbol.asyncIterator]()
    const b = feed.subscribe()[Symbol.asyncIterator]()
    feed.publish(event(1))
    feed.publish(event(2))
    expect((await drain(a, 2)).map((e) => e.remoteAddress)).toEqual(['127.0.0.1:1', '127.0.0.1:2'])
    expect((await drain(b, 2)).map((e) => e.remoteAddress)).toEqual(['127.0.0.1:1', '127.0.0.1:2'])
  })

  it('a waiting next() gets the next event; abort and close end the iteration', async () => {
    const feed = new EventFeed()
    const controller = new AbortController()
    const aborted = feed.subscribe({ signal: controller.signal })[Symbol.asyncIterator]()
    const closed = feed.subscribe()[Symbol.asyncIterator]()
    const waiting = aborted.next()
    feed.publish(event(7))
    expect((await waiting).value).toEqual(event(7))
    controller.abort()
    expect(await aborted.next()).toEqual({ value: undefined, done: true })
    expect(feed.size).toBe(1)
    feed.close()
    expect(await drain(closed, 2)).toEqual([event(7)]) // what it held, then the end
    expect(feed.size).toBe(0)
    const late = feed.subscribe()[Symbol.asyncIterator]()
    expect(await late.next()).toEqual({ value: undefined, done: true })
  })

  it('return() (a for-await break) unsubscribes', async () => {
    const feed = new EventFeed()
    feed.publish(event(0)) // before anyone subscribed: nobody gets it
    const seen: PeerEvent[] = []
    const reading = (async () => {
      for await (const e of feed.subscribe()) {
        seen.push(e)
        break
      }
    })()
    await Promise.resolve()
    feed.publish(event(1))
    await reading
    expect(seen).toEqual([event(1)])
    expect(feed.size).toBe(0)
  })

  it(`a subscriber more than MAX_SUBSCRIBER_BACKLOG (${MAX_SUBSCRIBER_BACKLOG}) events behind gets what it holds, then EVENTS_OVERFLOW`, async () => {
    const feed = new EventFeed()
    const slow = feed.subscribe()[Symbol.asyncIterator]()
    const fast = feed.subscribe()[Symbol.asyncIterator]()
    let fastSeen = 0
    for (let i = 0; i < MAX_SUBSCRIBER_BACKLOG; i++) {
      feed.publish(event(i))
      await fast.next()
      fastSeen++
    }
    expect(feed.size).toBe(2) // exactly the backlog held: not ended yet
    feed.publish(event(MAX_SUBSCRIBER_BACKLOG))
    expect(feed.size).toBe(1) // the slow one is gone; the one that reads stays
    expect((await fast.next()).value).toEqual(event(MAX_SUBSCRIBER_BACKLOG))
    expect(fastSeen + 1).toBe(MAX_SUBSCRIBER_BACKLOG + 1)
    const held = await drain(slow, MAX_SUBSCRIBER_BACKLOG)
    expect(held).toHaveLength(MAX_SUBSCRIBER_BACKLOG)
    expect(held.at(-1)).toEqual(event(MAX_SUBSCRIBER_BACKLOG - 1))
    const err = await slow.next().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(P2pError)
    expect(err).toMatchObject({ code: 'EVENTS_OVERFLOW' })
  })
})
