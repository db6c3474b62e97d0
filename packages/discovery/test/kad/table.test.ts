import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { ENode, type NodeIdHex } from '@devp2p/enode'
import { seededRandom } from '@devp2p/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BUCKET_IP_LIMIT,
  BUCKET_MIN_DISTANCE,
  BUCKET_SIZE,
  BUCKET_SUBNET_BITS,
  MAX_REPLACEMENTS,
  N_BUCKETS,
  TABLE_IP_LIMIT,
} from '../../src/kad/constants.js'
import { Table } from '../../src/kad/table.js'
import type { TableNode } from '../../src/kad/table-types.js'

// ---- naive references, independent of the code under test -------------------------

const toBig = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`)

function fromBig(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))
}

/** Bit length of a XOR b. */
function naiveLogDist(a: Uint8Array, b: Uint8Array): number {
  const x = toBig(a) ^ toBig(b)
  return x === 0n ? 0 : x.toString(2).length
}

/**
 * The bucket of log distance d as geth's bucketAtDistance computes it: buckets[0] for
 * d ≤ 239, else buckets[d − 239 − 1] — so d = 240 is in bucket 0 too, d = 256 in bucket 16.
 */
const naiveBucket = (d: number): number => (d <= 239 ? 0 : d - 239 - 1)

/** An id at log distance `d` (1–256) from `base`; the bits below the top one come from `fill`. */
function idAt(base: Uint8Array, d: number, fill: bigint = 0n): Uint8Array {
  const top = 1n << BigInt(d - 1)
  return fromBig(toBig(base) ^ (top | (fill & (top - 1n))))
}

const prng = seededRandom

function randomFill(rand: () => number): bigint {
  let v = 0n
  for (let i = 0; i < 8; i++) v = (v << 32n) | BigInt(Math.floor(rand() * 2 ** 32))
  return v
}

interface FakeNode extends TableNode {
  readonly ip: string | undefined
  readonly udp: number | undefined
}

function fake(id: Uint8Array, ip: string | undefined, udp: number | undefined = 30303, seq = 0n) {
  const idHex = Buffer.from(id).toString('hex') as NodeIdHex
  return { id, idHex, ip, udp, seq } satisfies FakeNode
}

/** A distinct public /24 for each i < 65536 (1.x.y.0/24 is not LAN). */
const publicIp = (i: number, host = 1): string => `1.${(i >> 8) & 255}.${i & 255}.${host}`

const SELF = fromBig(0x5a5a5a5a_12345678_9abcdef0_0fedcba9_87654321_deadbeef_cafebabe_01020304n)

function newTable(options: Partial<ConstructorParameters<typeof Table>[0]> = {}) {
  return new Table<FakeNode>({ self: SELF, ...options })
}

const idsOf = (entries: readonly { node: FakeNode }[]): string[] => entries.map((e) => e.node.idHex)

// ---- tests ----------------------------------------------------------------------------

describe('constants and layout', () => {
  it('has geth’s sizes', () => {
    expect([BUCKET_SIZE, MAX_REPLACEMENTS, N_BUCKETS, BUCKET_MIN_DISTANCE]).toEqual([
      16, 10, 17, 239,
    ])
    expect([BUCKET_IP_LIMIT, TABLE_IP_LIMIT, BUCKET_SUBNET_BITS]).toEqual([2, 10, 24])
  })

  it('test helper idAt lands at the distance asked', () => {
    const rand = prng(1)
    for (let d = 1; d <= 256; d++)
      expect(naiveLogDist(SELF, idAt(SELF, d, randomFill(rand)))).toBe(d)
  })

  it('bucketOf maps every distance ≤ 240 to bucket 0 and d > 240 to d − 240', () => {
    const table = newTable()
    const rand = prng(2)
    for (let d = 1; d <= 256; d++) {
      expect(table.bucketOf(idAt(SELF, d, randomFill(rand)))).toBe(naiveBucket(d))
    }
    expect(table.bucketOf(idAt(SELF, 256))).toBe(16)
    expect(table.bucketOf(idAt(SELF, 241))).toBe(1)
    expect(table.bucketOf(idAt(SELF, 240))).toBe(0)
    expect(table.bucketOf(idAt(SELF, 239))).toBe(0)
  })

  it('puts each node in the bucket of its distance', () => {
    const table = newTable()
    for (const d of [1, 100, 239, 240, 250, 256]) {
      expect(table.addFoundNode(fake(idAt(SELF, d), publicIp(d)), 0)).toBe('added')
      expect(idsOf(table.bucket(naiveBucket(d)).entries)).toContain(
        Buffer.from(idAt(SELF, d)).toString('hex'),
      )
    }
    expect(table.bucket(0).entries).toHaveLength(4)
    expect(table.size).toBe(6)
  })

  it('rejects bad options', () => {
    expect(() => newTable({ bucketSize: 0 })).toThrow(RangeError)
    expect(() => newTable({ tableIpLimit: 1.5 })).toThrow(RangeError)
    expect(() => new Table({ self: new Uint8Array(31) })).toThrow(RangeError)
    expect(() => newTable().bucket(17)).toThrow(RangeError)
  })
})

describe('admission', () => {
  it('never takes self, nodes without an IP or without a UDP port', () => {
    const table = newTable()
    const id = idAt(SELF, 256)
    expect(table.addFoundNode(fake(SELF, '1.2.3.4'), 0)).toBe('rejected:self')
    expect(table.addVerifiedNode(fake(Uint8Array.from(SELF), '1.2.3.4'), 0)).toBe('rejected:self')
    expect(table.addFoundNode(fake(id, undefined), 0)).toBe('rejected:no-ip')
    expect(table.addFoundNode(fake(id, 'not-an-ip'), 0)).toBe('rejected:no-ip')
    expect(table.addFoundNode(fake(id, '0.0.0.0'), 0)).toBe('rejected:no-ip')
    expect(table.addFoundNode(fake(id, '::'), 0)).toBe('rejected:no-ip')
    expect(table.addFoundNode({ ...fake(id, '1.2.3.4'), udp: undefined }, 0)).toBe(
      'rejected:no-udp',
    )
    expect(table.addFoundNode(fake(id, '1.2.3.4', 0), 0)).toBe('rejected:no-udp')
    expect(table.size).toBe(0)
    expect(table.has(SELF)).toBe(false)
    expect(table.addFoundNode(fake(id, '1.2.3.4', 1), 0)).toBe('added')
  })

  it('works with real ENode values', () => {
    const table = new Table({ self: SELF })
    const key = publicKeyFromPrivate(generatePrivateKey())
    const node = ENode.fromPublicKey(key, { ip: '8.8.4.4', udp: 30303, tcp: 30303 })
    expect(table.addFoundNode(node, 5)).toBe('added')
    expect(table.get(node.id)?.node).toBe(node)
    expect(table.get(node.id)?.addedAt).toBe(5)
  })
})

describe('buckets and replacements', () => {
  /** 16 + extra nodes at distance 256 (bucket 16), each in its own /24. */
  function makeNodes(count: number, d = 256, seed = 3): FakeNode[] {
    const rand = prng(seed)
    const nodes: FakeNode[] = []
    for (let i = 0; i < count; i++) nodes.push(fake(idAt(SELF, d, randomFill(rand)), publicIp(i)))
    return nodes
  }

  it('appends found nodes at the end; a full bucket sends newcomers to the replacements', () => {
    const table = newTable()
    const nodes = makeNodes(17)
    const results = nodes.map((n, i) => table.addFoundNode(n, i))
    expect(results).toEqual([...new Array(16).fill('added'), 'replacement'])
    expect(idsOf(table.bucket(16).entries)).toEqual(nodes.slice(0, 16).map((n) => n.idHex))
    expect(idsOf(table.bucket(16).replacements)).toEqual([nodes[16]!.idHex])
    expect(table.size).toBe(16)
    expect(table.has(nodes[16]!.id)).toBe(false)
    expect(table.get(nodes[16]!.id)).toBeUndefined()
    expect(table.addFoundNode(nodes[3]!, 99)).toBe('exists')
    expect(table.addFoundNode(nodes[16]!, 99)).toBe('exists')
  })

  it('keeps at most 10 replacements, most recent first, dropping the oldest', () => {
    const table = newTable()
    const nodes = makeNodes(16 + 13)
    for (const n of nodes) table.addFoundNode(n, 0)
    const expected = nodes
      .slice(16)
      .reverse()
      .slice(0, 10)
      .map((n) => n.idHex)
    expect(idsOf(table.bucket(16).replacements)).toEqual(expected)
    // the dropped ones are gone entirely, their IPs released: they can come back
    const dropped = nodes[16]!
    expect(table.addFoundNode(dropped, 1)).toBe('replacement')
    expect(table.bucket(16).replacements[0]!.node.idHex).toBe(dropped.idHex)
    expect(table.bucket(16).replacements).toHaveLength(10)
  })

  it('replace() removes a dead node and promotes a random replacement to the end', () => {
    for (const [r, pickIndex] of [
      [0, 0],
      [0.35, 1],
      [0.99, 2],
    ] as const) {
      const table = newTable({ rand: () => r })
      const nodes = makeNodes(19)
      for (const n of nodes) table.addFoundNode(n, 0)
      // replacements, most recent first: nodes[18], nodes[17], nodes[16]
      const reps = [nodes[18]!, nodes[17]!, nodes[16]!]
      const promoted = table.replace(nodes[5]!.id, 7)
      expect(promoted?.idHex).toBe(reps[pickIndex]!.idHex)
      const expectedEntries = [...nodes.slice(0, 5), ...nodes.slice(6, 16), reps[pickIndex]!]
      expect(idsOf(table.bucket(16).entries)).toEqual(expectedEntries.map((n) => n.idHex))
      expect(idsOf(table.bucket(16).replacements)).toEqual(
        reps.filter((_, i) => i !== pickIndex).map((n) => n.idHex),
      )
      expect(table.size).toBe(16)
      expect(table.has(nodes[5]!.id)).toBe(false)
      expect(table.get(reps[pickIndex]!.id)?.revalidateSoon).toBe(true)
      // geth's addedToBucket: when it moved in, not when it entered the table
      expect(table.get(reps[pickIndex]!.id)?.addedToBucket).toBe(7)
      expect(table.get(reps[pickIndex]!.id)?.addedAt).toBe(0)
    }
  })

  it('replace() without replacements just removes; unknown ids do nothing', () => {
    const table = newTable()
    const nodes = makeNodes(3)
    for (const n of nodes) table.addFoundNode(n, 0)
    expect(table.replace(nodes[1]!.id, 0)).toBeUndefined()
    expect(table.size).toBe(2)
    expect(table.replace(nodes[1]!.id, 0)).toBeUndefined()
    expect(table.replace(idAt(SELF, 200), 0)).toBeUndefined()
    expect(table.size).toBe(2)
  })

  it('delete() removes from the bucket or the replacements and reports it', () => {
    const table = newTable()
    const nodes = makeNodes(18)
    for (const n of nodes) table.addFoundNode(n, 0)
    expect(table.delete(nodes[0]!.id)).toBe(true)
    expect(table.size).toBe(15) // no promotion
    expect(table.bucket(16).replacements).toHaveLength(2)
    expect(table.delete(nodes[17]!.id)).toBe(true)
    expect(idsOf(table.bucket(16).replacements)).toEqual([nodes[16]!.idHex])
    expect(table.delete(nodes[17]!.id)).toBe(false)
    // a replacement found again while the bucket has room moves into the bucket
    expect(table.addFoundNode(nodes[16]!, 1)).toBe('added')
    expect(table.bucket(16).entries.at(-1)!.node.idHex).toBe(nodes[16]!.idHex)
    expect(table.bucket(16).replacements).toHaveLength(0)
    expect(table.size).toBe(16)
  })
})

describe('liveness and updates', () => {
  const a = fake(idAt(SELF, 250, 1n), publicIp(1))
  const b = fake(idAt(SELF, 250, 2n), publicIp(2))
  const c = fake(idAt(SELF, 250, 3n), publicIp(3))

  it('addVerifiedNode puts new nodes at the front and moves known ones there', () => {
    const table = newTable()
    table.addFoundNode(a, 1)
    table.addFoundNode(b, 2)
    expect(table.addVerifiedNode(c, 3)).toBe('added')
    expect(idsOf(table.bucket(10).entries)).toEqual([c.idHex, a.idHex, b.idHex])
    expect(table.addVerifiedNode(b, 4)).toBe('exists')
    expect(idsOf(table.bucket(10).entries)).toEqual([b.idHex, c.idHex, a.idHex])
    expect(table.get(b.id)?.lastSeen).toBe(4)
    expect(table.get(b.id)?.addedAt).toBe(2)
    expect(table.get(a.id)?.lastSeen).toBeUndefined()
    // found again: no move
    expect(table.addFoundNode(a, 5)).toBe('exists')
    expect(idsOf(table.bucket(10).entries)).toEqual([b.idHex, c.idHex, a.idHex])
  })

  it('addFoundNode takes only a higher seq, with its endpoint', () => {
    const table = newTable()
    table.addFoundNode({ ...a, seq: 5n }, 0)
    table.addFoundNode({ ...a, seq: 5n, ip: '9.9.9.9' }, 1)
    expect(table.get(a.id)?.node.ip).toBe(a.ip)
    table.addFoundNode({ ...a, seq: 4n, ip: '9.9.9.9' }, 1)
    expect(table.get(a.id)?.node.ip).toBe(a.ip)
    table.markRevalidated(a.id, true, 2)
    expect(table.addFoundNode({ ...a, seq: 6n, ip: '9.9.9.9' }, 3)).toBe('exists')
    const entry = table.get(a.id)!
    expect([entry.node.ip, entry.node.seq, entry.livenessChecks]).toEqual(['9.9.9.9', 6n, 0])
    expect(entry.revalidateSoon).toBe(true)
  })

  it('addVerifiedNode updates the endpoint, checking the IP limits again', () => {
    const table = newTable()
    const x = fake(idAt(SELF, 250, 4n), '7.7.7.1')
    const y = fake(idAt(SELF, 250, 5n), '7.7.7.2')
    table.addFoundNode(x, 0)
    table.addFoundNode(y, 0)
    table.addFoundNode(a, 0)
    // 7.7.7.0/24 is full in this bucket: a cannot move there
    expect(table.addVerifiedNode({ ...a, ip: '7.7.7.3' }, 1)).toBe('rejected:bucket-ip-limit')
    expect(table.get(a.id)?.node.ip).toBe(a.ip)
    expect(idsOf(table.bucket(10).entries)).toEqual([x.idHex, y.idHex, a.idHex])
    expect(table.addVerifiedNode({ ...a, udp: 4000, ip: '7.7.8.3' }, 2)).toBe('exists')
    expect(table.get(a.id)?.node.udp).toBe(4000)
    // the old /24 of a was released, the new one taken
    expect(table.addFoundNode(fake(idAt(SELF, 250, 6n), '7.7.8.4'), 3)).toBe('added')
    expect(table.addFoundNode(fake(idAt(SELF, 250, 7n), '7.7.8.5'), 3)).toBe(
      'rejected:bucket-ip-limit',
    )
    expect(table.addFoundNode(fake(idAt(SELF, 250, 8n), publicIp(1, 9)), 3)).toBe('added')
  })

  it('a verified node in the replacements moves to their front', () => {
    const table = newTable({ bucketSize: 1 })
    table.addFoundNode(a, 0)
    table.addFoundNode(b, 0)
    table.addFoundNode(c, 0)
    expect(idsOf(table.bucket(10).replacements)).toEqual([c.idHex, b.idHex])
    expect(table.addVerifiedNode(b, 1)).toBe('exists')
    expect(idsOf(table.bucket(10).replacements)).toEqual([b.idHex, c.idHex])
    expect(table.size).toBe(1)
  })

  it('markRevalidated counts successes, divides by 3 on failure, replaces at 0', () => {
    const table = newTable({ bucketSize: 1, rand: () => 0 })
    table.addFoundNode(a, 0)
    table.addFoundNode(b, 0) // replacement
    for (let t = 1; t <= 9; t++) expect(table.markRevalidated(a.id, true, t).status).toBe('alive')
    expect(table.get(a.id)).toMatchObject({ livenessChecks: 9, lastSeen: 9, lastChecked: 9 })
    expect(table.markRevalidated(a.id, false, 10).status).toBe('failed')
    expect(table.get(a.id)?.livenessChecks).toBe(3)
    expect(table.get(a.id)?.revalidateSoon).toBe(true)
    expect(table.markRevalidated(a.id, false, 11).status).toBe('failed')
    expect(table.get(a.id)?.livenessChecks).toBe(1)
    const last = table.markRevalidated(a.id, false, 12)
    expect(last).toEqual({ status: 'removed', promoted: b })
    expect(table.has(a.id)).toBe(false)
    expect(table.has(b.id)).toBe(true)
    expect(table.markRevalidated(a.id, true, 13)).toEqual({ status: 'unknown' })
  })

  it("keeps geth's addedToBucket and live: set on moving in and on an answered check, reset by a new endpoint", () => {
    const table = newTable({ bucketSize: 1 })
    table.addFoundNode(a, 3)
    table.addFoundNode(b, 4) // replacement: not in a bucket yet
    expect(table.get(a.id)).toMatchObject({ addedAt: 3, addedToBucket: 3, live: false })
    expect(table.bucket(10).replacements[0]).toMatchObject({ addedAt: 4, addedToBucket: undefined })
    table.delete(a.id)
    expect(table.addFoundNode(b, 6)).toBe('added') // the replacement moves in
    expect(table.get(b.id)).toMatchObject({ addedAt: 4, addedToBucket: 6, live: false })
    table.markRevalidated(b.id, true, 7)
    expect(table.get(b.id)?.live).toBe(true)
    for (let t = 8; t < 11; t++) table.markRevalidated(b.id, true, t)
    table.markRevalidated(b.id, false, 11) // geth keeps live through a miss
    expect(table.get(b.id)?.live).toBe(true)
    expect(table.addVerifiedNode({ ...b, udp: 4001 }, 12)).toBe('exists')
    expect(table.get(b.id)?.live).toBe(false)
  })

  it('nodeToRevalidate: new and failed nodes first, then the least recently checked', () => {
    const table = newTable()
    expect(table.nodeToRevalidate()).toBeUndefined()
    table.addFoundNode(a, 0)
    table.addFoundNode(b, 0)
    table.addFoundNode(c, 0)
    // all new: the tie is broken by rand, in bucket order (a, b, c)
    expect(table.nodeToRevalidate(() => 0)?.node.idHex).toBe(a.idHex)
    expect(table.nodeToRevalidate(() => 0.5)?.node.idHex).toBe(b.idHex)
    expect(table.nodeToRevalidate(() => 0.99)?.node.idHex).toBe(c.idHex)
    table.markRevalidated(a.id, true, 10)
    table.markRevalidated(c.id, true, 20)
    table.markRevalidated(b.id, true, 30)
    // order now (front = most recent): b, c, a; least recently checked: a
    expect(idsOf(table.bucket(10).entries)).toEqual([b.idHex, c.idHex, a.idHex])
    expect(table.nodeToRevalidate(() => 0.99)?.node.idHex).toBe(a.idHex)
    expect(table.nodeToRevalidate(() => 0, new Set([a.idHex]))?.node.idHex).toBe(c.idHex)
    table.markRevalidated(b.id, true, 40) // b: 2 checks
    table.markRevalidated(b.id, false, 50) // ⌊2 / 3⌋ = 0: removed
    expect(table.has(b.id)).toBe(false)
    table.markRevalidated(c.id, true, 60) // c: 2 checks
    table.markRevalidated(c.id, true, 61) // c: 3 checks
    table.markRevalidated(c.id, false, 70) // 3 / 3 = 1: failed, revalidate soon
    expect(table.nodeToRevalidate(() => 0)?.node.idHex).toBe(c.idHex)
  })

  it('randomNodes returns distinct table nodes', () => {
    const table = newTable({ rand: prng(9) })
    const rand = prng(10)
    const added = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const n = fake(idAt(SELF, 240 + (i % 17), randomFill(rand)), publicIp(i))
      if (table.addFoundNode(n, 0) === 'added') added.add(n.idHex)
    }
    expect(table.randomNodes(0)).toEqual([])
    const some = idsOf(table.randomNodes(7))
    expect(some).toHaveLength(7)
    expect(new Set(some).size).toBe(7)
    for (const id of some) expect(added.has(id)).toBe(true)
    const all = idsOf(table.randomNodes(1000))
    expect(new Set(all)).toEqual(added)
  })
})

describe('IP limits', () => {
  it('allows 2 nodes per /24 per bucket, replacements included', () => {
    const table = newTable()
    const at = (fill: bigint, ip: string, d = 256) => fake(idAt(SELF, d, fill), ip)
    expect(table.addFoundNode(at(1n, '5.6.7.1'), 0)).toBe('added')
    expect(table.addFoundNode(at(2n, '5.6.7.2'), 0)).toBe('added')
    expect(table.addFoundNode(at(3n, '5.6.7.3'), 0)).toBe('rejected:bucket-ip-limit')
    expect(table.addFoundNode(at(4n, '5.6.8.3'), 0)).toBe('added')
    expect(table.addFoundNode(at(5n, '5.6.7.4', 255), 0)).toBe('added') // another bucket
    // fill bucket 16 to 16, then replacements from one /24: 2 allowed
    for (let i = 0; i < 13; i++) table.addFoundNode(at(BigInt(100 + i), publicIp(i)), 0)
    expect(table.bucket(16).entries).toHaveLength(16)
    expect(table.addFoundNode(at(200n, '9.9.9.1'), 0)).toBe('replacement')
    expect(table.addFoundNode(at(201n, '9.9.9.2'), 0)).toBe('replacement')
    expect(table.addFoundNode(at(202n, '9.9.9.3'), 0)).toBe('rejected:bucket-ip-limit')
    expect(table.addFoundNode(at(203n, '5.6.7.9'), 0)).toBe('rejected:bucket-ip-limit')
    // an IPv4-mapped IPv6 address counts as IPv4
    expect(table.addFoundNode(at(204n, '::ffff:5.6.7.10'), 0)).toBe('rejected:bucket-ip-limit')
    // deleting frees the slot
    table.delete(idAt(SELF, 256, 1n))
    expect(table.addFoundNode(at(205n, '5.6.7.11'), 0)).toBe('added')
  })

  it('allows 10 nodes per /24 in the table', () => {
    const table = newTable()
    let fill = 1n
    const results: string[] = []
    for (let d = 245; d <= 250; d++) {
      for (let j = 0; j < 2; j++)
        results.push(table.addFoundNode(fake(idAt(SELF, d, fill++), `3.3.3.${fill}`), 0))
    }
    expect(results).toEqual([
      ...new Array(10).fill('added'),
      'rejected:table-ip-limit',
      'rejected:table-ip-limit',
    ])
    expect(table.addFoundNode(fake(idAt(SELF, 251, fill++), '3.3.3.200'), 0)).toBe(
      'rejected:table-ip-limit',
    )
    expect(table.addFoundNode(fake(idAt(SELF, 251, fill++), '3.3.4.200'), 0)).toBe('added')
    table.replace(idAt(SELF, 245, 1n), 0)
    expect(table.addFoundNode(fake(idAt(SELF, 251, fill++), '3.3.3.201'), 0)).toBe('added')
  })

  it('exempts LAN addresses', () => {
    for (const lan of ['10.0.0.', '192.168.1.', '172.16.5.', '127.0.0.', 'fe80::', 'fd00::']) {
      const table = newTable({ tableIpLimit: 3 })
      const results: string[] = []
      for (let i = 1; i <= 20; i++) {
        results.push(table.addFoundNode(fake(idAt(SELF, 256, BigInt(i)), `${lan}${i}`), 0))
      }
      expect(results).toEqual([...new Array(16).fill('added'), ...new Array(4).fill('replacement')])
    }
    // 172.32/16 is outside 172.16/12: limited
    const table = newTable()
    table.addFoundNode(fake(idAt(SELF, 256, 1n), '172.32.0.1'), 0)
    table.addFoundNode(fake(idAt(SELF, 256, 2n), '172.32.0.2'), 0)
    expect(table.addFoundNode(fake(idAt(SELF, 256, 3n), '172.32.0.3'), 0)).toBe(
      'rejected:bucket-ip-limit',
    )
  })

  it('groups IPv6 by its first 24 bits, as geth does', () => {
    const table = newTable()
    const at = (fill: bigint, ip: string) => fake(idAt(SELF, 256, fill), ip)
    expect(table.addFoundNode(at(1n, '2a01:4f8::1'), 0)).toBe('added')
    expect(table.addFoundNode(at(2n, '2a01:4f9:1::1'), 0)).toBe('added') // same 2a01:04xx
    expect(table.addFoundNode(at(3n, '2a01:4ff:ffff::1'), 0)).toBe('rejected:bucket-ip-limit')
    expect(table.addFoundNode(at(4n, '2a01:5f8::1'), 0)).toBe('added')
    expect(table.addFoundNode(at(5n, '2a02:4f8::1'), 0)).toBe('added')
    // 42.1.4.x is the IPv4 /24 with the same bytes: a different family
    expect(table.addFoundNode(at(6n, '42.1.4.1'), 0)).toBe('added')
  })
})

describe('closest', () => {
  it('equals a naive sort by XOR distance (property)', () => {
    const distance = fc.oneof(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 236, max: 256 }))
    const entry = fc.record({ d: distance, fill: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }) })
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(entry, { maxLength: 60 }),
        fc.oneof(
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((t) => ({ t })),
          entry,
        ),
        fc.integer({ min: 0, max: 70 }),
        fc.boolean(),
        (self, specs, targetSpec, n, useFilter) => {
          const table = new Table<FakeNode>({ self, bucketSize: 64 })
          const ids = new Map<string, Uint8Array>()
          specs.forEach(({ d, fill }, i) => {
            const id = idAt(self, d, fill)
            const result = table.addFoundNode(fake(id, `10.0.${i >> 8}.${i & 255}`), 0)
            const key = Buffer.from(id).toString('hex')
            expect(result).toBe(ids.has(key) ? 'exists' : 'added')
            ids.set(key, id)
          })
          const target =
            't' in targetSpec ? targetSpec.t : idAt(self, targetSpec.d, targetSpec.fill)
          const keep = (id: Uint8Array) => !useFilter || id[31]! % 3 !== 0
          const t = toBig(target)
          const expected = [...ids.values()]
            .filter(keep)
            .sort((x, y) => {
              const dx = toBig(x) ^ t
              const dy = toBig(y) ^ t
              return dx < dy ? -1 : dx > dy ? 1 : 0
            })
            .slice(0, n)
            .map((id) => Buffer.from(id).toString('hex'))
          const got = table.closest(target, n, useFilter ? (e) => keep(e.node.id) : undefined)
          expect(idsOf(got)).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('finds the closest across buckets on a hand-made example', () => {
    // self = 0; nodes at ids 1, 2, 3 (bucket 0), 2^255 (bucket 16), 2^240 (bucket 2)
    const table = new Table<FakeNode>({ self: new Uint8Array(32) })
    for (const [i, v] of [1n, 2n, 3n, 1n << 255n, 1n << 240n].entries()) {
      table.addFoundNode(fake(fromBig(v), `10.0.0.${i + 1}`), 0)
    }
    const hex = (v: bigint) => v.toString(16).padStart(64, '0')
    // target 2^240 + 1: itself (distance 1), then 1, 2, 3 (≈ 2^240), then 2^255
    const got = idsOf(table.closest(fromBig((1n << 240n) + 1n), 10))
    expect(got).toEqual([hex(1n << 240n), hex(1n), hex(3n), hex(2n), hex(1n << 255n)])
    expect(idsOf(table.closest(fromBig(2n), 2))).toEqual([hex(2n), hex(3n)])
    expect(table.closest(fromBig(2n), 0)).toEqual([])
  })
})

/** Throws when an invariant does not hold (fast-check then shrinks the sequence). */
function holds(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invariant broken: ${what}`)
}

