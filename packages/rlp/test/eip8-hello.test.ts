/**
 * The EIP-8 Hello vector (./vectors/hello.json): a Hello list with three extra elements
 * after nodeKey must decode with a forward-compatible schema, and only with one.
 */
import { hex, unhex } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import { decode, decodeAs, encode, encodeAs, RlpError, t } from '../src/index.js'
import vector from './vectors/hello.json' with { type: 'json' }

const cap = t.struct('cap', { name: t.string, version: t.uint })
const fields = {
  protocolVersion: t.uint,
  clientId: t.string,
  caps: t.list(cap),
  listenPort: t.uint,
  nodeKey: t.bytesN(64),
}
const hello = t.struct('hello', fields, { extra: 'ignore' })

const bytes = unhex(vector.helloMessage.hex)
const expected = vector.helloMessage.decodedByCollector

describe('EIP-8 Hello with extra elements', () => {
  it('decodes with a schema that ignores extra elements', () => {
    const value = decodeAs(hello, bytes)
    expect(value.protocolVersion).toBe(55)
    expect(value.clientId).toBe('kneth/v0.91/plan9')
    expect(value.caps).toEqual([
      { name: 'eth', version: 61 },
      { name: 'mork', version: 22 },
    ])
    expect(value.listenPort).toBe(9999)
    expect(hex(value.nodeKey)).toBe(vector.staticPubA.hex)
  })

  it('agrees with the collector-decoded values in the vector file', () => {
    const value = decodeAs(hello, bytes)
    expect(value.protocolVersion).toBe(expected.protocolVersion)
    expect(value.clientId).toBe(expected.clientId)
    expect(value.caps.map((c) => [c.name, c.version])).toEqual(expected.capabilities)
    expect(value.listenPort).toBe(expected.listenPort)
    expect(hex(value.nodeKey)).toBe(expected.nodeKey)
  })

  it('carries the three extra elements listed in the vector', () => {
    const items = decode(bytes) as unknown[]
    expect(items).toHaveLength(8)
    const extra = items.slice(5).map((item) => hex(encode(item as Uint8Array)))
    expect(extra).toEqual(expected.additionalElementsRlp)
  })

  it('re-encodes byte for byte from the raw decoded value', () => {
    expect(hex(encode(decode(bytes)))).toBe(vector.helloMessage.hex)
  })

  it('is refused by a strict schema that rejects extra elements', () => {
    const strict = t.struct('hello', fields)
    expect(() => decodeAs(strict, bytes)).toThrow(RlpError)
    expect(() => decodeAs(strict, bytes)).toThrow('hello: expected 5 items, got 8 items')
  })

  it('round-trips the known fields through encodeAs', () => {
    const value = decodeAs(hello, bytes)
    expect(decodeAs(hello, encodeAs(hello, value))).toEqual(value)
  })
})
