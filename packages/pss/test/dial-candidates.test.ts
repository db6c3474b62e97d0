import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import type { ENode } from '@devp2p/enode'
import { nodeIdFromPublicKey } from '@devp2p/enode'
import { type NodeSource, Server } from '@devp2p/p2p'
import { ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { NEIGHBOURHOOD_LOOKUP_INTERVAL_MS } from '../src/constants.js'
import { kademliaCandidates } from '../src/dial-candidates.js'
import { Pss } from '../src/pss.js'
import { PssRouter } from '../src/router.js'

function id(first: number): Uint8Array {
  const out = new Uint8Array(32)
  out[0] = first
  return out
}

/** A source yielding nodes with these first id bytes, then ending. */
function sourceOf(firsts: number[]): NodeSource {
  return {
    async *randomNodes() {
      for (const first of firsts) yield { id: id(first) } as unknown as ENode
    },
  }
}

async function firsts(source: NodeSource, signal = new AbortController().signal) {
  const out: number[] = []
  for await (const node of source.randomNodes({ signal })) out.push(node.id[0]!)
  return out
}

describe('kademliaCandidates', () => {
  it('passes on only the candidates in a bin the router wants filled', async () => {
    const router = new PssRouter({ self: id(0x00), clock: new ManualClock() })
    router.addPeer(id(0x80), () => true) // bin 0 is full
    router.addPeer(id(0x02), () => true) // and our deepest peer is in bin 6
    const wanted = kademliaCandidates(sourceOf([0xc0, 0x40, 0x81, 0x20, 0x01]), (x) =>
      router.wantsPeer(x),
    )
    // 0xc0 and 0x81 are in bin 0; 0x40 (bin 1), 0x20 (bin 2) and 0x01 (bin 7) are wanted
    expect(await firsts(wanted)).toEqual([0x40, 0x20, 0x01])
  })

  it('with a source that can look up, offers our neighbourhood first (deepest bin first), then again every NEIGHBOURHOOD_LOOKUP_INTERVAL_MS', async () => {
    const clock = new ManualClock()
    const self = { publicKey: new Uint8Array(64).fill(9), id: id(0x00), clock }
    const lookups: Uint8Array[] = []
    let randomFirst = 0x80
    const source = {
      async *randomNodes() {
        for (;;) yield { id: id(randomFirst++) } as unknown as ENode
      },
      async lookup(target: Uint8Array) {
        lookups.push(target)
        // bins 1, 7, 3 and 0 (0x81 is not wanted)
        return [0x40, 0x01, 0x10, 0x81].map((first) => ({ id: id(first) }) as unknown as ENode)
      },
    }
    const controller = new AbortController()
    const wanted = kademliaCandidates(source, (x) => x[0] !== 0x81, self)
    const it = wanted.randomNodes({ signal: controller.signal })[Symbol.asyncIterator]()
    const next = async () => (await it.next()).value!.id[0]
    expect([await next(), await next(), await next()]).toEqual([0x01, 0x10, 0x40])
    expect(lookups).toEqual([self.publicKey])
    // then discovery's random nodes, 0x81 skipped
    expect([await next(), await next()]).toEqual([0x80, 0x82])
    clock.advance(NEIGHBOURHOOD_LOOKUP_INTERVAL_MS)
    expect(await next()).toBe(0x01)
    expect(lookups).toHaveLength(2)
    controller.abort()
    await it.return?.()
  })

  it('ends when the signal aborts', async () => {
    const controller = new AbortController()
    const wanted = kademliaCandidates(sourceOf([0x40, 0x20, 0x10]), () => true)
    const out: number[] = []
    for await (const node of wanted.randomNodes({ signal: controller.signal })) {
      out.push(node.id[0]!)
      controller.abort()
    }
    expect(out).toEqual([0x40])
  })
})

describe('Pss({ dialCandidates })', () => {
  it("filters the source through pss.wantsPeer as pss.protocol's dialCandidates (our own id is never wanted)", async () => {
    expect(new Pss({ privateKey: generatePrivateKey() }).protocol.dialCandidates).toBeUndefined()
    const privateKey = generatePrivateKey()
    const self = nodeIdFromPublicKey(publicKeyFromPrivate(privateKey))
    const others = [id(0x01), id(0x02)].map((x) =>
      x.map((b, i) => (i === 0 ? b ^ self[0]! ^ 0x80 : b)),
    )
    const source: NodeSource = {
      async *randomNodes() {
        for (const node of [others[0]!, self, others[1]!]) yield { id: node } as unknown as ENode
      },
    }
    const pss = new Pss({ privateKey, dialCandidates: source })
    const offered: Uint8Array[] = []
    const candidates = pss.protocol.dialCandidates as NodeSource
    for await (const node of candidates.randomNodes({ signal: new AbortController().signal }))
      offered.push(node.id)
    expect(offered).toEqual(others)
  })
})

describe('pss.service().dialCandidates', () => {
  it("is the node's discovery filtered through pss.wantsPeer", async () => {
    const privateKey = generatePrivateKey()
    const self = nodeIdFromPublicKey(publicKeyFromPrivate(privateKey))
    const other = self.map((b, i) => (i === 0 ? b ^ 0x80 : b))
    const discovery: NodeSource = {
      async *randomNodes() {
        for (const node of [self, other]) yield { id: node } as unknown as ENode
      },
    }
    const service = new Pss({ privateKey }).service()
    const offered: Uint8Array[] = []
    const wanted = service.dialCandidates(discovery)
    for await (const node of wanted.randomNodes({ signal: new AbortController().signal }))
      offered.push(node.id)
    expect(offered).toEqual([other])
  })

  it('pss.protocol says which peers it wants, so a server running it reserves maxPeers / 5 slots for them', () => {
    const privateKey = generatePrivateKey()
    const pss = new Pss({ privateKey, clock: new ManualClock() })
    const self = nodeIdFromPublicKey(publicKeyFromPrivate(privateKey))
    const other = id(self[0]! ^ 0x80)
    expect(pss.protocol.wantsPeer?.(other)).toBe(true)
    expect(pss.protocol.wantsPeer?.(self)).toBe(false)
    const server = new Server({ privateKey, protocols: [pss.protocol], maxPeers: 25 })
    expect(server.reservedPeers).toBe(5)
  })
})
