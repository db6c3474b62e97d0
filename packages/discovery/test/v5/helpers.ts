/**
 * Test helpers for discovery v5: the vectors, and packets built from the wire layout of
 * discv5-wire.md directly with node:crypto (not with the encoder under test), so tests
 * can write headers the encoder refuses to.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { unhex } from '@devp2p/testing'
import { expect } from 'vitest'
import { DiscoveryError, type DiscoveryErrorCode } from '../../src/v5/index.js'
import vectors from '../vectors/discv5-wire.json' with { type: 'json' }

export { vectors }

/** Hex with an optional 0x prefix → bytes (the vectors keep the source's prefixes). */
export function bytes(text: string): Uint8Array {
  return unhex(text.startsWith('0x') ? text.slice(2) : text)
}

/** One packet vector; `input` and `handshakeInput` read its fields as text (numbers too). */
export interface VectorPacket {
  readonly name: string
  readonly packet: string
  input(key: string): string
  handshakeInput(key: string): string
}

/** The vector packet named `name`. */
export function vectorPacket(name: string): VectorPacket {
  const found = vectors.packets.find((p) => p.name === name) as
    | {
        packet: string
        inputs: Record<string, string | number>
        handshakeInputs?: Record<string, string | number>
      }
    | undefined
  if (found === undefined) throw new Error(`no vector ${name}`)
  const read = (fields: Record<string, string | number> | undefined, key: string) => {
    const value = fields?.[key]
    if (value === undefined) throw new Error(`vector ${name} has no ${key}`)
    return String(value)
  }
  return {
    name,
    packet: found.packet,
    input: (key) => read(found.inputs, key),
    handshakeInput: (key) => read(found.handshakeInputs, key),
  }
}

export const nodeAKey = bytes(vectors.keys.nodeAKey)
export const nodeBKey = bytes(vectors.keys.nodeBKey)
export const nodeAId = bytes(vectorPacket('ping-message').input('src-node-id'))
export const nodeBId = bytes(vectorPacket('ping-message').input('dest-node-id'))

/** The fields of a raw packet; each has a default that makes a well-formed ordinary packet. */
export interface RawPacket {
  destId?: Uint8Array
  iv?: Uint8Array
  protocolId?: string
  version?: number
  flag?: number
  nonce?: Uint8Array
  authdata?: Uint8Array
  /** authdata-size as written; the real size by default. */
  authSize?: number
  message?: Uint8Array
}

/** masking-iv ‖ AES-128-CTR(dest-id[:16], iv, static-header ‖ authdata) ‖ message. */
export function rawPacket(p: RawPacket = {}): Uint8Array {
  const destId = p.destId ?? nodeBId
  const iv = p.iv ?? new Uint8Array(16)
  const authdata = p.authdata ?? nodeAId
  const authSize = p.authSize ?? authdata.length
  const version = p.version ?? 1
  const header = Buffer.concat([
    Buffer.from(p.protocolId ?? 'discv5', 'latin1'),
    Uint8Array.of(version >> 8, version & 0xff, p.flag ?? 0),
    p.nonce ?? new Uint8Array(12),
    Uint8Array.of(authSize >> 8, authSize & 0xff),
    authdata,
  ])
  const masked = createCipheriv('aes-128-ctr', destId.subarray(0, 16), iv).update(header)
  return Uint8Array.from(Buffer.concat([iv, masked, p.message ?? new Uint8Array(16)]))
}

export function sha256(data: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(data).digest())
}

/** Runs `fn` and returns the DiscoveryError it throws; fails the test on anything else. */
export function discoveryError(fn: () => unknown): DiscoveryError {
  try {
    fn()
  } catch (err) {
    if (err instanceof DiscoveryError) return err
    throw new Error(`expected a DiscoveryError, got ${String(err)}`, { cause: err })
  }
  throw new Error('expected a DiscoveryError, but nothing was thrown')
}

export function expectCode(fn: () => unknown, code: DiscoveryErrorCode): void {
  expect(discoveryError(fn).code).toBe(code)
}