/** Every bucket's lists, as text, to compare a table before and after an operation. */
function snapshot(table: { bucket(i: number): unknown }): string {
  return JSON.stringify(
    Array.from({ length: N_BUCKETS }, (_, i) => table.bucket(i)),
    (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? undefined : v),
  )
}

describe('random operation sequences', () => {
  it('keep every bound and invariant (property)', () => {
    const selfHex = Buffer.from(SELF).toString('hex')
    // a pool of ids in a few buckets, self among them
    const poolIds: Uint8Array[] = [SELF]
    const rand = prng(42)
    for (const d of [100, 239, 240, 241, 255, 256]) {
      for (let i = 0; i < 10; i++) poolIds.push(idAt(SELF, d, randomFill(rand)))
    }
    const ips = ['5.5.5.1', '5.5.5.2', '5.5.6.1', '6.6.6.6', '10.0.0.1', '2a01:4f8::1', '7.1.1.1']
    const op = fc.record({
      kind: fc.constantFrom('found', 'verified', 'delete', 'replace', 'ok', 'fail'),
      who: fc.nat({ max: poolIds.length - 1 }),
      ip: fc.constantFrom(...ips, undefined),
      seq: fc.bigInt({ min: 0n, max: 3n }),
    })
    const subnet = (ip: string) =>
      ip.includes(':') ? `6:${ip.slice(0, 7)}` : ip.split('.').slice(0, 3).join('.')
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.nat(), (ops, seed) => {
        const table = newTable({
          bucketSize: 4,
          maxReplacements: 3,
          tableIpLimit: 5,
          rand: prng(seed),
        })
        ops.forEach(({ kind, who, ip, seq }, t) => {
          const id = poolIds[who]!
          const node = fake(id, ip, 30303, seq)
          if (kind === 'found' || kind === 'verified') {
            const before = snapshot(table)
            const result =
              kind === 'found' ? table.addFoundNode(node, t) : table.addVerifiedNode(node, t)
            const b = naiveBucket(naiveLogDist(SELF, id))
            if (result === 'added') expect(table.has(id)).toBe(true)
            if (result === 'replacement') expect(table.bucket(b).replacements[0]!.node).toBe(node)
            if (result.startsWith('rejected:')) {
              expect(snapshot(table)).toBe(before)
            }
            if (
              kind === 'verified' &&
              (result === 'added' || result === 'exists') &&
              table.has(id)
            ) {
              expect(table.bucket(b).entries[0]!.node.idHex).toBe(node.idHex)
            }
          } else if (kind === 'delete') table.delete(id)
          else if (kind === 'replace') table.replace(id, t)
          else table.markRevalidated(id, kind === 'ok', t)

          // invariants, checked by naive counting after every operation: plain checks
          // that throw (one `expect` per check made this test CPU-bound, 20 s under load)
          let total = 0
          const seen = new Set<string>()
          const tableIps = new Map<string, number>()
          for (let i = 0; i < N_BUCKETS; i++) {
            const { entries, replacements } = table.bucket(i)
            holds(entries.length <= 4, `bucket ${i} has ${entries.length} entries`)
            holds(replacements.length <= 3, `bucket ${i} has ${replacements.length} replacements`)
            total += entries.length
            const bucketIps = new Map<string, number>()
            for (const e of [...entries, ...replacements]) {
              const idHex = e.node.idHex
              holds(idHex !== selfHex, `self in bucket ${i}`)
              holds(!seen.has(idHex), `${idHex} twice`)
              seen.add(idHex)
              const d = naiveBucket(naiveLogDist(SELF, e.node.id))
              holds(d === i, `${idHex} in bucket ${i}, belongs in ${d}`)
              holds(e.node.ip !== undefined, `${idHex} without an IP`)
              if (e.node.ip!.startsWith('10.')) continue
              const key = subnet(e.node.ip!)
              bucketIps.set(key, (bucketIps.get(key) ?? 0) + 1)
              tableIps.set(key, (tableIps.get(key) ?? 0) + 1)
            }
            for (const [key, count] of bucketIps) {
              holds(count <= 2, `bucket ${i} has ${count} nodes of ${key}`)
            }
            for (const e of entries) {
              holds(table.get(e.node.id) === e, `get(${e.node.idHex}) is not its entry`)
            }
            for (const e of replacements) {
              holds(!table.has(e.node.id), `replacement ${e.node.idHex} counts as in the table`)
            }
          }
          for (const [key, count] of tableIps) {
            holds(count <= 5, `the table has ${count} nodes of ${key}`)
          }
          holds(table.size === total, `size ${table.size}, counted ${total}`)
          holds(table.size <= N_BUCKETS * 4, `size ${table.size}`)
          holds(
            table.nodes().length === total,
            `nodes() has ${table.nodes().length}, counted ${total}`,
          )
          holds(!table.has(SELF), 'self in the table')
        })
      }),
      { numRuns: 200 },
    )
  })
})
