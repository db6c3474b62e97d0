/**
 * Interop of our Discv4 with @ethereumjs/devp2p v10's DPT over real loopback UDP: Ping
 * and Pong both ways, FindNode both ways, a mixed network that converges, and their
 * departures from the spec with what each means for us.
 *
 * Their deviations (each pinned below, or read from their dist/esm/dpt sources):
 * - FindNode is answered without an endpoint proof (no bond): anyone, from a spoofed
 *   address too, gets a Neighbors reply; a 100-byte request buys a ~1.4 kB answer.
 *   We answer only bonded nodes (geth's rule), so their `bootstrap()` FindNode to one of
 *   ours, sent the moment our Pong arrives, is dropped (we have not had their Pong yet);
 *   they learn our neighbours from the FindNodes of their periodic refresh instead.
 * - Expirations are never checked: an expired Ping gets a Pong. We drop expired packets.
 * - Neighbors is one packet of up to 16 nodes, with no 1280-byte limit: once their
 *   table holds 15–16 nodes (IPv4, TCP ports set) the reply is larger than 1280 bytes.
 *   We drop any datagram over 1280 bytes unread (as geth does, whose read buffer is 1280
 *   bytes), so such a DPT is no FindNode source for us: the request times out, counts as
 *   a failure, and after 5 the node leaves our table (it still answers our Pings). Small
 *   DPT tables interoperate fully; 13–14 entries fit in 1280 bytes and are taken (a
 *   packet's size is the rule; 12 is only what geth and we put in one), but such a reply
 *   is neither short nor 16, so our request stays open to its 500 ms timeout.
 * - No ENRRequest / ENRResponse (EIP-868) and no enr-seq in Ping / Pong: our
 *   `requestEnr` times out (they report "Invalid type: 5" as an error), `resolve`
 *   falls back to the node we know.
 * - Their Kademlia distance is the XOR of the raw 64-byte public keys, not of their
 *   keccak256: their "closest" answers are closest by another metric than ours.
 * - They ping back a pinging node only when it is not in their table yet; our
 *   `ensureBond` (geth's) then waits its full 500 ms for a Ping that does not come before
 *   sending FindNode, which they answer anyway.
 *
 * On loopback every node shares 127.0.0.1, so our per-IP budget for Pongs to unbonded
 * nodes (10/s) is shared by the whole network; a Ping dropped by it only delays that
 * bond (the next Ping either way makes it), which the polling below tolerates.
 */
import { createSocket, type Socket } from 'node:dgram'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import type { ENode, NodeIdHex } from '@devp2p/enode'
import { afterEach, describe, expect, it } from 'vitest'
import type { Discv4 } from '../../src/v4/index.js'
import { decodePacket, encodePacket, expirationFrom, type Packet } from '../../src/v4/index.js'
import { type DatagramTransport, type UdpAddress, UdpTransport } from '../../src/v4/transport.js'
import { createDiscv4 } from './helpers/discv4.js'
import { type DptNode, type DptOptions, idHexOfKey, startDpt } from './helpers/ethereumjs-dpt.js'
import { expectCode } from './helpers.js'

const LOCALHOST = '127.0.0.1'
const PING = 1
const PONG = 2
const NEIGHBORS = 4

const running: { stop(): Promise<unknown> }[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()))
})

/** Our transport, logging what it receives. */
class TappedTransport implements DatagramTransport {
  readonly received: { size: number; from: UdpAddress }[] = []
  readonly #inner: DatagramTransport
  constructor(inner: DatagramTransport) {
    this.#inner = inner
  }
  get address(): UdpAddress {
    return this.#inner.address
  }
  send(bytes: Uint8Array, to: UdpAddress): void {
    this.#inner.send(bytes, to)
  }
  onMessage(handler: (bytes: Uint8Array, from: UdpAddress) => void): void {
    this.#inner.onMessage((bytes, from) => {
      this.received.push({ size: bytes.length, from })
      handler(bytes, from)
    })
  }
  close(): Promise<void> {
    return this.#inner.close()
  }
}

