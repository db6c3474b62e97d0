/**
 * The session cache (keyed by node id and address, bounded, LRU) and the challenge
 * bookkeeping (one handshake per challenge, expiry on a fake clock, identical resends),
 * then both driving a handshake as a service would.
 */
import { generatePrivateKey, randomBytes } from '@devp2p/crypto'
import { Enr } from '@devp2p/enode'
import { hex, ManualClock } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { Challenges } from '../../src/v5/challenges.js'
import {
  acceptHandshake,
  createHandshake,
  decodePacket,
  decryptMessage,
  encodeHandshakePacket,
  encodeMessagePacket,
} from '../../src/v5/index.js'
import { Session, SessionCache } from '../../src/v5/session-cache.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const keys = () => ({ writeKey: randomBytes(16), readKey: randomBytes(16) })

describe('SessionCache', () => {
  it('keys sessions by node id and address: the same id elsewhere has none', () => {
    const cache = new SessionCache()
    const session = cache.set(id(1), '10.0.0.1:30303', new Session(keys()))
    expect(cache.get(id(1), '10.0.0.1:30303')).toBe(session)
    expect(cache.get(id(1), '10.0.0.1:30304')).toBeUndefined()
    expect(cache.get(id(1), '10.0.0.2:30303')).toBeUndefined()
    expect(cache.get(id(2), '10.0.0.1:30303')).toBeUndefined()
    expect(cache.delete(id(1), '10.0.0.1:30303')).toBe(true)
    expect(cache.get(id(1), '10.0.0.1:30303')).toBeUndefined()
  })

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new SessionCache({ maxEntries: 3 })
    for (let i = 0; i < 3; i++) cache.set(id(i), '10.0.0.1:1', new Session(keys()))
    cache.get(id(0), '10.0.0.1:1') // 0 is now the most recently used, 1 the least
    cache.set(id(3), '10.0.0.1:1', new Session(keys()))
    expect(cache.size).toBe(3)
    expect(cache.get(id(1), '10.0.0.1:1')).toBeUndefined()
    expect(cache.get(id(0), '10.0.0.1:1')).toBeDefined()
  })

  it('a flood of handshakes from 20,000 addresses keeps 1024 sessions, the newest', () => {
    const cache = new SessionCache()
    const session = new Session(keys())
    for (let i = 0; i < 20_000; i++) cache.set(id(7), `10.${i >> 8}.${i & 0xff}.1:9`, session)
    expect(cache.size).toBe(1024)
    expect(cache.get(id(7), `10.${19_999 >> 8}.${19_999 & 0xff}.1:9`)).toBe(session)
    expect(cache.get(id(7), '10.0.0.1:9')).toBeUndefined()
  })

  it('refuses ids that are not 32 bytes and empty addresses', () => {
    const cache = new SessionCache()
    expect(() => cache.get(new Uint8Array(31), '1.2.3.4:5')).toThrow(RangeError)
    expect(() => cache.get(id(1), '')).toThrow(TypeError)
    expect(() => new Session({ writeKey: new Uint8Array(32), readKey: randomBytes(16) })).toThrow(
      RangeError,
    )
  })
})

describe('Session.nextNonce', () => {
  it('counts packets big-endian in the first 4 bytes; the other 8 are random', () => {
    const session = new Session(keys())
    const first = session.nextNonce()
    const second = session.nextNonce()
    expect(hex(first.subarray(0, 4))).toBe('00000000')
    expect(hex(second.subarray(0, 4))).toBe('00000001')
    expect(hex(first.subarray(4))).not.toBe(hex(second.subarray(4)))
    for (let i = 2; i < 300; i++) session.nextNonce()
    expect(hex(session.nextNonce().subarray(0, 4))).toBe('0000012c')
    expect(session.sent).toBe(301)
  })
})

