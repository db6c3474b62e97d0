import { hex, ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  DIGEST_TTL_MS,
  MAX_FORWARDS_PER_MESSAGE,
  MAX_TTL_S,
  PEER_BURST_BYTES,
  PEER_BURST_MSGS,
  PEER_RATE_MSGS_PER_S,
} from '../src/constants.js'
import { PssError } from '../src/errors.js'
import { encodeMessage } from '../src/message.js'
import { PssRouter, type PssRouterOptions } from '../src/router.js'

/** A 32-byte id starting with `prefix`, then `fill`. */
function id(prefix: number[], fill = 0): Uint8Array {
  const out = new Uint8Array(32).fill(fill)
  out.set(prefix)
  return out
}

const SELF = id([0x00])

function setup(options: Partial<PssRouterOptions> = {}) {
  const clock = new ManualClock()
  const router = new PssRouter({ self: SELF, clock, ...options })
  // bounded: a test's own record
  const sent = new Map<string, Uint8Array[]>()
  const full = new Set<string>()
  const add = (peerId: Uint8Array) => {
    const key = hex(peerId)
    sent.set(key, [])
    router.addPeer(peerId, (encoded) => {
      if (full.has(key)) return false
      sent.get(key)!.push(encoded)
      return true
    })
    return peerId
  }
  /** Which peers got something, by the first byte of their id (as hex). */
  const receivers = () =>
    [...sent].filter(([, list]) => list.length > 0).map(([key]) => key.slice(0, 2))
  const nowS = () => Math.floor(clock.now() / 1000)
  let n = 0
  const msg = (to: Uint8Array, over: { expiry?: number; payload?: Uint8Array } = {}) =>
    encodeMessage({
      to,
      expiry: over.expiry ?? nowS() + 60,
      topic: new Uint8Array([1, 2, 3, 4]),
      flags: 0,
      payload: over.payload ?? new Uint8Array([n++ & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]),
    })
  return { clock, router, sent, full, add, receivers, msg, nowS }
}

describe('PssRouter: routing', () => {
  it('routes a full address to the one connected peer closest by XOR, never back to the sender', () => {
    const { router, add, receivers, msg } = setup()
    const a = add(id([0x10]))
    add(id([0x80]))
    add(id([0xf0]))
    const sender = add(id([0x81]))
    // 0x81 is the closest to 0x81…, but it sent the message; 0x80 is next
    const result = router.handle(sender, msg(id([0x81], 0x55)))
    expect(result).toEqual({ forwards: 1 })
    expect(receivers()).toEqual(['80'])
    // from elsewhere, the closest (the sender before) gets it
    router.handle(a, msg(id([0x81], 0x55)))
    expect(receivers().sort()).toEqual(['80', '81'])
  })

  it('delivers a message for our full address and still forwards it (forwardOwn: true, the default)', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0x40]))
    add(id([0x02]))
    add(id([0x90]))
    const result = router.handle(sender, msg(SELF))
    expect(result.deliver?.to).toEqual(SELF)
    expect(result.forwards).toBe(1)
    expect(receivers()).toEqual(['02'])
  })

  it('forwardOwn: false keeps a message for our full address', () => {
    const { router, add, receivers, msg } = setup({ forwardOwn: false })
    const sender = add(id([0x40]))
    add(id([0x02]))
    const result = router.handle(sender, msg(SELF))
    expect(result.deliver).toBeDefined()
    expect(result.forwards).toBe(0)
    expect(receivers()).toEqual([])
  })

  it('inside a partial address delivers and spreads to every peer in the prefix, not outside it', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0x00, 0x01]))
    add(id([0x00, 0x02]))
    add(id([0x00, 0x03]))
    add(id([0x01, 0x00]))
    add(id([0x80]))
    const result = router.handle(sender, msg(new Uint8Array([0x00])))
    expect(result.deliver).toBeDefined()
    expect(result.forwards).toBe(2)
    expect(receivers().length).toBe(2)
    expect(receivers().every((first) => first === '00')).toBe(true)
  })

  it('outside a partial address forwards toward it without delivering', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0x01]))
    add(id([0x70, 0x01]))
    add(id([0x71]))
    const result = router.handle(sender, msg(new Uint8Array([0x70])))
    expect(result).toEqual({ forwards: 1 })
    expect(receivers()).toEqual(['70'])
  })

  it('an empty address is delivered and goes to every peer but the sender', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0x01]))
    add(id([0x02]))
    add(id([0x03]))
    const result = router.handle(sender, msg(new Uint8Array()))
    expect(result.deliver).toBeDefined()
    expect(result.forwards).toBe(2)
    expect(receivers().sort()).toEqual(['02', '03'])
  })

  it('a full outbox passes the message to the next closest peer, and is counted', () => {
    const { router, add, full, receivers, msg } = setup()
    const sender = add(id([0x01]))
    const closest = add(id([0x80]))
    add(id([0xc0]))
    full.add(hex(closest))
    expect(router.handle(sender, msg(id([0x80]))).forwards).toBe(1)
    expect(receivers()).toEqual(['c0'])
    expect(router.stats().dropped['outbox-full']).toBe(1)
  })

  it('our own message is forwarded, not delivered to us, and its echo is a repeat', () => {
    const { router, add, sent, msg } = setup()
    const peer = add(id([0x01]))
    const bytes = msg(new Uint8Array())
    expect(router.send(bytes)).toEqual({ forwards: 1 })
    expect(sent.get(hex(peer))).toEqual([bytes])
    expect(router.handle(peer, bytes)).toEqual({ forwards: 0, dropped: 'repeat' })
    expect(router.stats()).toMatchObject({ sent: 1, delivered: 0, forwarded: 1 })
  })
})

