/**
 * LocalNode: every change re-signs with a higher seq; seq survives restarts through the
 * node database and starts from the clock when the database is lost; the external
 * endpoint follows the majority of at least 10 recent peer statements.
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { hex, ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { EndpointPredictor } from '../src/endpoint-predictor.js'
import {
  ENDPOINT_STATEMENT_WINDOW_MS,
  Enr,
  LocalNode,
  NodeDB,
  type RecordUpdatedEvent,
} from '../src/index.js'
import { tempDir } from './support.js'

const peer = (i: number) => {
  const id = new Uint8Array(32)
  id[0] = i >> 8
  id[1] = i & 0xff
  return id
}

describe('LocalNode', () => {
  it('starts seq from the clock in ms and signs a valid record', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const local = await LocalNode.create({
      privateKey: generatePrivateKey(),
      clock,
      ip: '10.0.0.1',
      tcp: 30303,
      udp: 30303,
    })
    expect(local.seq).toBe(1_700_000_000_001n)
    const again = Enr.decodeText(local.record.encodeText())
    expect(again).toMatchObject({ ip: '10.0.0.1', tcp: 30303, udp: 30303, seq: 1_700_000_000_001n })
    expect(local.node.idHex).toBe(Buffer.from(local.id).toString('hex'))
  })

  it('re-signs on every change with seq + 1 and emits record:updated', async () => {
    const local = await LocalNode.create({
      privateKey: generatePrivateKey(),
      clock: new ManualClock(1000),
    })
    const events: RecordUpdatedEvent[] = []
    local.on('record:updated', (e) => events.push(e))
    local.set('eth', [[Uint8Array.of(1, 2, 3, 4), 0]])
    local.setEndpoints({ tcp: 30303 })
    expect(local.delete('eth')).toBe(true)
    expect(local.delete('eth')).toBe(false)
    local.setEndpoints({ tcp: null })
    expect(events.map((e) => e.record.seq)).toEqual([1002n, 1003n, 1004n, 1005n])
    expect(events[0]!.record.get('eth')).toEqual([[Uint8Array.of(1, 2, 3, 4), new Uint8Array(0)]])
    expect(events[1]!.record.tcp).toBe(30303)
    expect(events[1]!.node.record).toBe(events[1]!.record)
    expect(local.record.tcp).toBeUndefined()
    expect(local.record.has('eth')).toBe(false)
    for (const e of events) expect(Enr.decode(e.record.encode()).seq).toBe(e.record.seq)
  })

  it('keeps its own copy of a Buffer key: the caller may wipe theirs', async () => {
    const privateKey = generatePrivateKey()
    const key = Buffer.from(privateKey) // Buffer#slice() is a view, not a copy
    const local = await LocalNode.create({ privateKey: key, clock: new ManualClock(1000) })
    key.fill(0)
    local.setEndpoints({ tcp: 30303 }) // re-signs
    const record = Enr.decode(local.record.encode()) // verifies the signature
    expect(record.tcp).toBe(30303)
    expect(hex(record.publicKey)).toBe(hex(publicKeyFromPrivate(privateKey)))
  })

  it('refuses invalid changes and leaves the record as it was', async () => {
    const local = await LocalNode.create({ privateKey: generatePrivateKey() })
    const before = local.record
    expect(() => local.set('ip', Uint8Array.of(1, 2, 3, 4))).toThrow(RangeError)
    expect(() => local.set('id', 'v5')).toThrow(RangeError)
    expect(() => local.set('big', new Uint8Array(300))).toThrow(RangeError)
    expect(() => local.setEndpoints({ ip: '::1' })).toThrow(RangeError)
    expect(() => local.setEndpoints({ udp: 70000 })).toThrow(RangeError)
    expect(local.record).toBe(before)
    local.setEndpoints({ udp: 1 })
    expect(local.seq).toBe(before.seq + 1n)
  })

  it('never lowers seq across restarts, even when the clock went back', async () => {
    const dir = await tempDir()
    try {
      const privateKey = generatePrivateKey()
      const clock = new ManualClock(5_000)
      let db = await NodeDB.open({ path: dir.path, clock })
      const first = await LocalNode.create({ privateKey, db, clock })
      for (let i = 0; i < 5; i++) first.set('x', i)
      await first.flush()
      expect(first.seq).toBe(5_006n)
      await db.close()

      const earlier = new ManualClock(1_000) // the clock went back
      db = await NodeDB.open({ path: dir.path, clock: earlier })
      const second = await LocalNode.create({ privateKey, db, clock: earlier })
      expect(second.seq).toBe(5_007n)
      await db.close()

      // The database is lost: the clock, now ahead, still gives a higher seq.
      const later = new ManualClock(9_000)
      const fresh = await NodeDB.open({ clock: later })
      const third = await LocalNode.create({ privateKey, db: fresh, clock: later })
      expect(third.seq).toBe(9_001n)
      await fresh.close()
    } finally {
      await dir.remove()
    }
  })

  it('updates ip and udp when the majority of ≥ 10 statements agree', async () => {
    const clock = new ManualClock()
    const local = await LocalNode.create({
      privateKey: generatePrivateKey(),
      clock,
      ip: '192.168.1.2',
      udp: 30303,
      tcp: 30303,
    })
    const events: RecordUpdatedEvent[] = []
    local.on('record:updated', (e) => events.push(e))
    for (let i = 0; i < 9; i++) local.addEndpointStatement(peer(i), '203.0.113.9', 40404)
    expect(local.predictedEndpoint()).toBeUndefined()
    expect(events).toEqual([])
    local.addEndpointStatement(peer(9), '203.0.113.9', 40404)
    expect(local.predictedEndpoint()).toEqual({ ip: '203.0.113.9', port: 40404 })
    expect(events.length).toBe(1)
    expect(local.record).toMatchObject({ ip: '203.0.113.9', udp: 40404, tcp: 30303 })
    // The same statements again change nothing.
    local.addEndpointStatement(peer(10), '203.0.113.9', 40404)
    expect(events.length).toBe(1)
  })

  it('ignores a minority, statements from the same peer twice, and bad input', async () => {
    const clock = new ManualClock()
    const local = await LocalNode.create({
      privateKey: generatePrivateKey(),
      clock,
      ip: '192.168.1.2',
      udp: 1,
    })
    for (let i = 0; i < 5; i++) local.addEndpointStatement(peer(i), '203.0.113.9', 2)
    for (let i = 5; i < 10; i++) local.addEndpointStatement(peer(i), '198.51.100.1', 2)
    expect(local.predictedEndpoint()).toBeUndefined() // 5 of 10 is no majority
    // One peer repeating itself counts once.
    for (let i = 0; i < 20; i++) local.addEndpointStatement(peer(0), '198.51.100.1', 2)
    expect(local.predictedEndpoint()).toEqual({ ip: '198.51.100.1', port: 2 })
    local.addEndpointStatement(peer(50), 'not an ip', 2)
    local.addEndpointStatement(peer(51), '1.2.3.4', 0)
    local.addEndpointStatement(peer(52), '1.2.3.4', 1e6)
    expect(local.predictedEndpoint()).toEqual({ ip: '198.51.100.1', port: 2 })
    expect(() => local.addEndpointStatement(new Uint8Array(3), '1.2.3.4', 1)).toThrow(RangeError)
  })

  it('keeps a static ip and tracks IPv6 separately', async () => {
    const clock = new ManualClock()
    const local = await LocalNode.create({
      privateKey: generatePrivateKey(),
      clock,
      ip: '192.0.2.1',
      udp: 1,
      staticIp: true,
    })
    for (let i = 0; i < 10; i++) local.addEndpointStatement(peer(i), '203.0.113.9', 2)
    expect(local.predictedEndpoint()).toEqual({ ip: '203.0.113.9', port: 2 })
    expect(local.record.ip).toBe('192.0.2.1')
    const six = await LocalNode.create({ privateKey: generatePrivateKey(), clock })
    for (let i = 0; i < 10; i++) six.addEndpointStatement(peer(i), '2001:DB8::9', 3)
    expect(six.predictedEndpoint(6)).toEqual({ ip: '2001:db8::9', port: 3 })
    expect(six.predictedEndpoint(4)).toBeUndefined()
    expect(six.record).toMatchObject({ ip6: '2001:db8::9', udp6: 3 })
    expect(six.record.ip).toBeUndefined()
  })
})

describe('EndpointPredictor', () => {
  it('forgets statements older than the window', () => {
    const clock = new ManualClock()
    const p = new EndpointPredictor({ clock })
    for (let i = 0; i < 10; i++) p.addStatement(`p${i}`, '203.0.113.9', 1)
    expect(p.predict()).toEqual({ ip: '203.0.113.9', port: 1 })
    clock.advance(ENDPOINT_STATEMENT_WINDOW_MS + 1)
    p.addStatement('late', '203.0.113.9', 1)
    expect(p.predict()).toBeUndefined()
    expect(p.size).toBe(1)
  })

  it('keeps at most maxStatements peers', () => {
    const p = new EndpointPredictor({ clock: new ManualClock(), maxStatements: 20 })
    for (let i = 0; i < 1000; i++) p.addStatement(`p${i}`, '203.0.113.9', 1)
    expect(p.size).toBe(20)
    expect(() => new EndpointPredictor({ minStatements: 0 })).toThrow(RangeError)
    expect(() => new EndpointPredictor({ minStatements: 10, maxStatements: 5 })).toThrow(RangeError)
  })

  it('evicts the peer whose latest statement is the oldest (re-stating keeps a peer)', () => {
    const p = new EndpointPredictor({
      clock: new ManualClock(),
      minStatements: 1,
      maxStatements: 3,
    })
    p.addStatement('a', '203.0.113.1', 1)
    p.addStatement('b', '203.0.113.2', 2)
    p.addStatement('c', '203.0.113.2', 2)
    p.addStatement('a', '203.0.113.1', 1) // a is now the newest: b is the oldest
    p.addStatement('d', '203.0.113.1', 1) // b goes, so a and d outvote c
    expect(p.size).toBe(3)
    expect(p.predict()).toEqual({ ip: '203.0.113.1', port: 1 })
  })
})
