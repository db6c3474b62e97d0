/**
 * The node database's key layout and value encodings.
 *
 * - `version` → u64 layout version (DB_VERSION).
 * - `local:<id>:seq` → u64 sequence number of our own record.
 * - `n:<id>:record` → the node: `[1, enr]` or `[2, publicKey, ip, hostname, [tcp], [udp]]`.
 * - `n:<id>:<ip 4|16 bytes>:ping|pong|fail` → u64 time in ms, or the failure count.
 *
 * Every `n:` key of a node sorts between `n:<id>:` and `n:<id>;`, so one range holds a node.
 */
import { decode, encode, type RlpValue } from '@devp2p/rlp'
import { NODE_ID_BYTES } from './constants.js'
import { Enr } from './enr.js'
import { ipFromBytes, ipToBytes } from './ip.js'
import { ENode } from './node.js'
import type { NodeId } from './node-id.js'

export type Field = 'ping' | 'pong' | 'fail'

export const enc = new TextEncoder()
export const VERSION_KEY = enc.encode('version')
export const NODE_PREFIX = enc.encode('n:')
export const NODE_END = enc.encode('n;')
export const RECORD_SUFFIX = enc.encode('record')
export const KIND_RECORD = 1
export const KIND_ADDRESS = 2

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export const COLON = enc.encode(':')
export const nodePrefix = (id: NodeId) => concat(NODE_PREFIX, id, COLON)
export const nodeEnd = (id: NodeId) => concat(NODE_PREFIX, id, enc.encode(';'))
export const recordKey = (id: NodeId) => concat(nodePrefix(id), RECORD_SUFFIX)
export const itemKey = (id: NodeId, ip: Uint8Array, field: Field) =>
  concat(nodePrefix(id), ip, COLON, enc.encode(field))
export const localSeqKey = (id: NodeId) => concat(enc.encode('local:'), id, enc.encode(':seq'))

export function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, value)
  return out
}

export function readU64(value: Uint8Array | undefined): bigint | undefined {
  if (value?.length !== 8) return undefined
  return new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0)
}

/** Splits an `n:` key into its id and, for per-address items, the IP and field. */
export function splitKey(key: Uint8Array): { id: Uint8Array; ip?: Uint8Array; field?: string } {
  const id = key.subarray(2, 2 + NODE_ID_BYTES)
  const rest = key.subarray(3 + NODE_ID_BYTES)
  if (rest.length === 9 || rest.length === 21) {
    return {
      id,
      ip: rest.subarray(0, rest.length - 5),
      field: Buffer.from(rest.subarray(-4)).toString(),
    }
  }
  return { id }
}

export function checkId(id: unknown): asserts id is NodeId {
  if (!(id instanceof Uint8Array)) throw new TypeError('id must be a Uint8Array')
  if (id.length !== NODE_ID_BYTES) throw new RangeError(`id must be ${NODE_ID_BYTES} bytes`)
}

export function ipBytes(ip: string): Uint8Array {
  if (typeof ip !== 'string') throw new TypeError('ip must be a string')
  const bytes = ipToBytes(ip)
  if (bytes === undefined) throw new RangeError(`not an IP address: ${ip}`)
  return bytes
}

export function checkTime(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError('time must be a non-negative integer (ms)')
}

export const latin1 = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')

export function port(value: RlpValue | undefined): number | undefined {
  if (!Array.isArray(value)) throw new TypeError('bad port')
  const [p] = value
  if (p === undefined) return undefined
  if (!(p instanceof Uint8Array) || p.length > 2) throw new TypeError('bad port')
  return p.reduce((n, b) => n * 256 + b, 0)
}

/** Decodes what {@link NodeDB.updateNode} stored; throws on anything else. */
export function decodeStoredNode(value: Uint8Array): ENode {
  const item = decode(value)
  if (!Array.isArray(item)) throw new TypeError('not a list')
  const [kind, a, b, c, d, e] = item
  if (!(kind instanceof Uint8Array) || kind.length !== 1) throw new TypeError('bad kind')
  if (kind[0] === KIND_RECORD && a instanceof Uint8Array) {
    return ENode.fromRecord(Enr.decode(a, { verify: false }))
  }
  if (kind[0] !== KIND_ADDRESS || !(a instanceof Uint8Array) || !(b instanceof Uint8Array)) {
    throw new TypeError('bad entry')
  }
  if (!(c instanceof Uint8Array)) throw new TypeError('bad host name')
  const hostname = Buffer.from(c).toString()
  return ENode.fromPublicKey(a, {
    ip: b.length === 0 ? undefined : ipFromBytes(b),
    hostname: hostname === '' ? undefined : hostname,
    tcp: port(d),
    udp: port(e),
  })
}

/** The stored form of a node: its record, or its key and address. */
export function encodeStoredNode(node: ENode): Uint8Array {
  return node.record !== undefined
    ? encode([KIND_RECORD, node.record.encode()])
    : encode([
        KIND_ADDRESS,
        node.publicKey,
        node.ip === undefined ? new Uint8Array(0) : ipBytes(node.ip),
        node.hostname ?? '',
        node.tcp === undefined ? [] : [node.tcp],
        node.udp === undefined ? [] : [node.udp],
      ])
}