async function ours(
  options: { bootnodes?: ENode[]; transport?: DatagramTransport } = {},
): Promise<Discv4> {
  const disc = await createDiscv4({
    privateKey: generatePrivateKey(),
    listenAddr: `${LOCALHOST}:0`,
    bootnodes: options.bootnodes ?? [],
    transport: options.transport,
  })
  running.push(disc)
  await disc.start()
  return disc
}

async function theirs(options: DptOptions = {}): Promise<DptNode> {
  const node = await startDpt(options)
  running.push(node)
  return node
}

/** A bare UDP socket with its own key: a node that never pinged anybody. */
async function rawNode() {
  const socket: Socket = createSocket({ type: 'udp4' })
  await new Promise<void>((resolve) => socket.bind(0, LOCALHOST, resolve))
  const key = generatePrivateKey()
  const port = socket.address().port
  const received: { bytes: Uint8Array; fromPort: number }[] = []
  let wake: (() => void) | undefined
  socket.on('message', (msg, rinfo) => {
    received.push({ bytes: Uint8Array.from(msg), fromPort: rinfo.port })
    wake?.()
  })
  const raw = {
    port,
    received,
    send(packet: Packet, toPort: number): Uint8Array {
      const { bytes, hash } = encodePacket(packet, key)
      socket.send(bytes, toPort, LOCALHOST)
      return hash
    },
    /** The next datagram from `fromPort` with packet type `type`. */
    async next(fromPort: number, type: number, timeoutMs = 5000): Promise<Uint8Array> {
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const hit = received.find((r) => r.fromPort === fromPort && r.bytes[97] === type)
        if (hit) return hit.bytes
        const left = deadline - performance.now()
        if (left <= 0) throw new Error(`no packet of type ${type} from ${fromPort}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    },
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
  running.push(raw)
  return raw
}

/** Resolves once `check()` holds; between checks runs `step()` (a refresh), at most until `timeoutMs`. */
async function eventually(
  check: () => boolean,
  step: () => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`)
    await step()
    // poll, at most ten times a second, so their timers (100 ms, 200 ms apart) run too
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Resolves with the first `event` of `disc` whose node has id `id`; rejects after `timeoutMs`. */
function nodeEvent(
  disc: Discv4,
  event: 'node:added' | 'node:removed',
  id: NodeIdHex,
  timeoutMs: number,
): Promise<ENode> {
  return new Promise((resolve, reject) => {
    const on = (node: ENode): void => {
      if (node.idHex !== id) return
      clearTimeout(timer)
      disc.off(event, on)
      resolve(node)
    }
    const timer = setTimeout(() => {
      disc.off(event, on)
      reject(new Error(`no ${event} for ${id.slice(0, 8)} within ${timeoutMs} ms`))
    }, timeoutMs)
    disc.on(event, on)
  })
}

const ids = (nodes: readonly { idHex: NodeIdHex }[]): Set<NodeIdHex> =>
  new Set(nodes.map((n) => n.idHex))
const tableIds = (disc: Discv4): Set<NodeIdHex> => ids(disc.tableNodes())
const hasAll = (have: Set<NodeIdHex>, want: Iterable<NodeIdHex>): boolean =>
  [...want].every((id) => have.has(id))
/** Errors of theirs other than ping timeouts: what they could not decode or handle. */
const decodeErrors = (node: DptNode): Error[] =>
  node.errors.filter((e) => !/Timeout error|Peer is banned|already destroyed/.test(e.message))

describe('Ping and Pong', () => {
  it('our Ping gets their Pong', async () => {
    const them = await theirs()
    const us = await ours()
    const pong = await us.ping(them.node)
    // they report the endpoint they saw us at; no enr-seq (they predate EIP-868)
    expect(pong.to).toEqual({ ip: LOCALHOST, udp: us.address.port, tcp: 0 })
    expect(pong.enrSeq).toBeUndefined()
    // and a Ping from a node they do not know makes them ping back and add it
    await them.waitForPeers([us.idHex], 5000)
    expect(decodeErrors(them)).toEqual([])
  })

  it('their Ping gets our Pong, and we bond back and add them', async () => {
    const us = await ours()
    await us.refresh() // inbound nodes enter our table only after the first refresh
    const them = await theirs()
    const added = new Promise<Uint8Array>((resolve) =>
      them.dpt.events.on('peer:added', (peer) => resolve(peer.id!)),
    )
    const weAdd = nodeEvent(us, 'node:added', them.idHex, 5000)
    const peer = await them.dpt.addPeer({ address: LOCALHOST, udpPort: us.address.port })
    expect(idHexOfKey(peer.id!)).toBe(us.idHex)
    expect(idHexOfKey(await added)).toBe(us.idHex)
    // we answered unbonded, then pinged them for the endpoint proof, then took them in
    const node = await weAdd
    expect(node.udp).toBe(them.port)
    expect(node.ip).toBe(LOCALHOST)
    expect(them.received.filter((d) => d.fromPort === us.address.port).map((d) => d.type)).toEqual(
      expect.arrayContaining([PING, PONG]),
    )
  })
})

describe('a node of ours without a TCP port', () => {
  it('is reachable by their DPT from its enode URL (they write port 0 as 82 0000)', async () => {
    const us = await ours()
    const url = us.self().toEnodeUrl()
    expect(url).toMatch(/@127\.0\.0\.1:0\?discport=\d+$/) // discovery only: TCP port 0
    const them = await theirs({ timeout: 2000 })
    // their Ping carries `to: [127.0.0.1, udp, 0x0000]`: we used to drop it as malformed
    const peer = await them.dpt.addPeer({
      address: LOCALHOST,
      udpPort: us.address.port,
      tcpPort: 0,
    })
    expect(idHexOfKey(peer.id!)).toBe(us.idHex)
    expect(us.stats.invalid).toBe(0)
  })
})

describe('FindNode', () => {
  it('our lookup through their bootnode finds the nodes their table holds', async () => {
    const hub = await theirs()
    const others = await Promise.all([theirs(), theirs(), theirs()])
    for (const other of others) await hub.dpt.addPeer(other.peerInfo)
    expect(hasAll(hub.peerIds(), ids(others))).toBe(true)

    const us = await ours({ bootnodes: [hub.node] })
    const found = await us.lookup()
    expect(hasAll(ids(found), [hub.idHex, ...ids(others)])).toBe(true)
    for (const other of others) {
      const node = found.find((n) => n.idHex === other.idHex)!
      expect({ ip: node.ip, udp: node.udp, tcp: node.tcp }).toEqual({
        ip: LOCALHOST,
        udp: other.port,
        tcp: other.port,
      })
    }
    expect(hasAll(tableIds(us), [hub.idHex, ...ids(others)])).toBe(true)
    // a lookup for one of them, by key, puts it first
    const target = others[1]!
    expect((await us.lookup(target.node))[0]?.idHex).toBe(target.idHex)
    for (const n of [hub, ...others]) expect(decodeErrors(n)).toEqual([])
  })

  it('two lookups at once both get the 13 nodes they send in one Neighbors packet', async () => {
    // 13 entries: under 1280 bytes, but more than the 12 a packet of ours or geth's holds,
    // and fewer than 16, so the request stays open until its timeout and both requests
    // of the two lookups (as a refresh and a caller's may be) are open when the replies
    // come; each reply must reach both
    const hub = await theirs()
    const leaves = await Promise.all(
      Array.from({ length: 13 }, () => theirs({ shouldFindNeighbours: false })),
    )
    await Promise.all(leaves.map((leaf) => hub.dpt.addPeer(leaf.peerInfo)))
    const tap = new TappedTransport(await UdpTransport.bind(`${LOCALHOST}:0`))
    const us = await ours({ bootnodes: [hub.node], transport: tap })
    const [found, again] = await Promise.all([us.lookup(), us.lookup()])
    expect(hasAll(ids(found), ids(leaves))).toBe(true)
    expect(hasAll(ids(again), ids(leaves))).toBe(true)
    const fromHub = tap.received.filter((d) => d.from.port === hub.port).map((d) => d.size)
    expect(Math.max(...fromHub)).toBeGreaterThan(1000)
    expect(Math.max(...fromHub)).toBeLessThanOrEqual(1280)
  })

  it('their bootstrap from our node finds the nodes in our table', async () => {
    const boot = await ours()
    await boot.refresh()
    const members = await Promise.all([
      ours({ bootnodes: [boot.self()] }),
      ours({ bootnodes: [boot.self()] }),
      ours({ bootnodes: [boot.self()] }),
    ])
    await eventually(
      () => hasAll(tableIds(boot), ids(members)),
      () => Promise.all(members.map((m) => m.refresh())),
      10_000,
    )

    const them = await theirs({ refreshInterval: 500 })
    await them.dpt.bootstrap({ address: LOCALHOST, udpPort: boot.address.port })
    await them.waitForPeers([boot.idHex, ...ids(members)], 10_000)
    // only our boot node can have named the members to them: they never contacted them
    expect(
      them.received.some((d) => d.fromPort === boot.address.port && d.type === NEIGHBORS),
    ).toBe(true)
    expect(decodeErrors(them)).toEqual([])
  })
})

describe('a mixed network', () => {
  it('5 of ours and 5 of theirs, bootstrapped from one node each, all know each other', {
    timeout: 60_000,
  }, async () => {
    const dpts = await Promise.all(
      Array.from({ length: 5 }, () => theirs({ refreshInterval: 1000 })),
    )
    const hub = dpts[0]!
    const discs = await Promise.all(
      Array.from({ length: 5 }, () => ours({ bootnodes: [hub.node] })),
    )
    const ourHub = discs[0]!
    // every one of theirs bootstraps from our first node
    await Promise.all(
      dpts.map((d) => d.dpt.bootstrap({ address: LOCALHOST, udpPort: ourHub.address.port })),
    )
    const everyone = [...ids(dpts), ...ids(discs)]
    const others = (id: NodeIdHex) => everyone.filter((x) => x !== id)
    const converged = (): boolean =>
      discs.every((d) => hasAll(tableIds(d), others(d.idHex))) &&
      dpts.every((d) => hasAll(d.peerIds(), others(d.idHex)))
    // our first refresh (started by start(): a self lookup and three random ones, each
    // query waiting out the 500 ms reply timeout, as geth's, when fewer than 16 nodes come),
    // then further lookups until the tables are complete
    await Promise.all(discs.map((d) => d.refresh()))
    await eventually(converged, () => Promise.all(discs.map((d) => d.lookup())), 30_000)

    for (const d of discs) expect([...tableIds(d)].sort()).toEqual(others(d.idHex).sort())
    for (const d of dpts) expect(hasAll(d.peerIds(), others(d.idHex))).toBe(true)
    // a lookup of ours for each of theirs, by key, finds it
    for (const [i, d] of discs.entries()) {
      const target = dpts[(i + 1) % dpts.length]!
      expect((await d.lookup(target.node))[0]?.idHex).toBe(target.idHex)
    }
    for (const d of dpts) expect(decodeErrors(d)).toEqual([])
  })
})

describe('their deviations and how we behave', () => {
  it('they answer FindNode without an endpoint proof; we ignore it', async () => {
    const them = await theirs()
    await them.dpt.addPeer((await theirs()).peerInfo)
    const us = await ours()
    const raw = await rawNode()
    const target = publicKeyFromPrivate(generatePrivateKey())
    const findnode: Packet = {
      type: 'findnode',
      target,
      expiration: expirationFrom(Date.now()),
    }

    raw.send(findnode, them.port)
    const reply = decodePacket(await raw.next(them.port, NEIGHBORS))
    expect(reply.nodeIdHex).toBe(them.idHex)
    expect(reply.packet.type === 'neighbors' && reply.packet.nodes.length).toBe(1)

    const ignored = us.stats.ignored
    raw.send(findnode, us.address.port)
    await eventually(
      () => us.stats.ignored > ignored,
      async () => {},
      5000,
    )
    // the drop is counted when the decision is made: nothing can follow it
    expect(raw.received.filter((r) => r.fromPort === us.address.port)).toEqual([])
  })

  it('they answer an expired Ping; we drop it', async () => {
    const them = await theirs({ shouldFindNeighbours: false })
    const us = await ours()
    const raw = await rawNode()
    const expired = (toPort: number): Packet => ({
      type: 'ping',
      version: 4,
      from: { ip: LOCALHOST, udp: raw.port, tcp: 0 },
      to: { ip: LOCALHOST, udp: toPort, tcp: 0 },
      expiration: Math.floor(Date.now() / 1000) - 3600,
    })

    const hash = raw.send(expired(them.port), them.port)
    const pong = decodePacket(await raw.next(them.port, PONG))
    expect(pong.packet.type === 'pong' && Buffer.from(pong.packet.pingHash).equals(hash)).toBe(true)

    const ignored = us.stats.ignored
    raw.send(expired(us.address.port), us.address.port)
    await eventually(
      () => us.stats.ignored > ignored,
      async () => {},
      5000,
    )
    expect(raw.received.filter((r) => r.fromPort === us.address.port)).toEqual([])
  })

  it('their Neighbors pass 1280 bytes once they know 16 nodes; we drop them', async () => {
    const hub = await theirs()
    const fillers = await Promise.all(
      Array.from({ length: 16 }, () => theirs({ shouldFindNeighbours: false })),
    )
    await Promise.all(fillers.map((f) => hub.dpt.addPeer(f.peerInfo)))
    expect(hub.dpt.getPeers()).toHaveLength(16)

    // the raw reply: one packet with all 16, over the limit; our decoder refuses it
    const raw = await rawNode()
    raw.send(
      {
        type: 'findnode',
        target: publicKeyFromPrivate(generatePrivateKey()),
        expiration: expirationFrom(Date.now()),
      },
      hub.port,
    )
    const big = await raw.next(hub.port, NEIGHBORS)
    expect(big.length).toBeGreaterThan(1280)
    expectCode(() => decodePacket(big), 'TOO_LARGE')

    // our lookup through that hub: the reply is dropped unread, the request times out
    const tap = new TappedTransport(await UdpTransport.bind(`${LOCALHOST}:0`))
    const us = await ours({ bootnodes: [hub.node], transport: tap })
    const stats = { queries: 0, failed: 0, hops: 0 }
    const found = await us.lookup(undefined, { stats })
    expect(ids(found)).toEqual(new Set([hub.idHex]))
    expect(stats).toMatchObject({ queries: 1, failed: 1 })
    expect(us.stats.invalid).toBeGreaterThan(0)
    expect(tap.received.some((d) => d.from.port === hub.port && d.size > 1280)).toBe(true)
    expect(tableIds(us)).toEqual(new Set([hub.idHex]))
  })

  it('no ENRRequest: our requestEnr times out, resolve falls back to the known node', async () => {
    const them = await theirs()
    const us = await ours()
    await expect(us.requestEnr(them.node)).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(them.errors.some((e) => /Invalid type: 5/.test(e.message))).toBe(true)
    const resolved = await us.resolve(them.node)
    expect(resolved?.idHex).toBe(them.idHex)
    expect(resolved?.record).toBeUndefined()
  })
})