describe('PssRouter: wantsPeer (the Kademlia dial hint)', () => {
  it('wants a candidate while its proximity bin holds fewer than binPeers peers, or in our deepest bin', () => {
    const { router, add } = setup()
    // SELF is 0x00…: 0x80… is in bin 0, 0x40… in bin 1, 0x02… in bin 6, 0x01… in bin 7
    expect(router.wantsPeer(id([0x80]))).toBe(true)
    add(id([0x80]))
    // bin 0 is our deepest: every node is a neighbour while we know no closer peer
    expect(router.wantsPeer(id([0xc0]))).toBe(true)
    add(id([0x40]))
    expect(router.wantsPeer(id([0xc0]))).toBe(false)
    expect(router.wantsPeer(id([0xc0]), 2)).toBe(true)
    expect(router.wantsPeer(id([0x41]))).toBe(true)
    add(id([0x02]))
    expect(router.wantsPeer(id([0x41]))).toBe(false)
    expect(router.wantsPeer(id([0x04]))).toBe(true)
    // the nearest neighbourhood (bin 6 and deeper) is connected in full
    expect(router.wantsPeer(id([0x03]))).toBe(true)
    expect(router.wantsPeer(id([0x01]))).toBe(true)
    router.removePeer(id([0x80]))
    expect(router.wantsPeer(id([0xc0]))).toBe(true)
  })

  it('does not want itself, a connected peer or an id that is not 32 bytes', () => {
    const { router, add } = setup()
    add(id([0x80]))
    expect(router.wantsPeer(SELF)).toBe(false)
    expect(router.wantsPeer(id([0x80]), 5)).toBe(false)
    expect(router.wantsPeer(new Uint8Array(31).fill(0x80))).toBe(false)
  })
})

