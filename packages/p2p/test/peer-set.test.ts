/**
 * PeerSet on stand-in peers: the limits (maxPeers, the dial ratio's split, trusted
 * exemption), the counts, ourselves, and which of two crossed connections survives.
 */
import type { NodeIdHex } from '@devp2p/enode'
import { describe, expect, it } from 'vitest'
import { DisconnectReason, P2pError } from '../src/errors.js'
import type { Peer } from '../src/peer.js'
import { type ConnKind, PeerSet } from '../src/peer-set.js'

const id = (n: number): NodeIdHex => n.toString(16).padStart(64, '0') as NodeIdHex
const SELF = id(100)

type FakePeer = { setTrusted(value: boolean): void }

/** What PeerSet reads of a peer. */
function fakePeer(n: number, inbound: boolean): Peer {
  let trusted = false
  return {
    idHex: id(n),
    inbound,
    get trusted() {
      return trusted
    },
    setTrusted(value: boolean) {
      trusted = value
    },
  } as unknown as Peer
}

function refusal(set: PeerSet, n: number, kind: ConnKind): number | undefined {
  try {
    set.check(id(n), kind)
    return undefined
  } catch (err) {
    expect(err).toBeInstanceOf(P2pError)
    return (err as P2pError).reason
  }
}

describe('PeerSet', () => {
  it('splits maxPeers by the dial ratio (at least one dial; none with noDial)', () => {
    const base = { self: SELF, trusted: [] }
    expect(new PeerSet({ ...base, maxPeers: 50, dialRatio: 3, noDial: false })).toMatchObject({
      maxDialed: 16,
      maxInbound: 34,
    })
    expect(new PeerSet({ ...base, maxPeers: 2, dialRatio: 3, noDial: false })).toMatchObject({
      maxDialed: 1,
      maxInbound: 1,
    })
    expect(new PeerSet({ ...base, maxPeers: 2, dialRatio: 3, noDial: true })).toMatchObject({
      maxDialed: 0,
      maxInbound: 2,
    })
  })

  it('counts inbound and dialed peers and refuses past each limit', () => {
    const set = new PeerSet({ self: SELF, maxPeers: 3, dialRatio: 3, noDial: false, trusted: [] })
    set.add(fakePeer(1, true))
    set.add(fakePeer(2, true))
    expect(refusal(set, 3, 'inbound')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 3, 'dynamic')).toBeUndefined()
    set.add(fakePeer(3, false))
    expect([set.size, set.inbound, set.dialed]).toEqual([3, 2, 1])
    expect(refusal(set, 4, 'static')).toBe(DisconnectReason.TooManyPeers) // maxPeers
    expect(refusal(set, 4, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
  })

  it('a static dial passes the dial ratio, not maxPeers', () => {
    const set = new PeerSet({ self: SELF, maxPeers: 3, dialRatio: 3, noDial: false, trusted: [] })
    set.add(fakePeer(1, false))
    expect(refusal(set, 2, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 2, 'static')).toBeUndefined()
  })

  it('trusted nodes pass every limit, not the self and duplicate checks', () => {
    const set = new PeerSet({
      self: SELF,
      maxPeers: 0,
      dialRatio: 3,
      noDial: false,
      trusted: [id(1)],
      markTrusted: (peer, value) => (peer as unknown as FakePeer).setTrusted(value),
    })
    expect(refusal(set, 1, 'inbound')).toBeUndefined()
    expect(refusal(set, 2, 'inbound')).toBe(DisconnectReason.TooManyPeers)
    const peer = fakePeer(2, true)
    set.add(peer)
    set.setTrusted(id(2), true)
    expect(peer.trusted).toBe(true)
    expect(set.trustedCount).toBe(1)
    expect(refusal(set, 2, 'inbound')).toBe(DisconnectReason.AlreadyConnected)
    expect(refusal(set, 100, 'inbound')).toBe(DisconnectReason.Self)
    set.setTrusted(id(2), false)
    expect(peer.trusted).toBe(false)
    expect(set.isTrusted(id(2))).toBe(false)
  })

  it('of two crossed connections, the one dialed by the lower id wins', () => {
    const set = new PeerSet({ self: SELF, maxPeers: 10, dialRatio: 3, noDial: false, trusted: [] })
    const low = fakePeer(1, true) // id 1 < SELF dialed us
    const high = fakePeer(200, true) // SELF < id 200 dialed us
    set.add(low)
    set.add(high)
    // our dial to the lower id loses: its inbound connection stays
    expect(refusal(set, 1, 'dynamic')).toBe(DisconnectReason.AlreadyConnected)
    // our dial to the higher id wins and replaces its inbound one
    expect(set.check(id(200), 'dynamic')).toBe(high)
    // the same direction twice never replaces
    expect(refusal(set, 200, 'inbound')).toBe(DisconnectReason.AlreadyConnected)
  })

  it('admit checks, replaces and counts in one call, and changes nothing when refused', () => {
    const set = new PeerSet({ self: SELF, maxPeers: 10, dialRatio: 3, noDial: false, trusted: [] })
    const inbound = fakePeer(200, true)
    expect(set.admit(inbound, 'inbound')).toBeUndefined()
    expect([set.size, set.inbound, set.dialed]).toEqual([1, 1, 0])
    // a crossed dial to the higher id wins: the inbound peer is handed back, no longer counted
    const dialed = fakePeer(200, false)
    expect(set.admit(dialed, 'dynamic')).toBe(inbound)
    expect(set.get(id(200))).toBe(dialed)
    expect([set.size, set.inbound, set.dialed]).toEqual([1, 0, 1])
    expect(set.remove(inbound)).toBe(false)
    // refused: the same direction again; the set is as it was
    expect(() => set.admit(fakePeer(200, false), 'static')).toThrow(P2pError)
    expect(set.get(id(200))).toBe(dialed)
    expect([set.size, set.inbound, set.dialed]).toEqual([1, 0, 1])
  })

  it('remove is idempotent and ignores a replaced peer', () => {
    const set = new PeerSet({ self: SELF, maxPeers: 10, dialRatio: 3, noDial: false, trusted: [] })
    const first = fakePeer(200, true)
    set.add(first)
    const second = fakePeer(200, false)
    set.add(second) // replaces first
    expect([set.size, set.inbound, set.dialed]).toEqual([1, 0, 1])
    expect(set.remove(first)).toBe(false)
    expect(set.get(id(200))).toBe(second)
    expect(set.remove(second)).toBe(true)
    expect(set.remove(second)).toBe(false)
    expect([set.size, set.inbound, set.dialed]).toEqual([0, 0, 0])
  })

  it('keeps the reserved slots for wanted peers: inbound within its share, our dials past theirs', () => {
    const wanted = new Set([id(7), id(8), id(9)])
    const set = new PeerSet({
      ...{ self: SELF, maxPeers: 6, dialRatio: 3, noDial: false, trusted: [] },
      ...{ reserved: 2, wanted: (peer: NodeIdHex) => wanted.has(peer) },
    })
    expect([set.maxDialed, set.maxInbound, set.reserved]).toEqual([2, 4, 2])
    set.add(fakePeer(1, false))
    set.add(fakePeer(2, true))
    set.add(fakePeer(3, true))
    // 3 of 6: one more plain peer fits, in either direction
    expect(refusal(set, 4, 'inbound')).toBeUndefined()
    expect(refusal(set, 4, 'dynamic')).toBeUndefined()
    set.add(fakePeer(4, true))
    // 4 = maxPeers − reserved: only wanted peers now, and static ones
    expect(refusal(set, 5, 'inbound')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 5, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 5, 'static')).toBeUndefined()
    expect(refusal(set, 7, 'inbound')).toBeUndefined()
    expect(refusal(set, 7, 'dynamic')).toBeUndefined()
    set.add(fakePeer(7, true))
    // inbound share (4) is full: a wanted inbound peer is refused, a wanted dial is not
    expect(refusal(set, 8, 'inbound')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 8, 'dynamic')).toBeUndefined()
    set.add(fakePeer(8, false))
    // maxPeers reached: nobody, wanted or not
    expect(refusal(set, 9, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 9, 'static')).toBe(DisconnectReason.TooManyPeers)
  })

  it('our wanted dials may take any free slot, past the dialed share; plain ones may not', () => {
    const wanted = new Set([id(20), id(21), id(22)])
    const set = new PeerSet({
      ...{ self: SELF, maxPeers: 7, dialRatio: 3, noDial: false, trusted: [] },
      ...{ reserved: 1, wanted: (peer: NodeIdHex) => wanted.has(peer) },
    })
    for (let n = 1; n <= 2; n++) set.add(fakePeer(n, false))
    expect(set.dialed).toBe(set.maxDialed)
    expect(refusal(set, 3, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
    expect(refusal(set, 20, 'dynamic')).toBeUndefined()
    set.add(fakePeer(20, false))
    set.add(fakePeer(21, false))
    set.add(fakePeer(22, false))
    set.add(fakePeer(4, true))
    // 6 of 7: the last slot is reserved; a wanted inbound peer would fit its share, a plain one not
    expect(refusal(set, 5, 'inbound')).toBe(DisconnectReason.TooManyPeers)
    wanted.add(id(5))
    expect(refusal(set, 5, 'inbound')).toBeUndefined()
    set.add(fakePeer(5, true))
    expect(refusal(set, 23, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
  })

  it('without a reserve, wanted or not makes no difference (geth behaviour)', () => {
    const set = new PeerSet({
      ...{ self: SELF, maxPeers: 3, dialRatio: 3, noDial: false, trusted: [] },
      wanted: () => true,
    })
    set.add(fakePeer(1, false))
    expect(refusal(set, 2, 'dynamic')).toBe(DisconnectReason.TooManyPeers)
  })
})