describe('Challenges', () => {
  const addr = '10.0.0.1:30303'

  it('sends the same WHOAREYOU while a challenge lives, a new one after it expired', () => {
    const clock = new ManualClock()
    const challenges = new Challenges({ clock })
    const first = challenges.whoareyou(id(1), addr, randomBytes(12))
    expect(first.repeated).toBe(false)
    expect(first.bytes.length).toBe(63)
    clock.advance(999)
    const again = challenges.whoareyou(id(1), addr, randomBytes(12))
    expect(again).toEqual({ bytes: first.bytes, repeated: true })
    clock.advance(1)
    const fresh = challenges.whoareyou(id(1), addr, randomBytes(12))
    expect(fresh.repeated).toBe(false)
    expect(hex(fresh.bytes)).not.toBe(hex(first.bytes))
    expect(challenges.size).toBe(1)
  })

  it('gives a challenge to one handshake only, and none after it expired', () => {
    const clock = new ManualClock()
    const challenges = new Challenges({ clock })
    const record = Enr.create(generatePrivateKey(), { seq: 9n })
    const { bytes } = challenges.whoareyou(record.nodeId, addr, randomBytes(12), record)
    const taken = challenges.take(record.nodeId, addr)
    expect(taken?.knownRecord).toBe(record)
    expect(hex(taken!.challengeData)).toBe(hex(decodePacket(record.nodeId, bytes).header))
    const packet = decodePacket(record.nodeId, bytes)
    expect(packet.kind === 'whoareyou' && packet.enrSeq).toBe(9n)
    expect(challenges.take(record.nodeId, addr)).toBeUndefined() // the second attempt
    challenges.whoareyou(id(2), addr, randomBytes(12))
    clock.advance(1000)
    expect(challenges.take(id(2), addr)).toBeUndefined()
    expect(challenges.size).toBe(0)
  })

  it('a challenge belongs to the address it was sent to', () => {
    const challenges = new Challenges({ clock: new ManualClock() })
    challenges.whoareyou(id(1), addr, randomBytes(12))
    expect(challenges.take(id(1), '10.0.0.1:30304')).toBeUndefined()
    expect(challenges.take(id(1), addr)).toBeDefined()
  })

  it('a flood from 50,000 addresses keeps at most 4096 challenges, the newest', () => {
    const challenges = new Challenges({ clock: new ManualClock() })
    const nonce = randomBytes(12)
    for (let i = 0; i < 50_000; i++)
      challenges.whoareyou(id(3), `10.${i >> 8}.${i & 0xff}.1:9`, nonce)
    expect(challenges.size).toBe(4096)
    expect(challenges.take(id(3), `10.${49_999 >> 8}.${49_999 & 0xff}.1:9`)).toBeDefined()
    expect(challenges.take(id(3), '10.0.0.1:9')).toBeUndefined()
  })

  it('refuses a ttl that is not a positive integer', () => {
    expect(() => new Challenges({ clock: new ManualClock(), ttlMs: 0 })).toThrow(RangeError)
  })
})

describe('a handshake driven by both', () => {
  it('A’s PING reaches B; a second handshake for the same challenge finds none; the session carries on', () => {
    const clock = new ManualClock()
    const aKey = generatePrivateKey()
    const a = Enr.create(aKey, { seq: 1n, ip: '127.0.0.1', udp: 1 })
    const bKey = generatePrivateKey()
    const b = Enr.create(bKey, { seq: 1n, ip: '127.0.0.1', udp: 2 })
    const bChallenges = new Challenges({ clock })
    const bSessions = new SessionCache()
    const aAddr = '127.0.0.1:1'

    const { bytes } = bChallenges.whoareyou(a.nodeId, aAddr, randomBytes(12))
    const whoareyou = decodePacket(a.nodeId, bytes)
    if (whoareyou.kind !== 'whoareyou') throw new Error('expected a WHOAREYOU')
    const hs = createHandshake({
      privateKey: aKey,
      localRecord: a,
      remoteId: b.nodeId,
      remotePublicKey: b.publicKey,
      whoareyou,
    })
    const aSession = new Session({ writeKey: hs.writeKey, readKey: hs.readKey, record: b })
    const datagram = encodeHandshakePacket({
      destId: b.nodeId,
      srcId: a.nodeId,
      nonce: aSession.nextNonce(),
      writeKey: aSession.writeKey,
      idSignature: hs.idSignature,
      ephemeralPubkey: hs.ephemeralPubkey,
      record: hs.record,
      message: { type: 'ping', requestId: Uint8Array.of(1), enrSeq: 1n },
    })

    // B: the packet, its challenge (taken once), the session
    const packet = decodePacket(b.nodeId, datagram)
    if (packet.kind !== 'handshake') throw new Error('expected a handshake')
    const challenge = bChallenges.take(packet.srcId, aAddr)
    expect(challenge).toBeDefined()
    const accepted = acceptHandshake({ privateKey: bKey, localId: b.nodeId, packet, ...challenge! })
    bSessions.set(packet.srcId, aAddr, new Session(accepted))
    expect(accepted.message.type).toBe('ping')
    // the same handshake again (a replay) has no challenge left to answer
    expect(bChallenges.take(packet.srcId, aAddr)).toBeUndefined()

    // A's next packet opens with B's session for A's address
    const next = decodePacket(
      b.nodeId,
      encodeMessagePacket({
        destId: b.nodeId,
        srcId: a.nodeId,
        nonce: aSession.nextNonce(),
        writeKey: aSession.writeKey,
        message: { type: 'findnode', requestId: Uint8Array.of(2), distances: [0] },
      }),
    )
    if (next.kind !== 'message') throw new Error('expected a message')
    expect(decryptMessage(next, bSessions.get(next.srcId, aAddr)!.readKey)).toMatchObject({
      type: 'findnode',
    })
  })
})