describe('PssRouter: limits', () => {
  it('drops repeats within DIGEST_TTL_MS and accepts the same bytes after it', () => {
    const { clock, router, add, msg, nowS } = setup()
    const a = add(id([0x01]))
    const bytes = msg(new Uint8Array(), { expiry: nowS() + 60 })
    expect(router.handle(a, bytes).deliver).toBeDefined()
    clock.advance(DIGEST_TTL_MS - 1)
    expect(router.handle(a, bytes).dropped).toBe('repeat')
    clock.advance(1)
    expect(router.handle(a, bytes).deliver).toBeDefined()
    expect(router.stats().dropped.repeat).toBe(1)
  })

  it('keeps at most maxDigests digests: the oldest is forgotten first', () => {
    const { router, add, msg } = setup({ maxDigests: 2 })
    const a = add(id([0x01]))
    const [m1, m2, m3] = [msg(SELF), msg(SELF), msg(SELF)]
    for (const m of [m1, m2, m3]) expect(router.handle(a, m!).deliver).toBeDefined()
    expect(router.handle(a, m3!).dropped).toBe('repeat')
    expect(router.handle(a, m1!).deliver).toBeDefined() // evicted, so not known
  })

  it('drops expired messages and ones expiring more than MAX_TTL_S ahead', () => {
    const { router, add, msg, nowS } = setup()
    const a = add(id([0x01]))
    expect(router.handle(a, msg(SELF, { expiry: nowS() - 1 })).dropped).toBe('expired')
    expect(router.handle(a, msg(SELF, { expiry: nowS() + MAX_TTL_S + 1 })).dropped).toBe(
      'ttl-too-long',
    )
    expect(router.handle(a, msg(SELF, { expiry: nowS() })).deliver).toBeDefined()
    expect(router.handle(a, msg(SELF, { expiry: nowS() + MAX_TTL_S })).deliver).toBeDefined()
    expect(router.stats().dropped).toMatchObject({ expired: 1, 'ttl-too-long': 1 })
  })

  it('rate-limits a flooder by its own bucket while an honest peer goes on', () => {
    const { clock, router, add, msg } = setup()
    const flooder = add(id([0x01]))
    const honest = add(id([0x02]))
    let accepted = 0
    for (let i = 0; i < PEER_BURST_MSGS + 500; i++) {
      if (router.handle(flooder, msg(SELF)).dropped === undefined) accepted++
    }
    expect(accepted).toBe(PEER_BURST_MSGS)
    expect(router.stats().dropped['rate-limited']).toBe(500)
    for (let i = 0; i < 10; i++) expect(router.handle(honest, msg(SELF)).deliver).toBeDefined()
    clock.advance(1000)
    accepted = 0
    for (let i = 0; i < PEER_BURST_MSGS; i++) {
      if (router.handle(flooder, msg(SELF)).dropped === undefined) accepted++
    }
    expect(accepted).toBe(PEER_RATE_MSGS_PER_S)
  })

  it('rate-limits bytes too: large messages use up the byte bucket first', () => {
    const { router, add, msg } = setup()
    const a = add(id([0x01]))
    const payload = new Uint8Array(512 * 1024)
    let accepted = 0
    for (let i = 0; i < 20; i++) {
      payload[0] = i
      if (router.handle(a, msg(SELF, { payload })).dropped === undefined) accepted++
    }
    // each message is 512 KiB plus a few header bytes, so one fewer than burst / 512 KiB fits
    expect(accepted).toBe(PEER_BURST_BYTES / (512 * 1024) - 1)
  })

  it('one inbound message makes at most MAX_FORWARDS_PER_MESSAGE sends, whatever the fanout', () => {
    const { router, add, msg } = setup({ fanout: 100 })
    const sender = add(id([0xff]))
    // all inside the neighbourhood of the partial address 0x00 (ours too)
    for (let i = 1; i <= MAX_FORWARDS_PER_MESSAGE + 10; i++) add(id([0x00, i]))
    expect(router.handle(sender, msg(new Uint8Array())).forwards).toBe(MAX_FORWARDS_PER_MESSAGE)
    expect(router.handle(sender, msg(id([0x00, 0x05]))).forwards).toBe(MAX_FORWARDS_PER_MESSAGE)
    expect(router.handle(sender, msg(new Uint8Array([0x00]))).forwards).toBe(
      MAX_FORWARDS_PER_MESSAGE,
    )
    expect(router.stats().forwarded).toBe(3 * MAX_FORWARDS_PER_MESSAGE)
  })

  it('a bounded flood rotates, so every peer gets some of the messages', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0xff]))
    for (let i = 1; i <= MAX_FORWARDS_PER_MESSAGE + 4; i++) add(id([i]))
    for (let i = 0; i < 4; i++) router.handle(sender, msg(new Uint8Array()))
    expect(receivers().length).toBe(MAX_FORWARDS_PER_MESSAGE + 4)
  })

  it('drops invalid bytes and messages from unknown peers with a reason, never throwing', () => {
    const { router, add } = setup()
    const a = add(id([0x01]))
    const result = router.handle(a, new Uint8Array([0xc1, 0xc0]))
    expect(result.dropped).toBe('invalid')
    expect(result.error).toBeInstanceOf(PssError)
    expect(result.error?.code).toBe('INVALID_MESSAGE')
    expect(router.handle(id([0x09]), new Uint8Array([1])).dropped).toBe('unknown-peer')
    router.removePeer(a)
    expect(router.handle(a, new Uint8Array([1])).dropped).toBe('unknown-peer')
    expect(router.stats()).toMatchObject({
      received: 3,
      dropped: { invalid: 1, 'unknown-peer': 2 },
    })
  })

  it('a send function that throws counts as a refused send, and routing goes on', () => {
    const { router, add, receivers, msg } = setup()
    const sender = add(id([0x01]))
    router.addPeer(id([0x80]), () => {
      throw new Error('boom')
    })
    add(id([0xc0]))
    expect(router.handle(sender, msg(id([0x80]))).forwards).toBe(1)
    expect(receivers()).toEqual(['c0'])
  })

  it('checks its options', () => {
    expect(() => new PssRouter({ self: new Uint8Array(31) })).toThrow(RangeError)
    expect(() => new PssRouter({ self: SELF, fanout: 0 })).toThrow(RangeError)
    const router = new PssRouter({ self: SELF })
    expect(() => router.addPeer(new Uint8Array(3), () => true)).toThrow(RangeError)
  })
})
