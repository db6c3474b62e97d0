/**
 * ENode: one node type from either text form, with the endpoint to dial, both text
 * forms out again, and nodes built from a public key and address (discv4 Neighbors).
 */
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { ENode, EnodeError, Enr, EnrError, parseNode } from '../src/index.js'
import { thrown } from './support.js'
import urls from './vectors/enode-urls.json' with { type: 'json' }
import enr from './vectors/enr.json' with { type: 'json' }

const KEY = urls.valid[1]!.publicKey

describe('ENode', () => {
  it('from a record: id, key, endpoint, both text forms', () => {
    const node = parseNode(enr.record.text)
    expect(hex(node.id)).toBe(enr.record.nodeId)
    expect(node.idHex).toBe(enr.record.nodeId)
    expect(node).toMatchObject({ ip: '127.0.0.1', ip4: '127.0.0.1', udp: 30303, seq: 1n })
    expect(node.tcp).toBeUndefined()
    expect(node.record).toBeInstanceOf(Enr)
    expect(node.toEnrText()).toBe(enr.record.text)
    // geth writes a record without tcp as port 0 with the UDP port as discport.
    const url = node.toEnodeUrl()
    expect(url).toMatch(
      /^enode:\/\/ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138[0-9a-f]{64}@127\.0\.0\.1:0\?discport=30303$/,
    )
    expect(hex(parseNode(url).id)).toBe(enr.record.nodeId)
  })

  it('from a URL: no record, the address, seq 0', () => {
    const node = parseNode(urls.valid[0]!.input)
    expect(node.record).toBeUndefined()
    expect(node).toMatchObject({
      ip: '10.3.58.6',
      ip4: '10.3.58.6',
      tcp: 30303,
      udp: 30301,
      seq: 0n,
      hasAddress: true,
    })
    expect(node.toEnodeUrl()).toBe(urls.valid[0]!.input)
    expect(String(node)).toBe(urls.valid[0]!.input)
    expect(() => node.toEnrText()).toThrow(TypeError)
    const v6 = parseNode(urls.valid[2]!.input)
    expect(v6).toMatchObject({
      ip: '2001:db8:3c4d:15::abcd:ef12',
      ip6: '2001:db8:3c4d:15::abcd:ef12',
    })
    expect(v6.ip4).toBeUndefined()
    const bare = parseNode(urls.valid[4]!.input)
    expect(bare.hasAddress).toBe(false)
    expect(bare.toEnodeUrl()).toBe(urls.valid[4]!.input)
    const named = parseNode(`enode://${KEY}@bootnode.example.org:30303`)
    expect(named).toMatchObject({ hostname: 'bootnode.example.org', tcp: 30303, udp: 30303 })
    expect(named.ip).toBeUndefined()
  })

  it('prefers IPv4 and falls back to IPv6 with tcp6/udp6 or tcp/udp', () => {
    const key = generatePrivateKey()
    const both = ENode.fromRecord(
      Enr.create(key, { ip: '1.2.3.4', tcp: 1, udp: 2, ip6: '::1', tcp6: 3, udp6: 4 }),
    )
    expect(both).toMatchObject({ ip: '1.2.3.4', tcp: 1, udp: 2, ip6: '::1' })
    const six = ENode.fromRecord(Enr.create(key, { ip6: '2001:db8::5', tcp: 7, udp6: 9 }))
    expect(six).toMatchObject({ ip: '2001:db8::5', tcp: 7, udp: 9 })
    expect(six.toEnodeUrl()).toMatch(/@\[2001:db8::5\]:7\?discport=9$/)
    const none = ENode.fromRecord(Enr.create(key))
    expect(none.hasAddress).toBe(false)
  })

  it('from a public key and address, validating both', () => {
    const publicKey = publicKeyFromPrivate(generatePrivateKey())
    const node = ENode.fromPublicKey(publicKey, { ip: '::ffff:10.0.0.1', tcp: 30303 })
    expect(node).toMatchObject({ ip: '10.0.0.1', tcp: 30303, udp: 30303 })
    expect(node.publicKey).toEqual(publicKey)
    const offCurve = new Uint8Array(64)
    offCurve[63] = 1
    expect((thrown(() => ENode.fromPublicKey(offCurve)) as EnodeError).code).toBe(
      'INVALID_PUBLIC_KEY',
    )
    expect(() => ENode.fromPublicKey(publicKey, { ip: 'x' })).toThrow(RangeError)
    expect(() => ENode.fromPublicKey(publicKey, { ip: '1.2.3.4', tcp: 1e6 })).toThrow(RangeError)
    expect(() => ENode.fromPublicKey(publicKey, { hostname: 'a_b' })).toThrow(RangeError)
    expect(() => ENode.fromPublicKey(publicKey, { ip: '1.2.3.4', hostname: 'a.b' })).toThrow(
      RangeError,
    )
    expect(() => ENode.fromPublicKey(publicKey.subarray(1))).toThrow(RangeError)
  })

  it('parseNode: a bad record is an EnrError, anything else an EnodeError', () => {
    expect(thrown(() => parseNode(`${enr.record.text.slice(0, -3)}AAA`))).toBeInstanceOf(EnrError)
    const scheme = thrown(() => parseNode('http://foobar')) as EnodeError
    expect(scheme).toBeInstanceOf(EnodeError)
    expect(scheme).not.toBeInstanceOf(EnrError)
    expect(scheme.code).toBe('INVALID_SCHEME')
    expect((thrown(() => parseNode('')) as EnodeError).code).toBe('INVALID_SCHEME')
    expect(() => parseNode(1 as unknown as string)).toThrow(TypeError)
    // An unverified parse accepts a record whose signature does not match.
    const bytes = Enr.decodeText(enr.record.text).encode()
    bytes[10]! ^= 1
    const text = `enr:${Buffer.from(bytes).toString('base64url')}`
    expect((thrown(() => parseNode(text)) as EnrError).code).toBe('INVALID_SIGNATURE')
    expect(hex(parseNode(text, { verify: false }).id)).toBe(enr.record.nodeId)
  })

  it('ids of equal keys are equal bytes', () => {
    const a = parseNode(`enode://${KEY}`)
    const b = parseNode(`enode://${KEY.toUpperCase()}@1.2.3.4:1`)
    expect(a.idHex).toBe(b.idHex)
    expect(hex(a.publicKey)).toBe(hex(unhex(KEY)))
  })
})
