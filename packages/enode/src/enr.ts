import {
  CryptoError,
  decodePublicKey,
  keccak256,
  publicKeyFromPrivate,
  sign,
  verify,
} from '@devp2p/crypto'
import { decode, encode, RlpError, type RlpInput, type RlpValue } from '@devp2p/rlp'
import { MAX_RECORD_BYTES, MAX_RECORD_TEXT_CHARS } from './constants.js'
import { EnrError } from './errors.js'
import { ipFromBytes, ipToBytes } from './ip.js'
import { type NodeId, nodeIdFromPublicKey } from './node-id.js'

/** How to decode a record. */
export interface EnrDecodeOptions {
  /**
   * Check the signature (default `true`). `false` is for records that were verified
   * before, e.g. read back from our own node database; the `id` scheme and the public key
   * are still checked, so `nodeId` and `publicKey` are always meaningful.
   */
  readonly verify?: boolean
}

/** The content of a new record. Keys other than the typed ones go in `entries`. */
export interface EnrContent {
  /** Sequence number (default 1). */
  readonly seq?: bigint
  /** IPv4 address, stored as 4 bytes. */
  readonly ip?: string
  readonly tcp?: number
  readonly udp?: number
  /** IPv6 address, stored as 16 bytes. */
  readonly ip6?: string
  readonly tcp6?: number
  readonly udp6?: number
  /** Any other entry, e.g. `eth`: values are RLP-encoded as given. */
  readonly entries?: Iterable<readonly [string, RlpInput]> | Readonly<Record<string, RlpInput>>
}

const TEXT_PREFIX = 'enr:'
const BASE64URL = /^[A-Za-z0-9_-]*$/
const RESERVED_KEYS = new Set(['id', 'secp256k1'])
const IP_KEYS = { ip: 4, ip6: 16 } as const
const PORT_KEYS = ['tcp', 'udp', 'tcp6', 'udp6'] as const
type PortKey = (typeof PORT_KEYS)[number]

const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')

function bytesOf(value: RlpValue, key: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new EnrError('INVALID_VALUE', `"${key}" must be bytes`)
  return value
}

/**
 * A port: go-ethereum writes the minimal big-endian form, @chainsafe/enr (Lodestar)
 * always two bytes, so a leading zero is accepted in a two-byte value.
 */
function decodePort(value: RlpValue, key: string): number {
  const b = bytesOf(value, key)
  if (b.length > 2 || (b.length === 1 && b[0] === 0)) {
    throw new EnrError('INVALID_VALUE', `"${key}" must be a 16-bit port`)
  }
  return b.length === 0 ? 0 : b.length === 1 ? b[0]! : (b[0]! << 8) | b[1]!
}

function decodeIp(value: RlpValue, key: 'ip' | 'ip6'): string {
  const b = bytesOf(value, key)
  if (b.length !== IP_KEYS[key]) {
    throw new EnrError('INVALID_VALUE', `"${key}" must be ${IP_KEYS[key]} bytes, got ${b.length}`)
  }
  return ipFromBytes(b)
}

function decodeSeq(value: RlpValue | undefined): bigint {
  if (!(value instanceof Uint8Array) || value.length > 8 || value[0] === 0) {
    throw new EnrError('INVALID_FORMAT', 'seq must be a canonical 64-bit unsigned integer')
  }
  let seq = 0n
  for (const byte of value) seq = (seq << 8n) | BigInt(byte)
  return seq
}

/**
 * A node record (EIP-778) with the "v4" identity scheme: immutable, decoded and checked
 * once. It keeps its own copy of the encoded bytes; `get` returns views into that copy,
 * which nobody modifies.
 *
 * @example
 * ```ts
 * const record = Enr.create(privateKey, { seq: 1n, ip: '127.0.0.1', udp: 30303 })
 * const again = Enr.decodeText(record.encodeText())   // signature checked
 * again.udp      // 30303
 * again.get('eth') // raw value of any other key, or undefined
 * ```
 */
export class Enr {
  /** Sequence number: a newer record of the same node has a larger one. */
  readonly seq: bigint
  /** The 64-byte signature r ‖ s. */
  readonly signature: Uint8Array
  /** The 64-byte public key x ‖ y. */
  readonly publicKey: Uint8Array
  /** keccak256 of {@link publicKey}. */
  readonly nodeId: NodeId
  /** The `ip` entry as text. */
  readonly ip: string | undefined
  readonly tcp: number | undefined
  readonly udp: number | undefined
  /** The `ip6` entry as text. */
  readonly ip6: string | undefined
  readonly tcp6: number | undefined
  readonly udp6: number | undefined
  readonly #bytes: Uint8Array
  // bounded: at most 150 entries, since the record is at most 300 bytes.
  readonly #entries: ReadonlyMap<string, RlpValue>

  private constructor(
    bytes: Uint8Array,
    seq: bigint,
    signature: Uint8Array,
    entries: Map<string, RlpValue>,
    publicKey: Uint8Array,
  ) {
    this.#bytes = bytes
    this.seq = seq
    this.signature = signature
    this.#entries = entries
    this.publicKey = publicKey
    this.nodeId = nodeIdFromPublicKey(publicKey)
    const ip = entries.get('ip')
    this.ip = ip === undefined ? undefined : decodeIp(ip, 'ip')
    const ip6 = entries.get('ip6')
    this.ip6 = ip6 === undefined ? undefined : decodeIp(ip6, 'ip6')
    const port = (key: PortKey) => {
      const v = entries.get(key)
      return v === undefined ? undefined : decodePort(v, key)
    }
    this.tcp = port('tcp')
    this.udp = port('udp')
    this.tcp6 = port('tcp6')
    this.udp6 = port('udp6')
  }

  /** The identity scheme; always `v4`, the only one this package accepts. */
  get id(): 'v4' {
    return 'v4'
  }

  /** The `secp256k1` entry: the 33-byte compressed public key. */
  get compressedPublicKey(): Uint8Array {
    return this.#entries.get('secp256k1') as Uint8Array
  }

  /** Every key in the record, sorted (keys are binary strings: one character per byte). */
  keys(): string[] {
    return [...this.#entries.keys()]
  }

  /** Whether the record has `key`. */
  has(key: string): boolean {
    return this.#entries.has(key)
  }

  /**
   * The decoded value of any entry (bytes or a list, e.g. `eth` is `[[forkHash, forkNext]]`),
   * or `undefined` when the record has no such key. Views into the record: do not modify.
   */
  get(key: string): RlpValue | undefined {
    return this.#entries.get(key)
  }

  /** The RLP encoding of the record, at most 300 bytes, owned by the caller. */
  encode(): Uint8Array {
    return this.#bytes.slice()
  }

  /** The size of the encoded record in bytes. */
  get size(): number {
    return this.#bytes.length
  }

  /** The text form: `enr:` and unpadded URL-safe base64 of {@link encode}. */
  encodeText(): string {
    const b = this.#bytes
    return TEXT_PREFIX + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')
  }

  /**
   * Decodes and checks a record: at most 300 bytes of strict RLP, keys sorted and unique,
   * scheme `v4`, a valid `secp256k1` key, well-formed typed entries, and (unless
   * `verify: false`) a signature that verifies.
   *
   * @param bytes copied; the record does not keep a reference to it.
   * @throws EnrError for any problem with the record (see {@link EnrErrorCode}).
   * @throws TypeError when `bytes` is not a `Uint8Array`.
   */
  static decode(bytes: Uint8Array, options: EnrDecodeOptions = {}): Enr {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
    if (bytes.length > MAX_RECORD_BYTES) {
      throw new EnrError(
        'TOO_LARGE',
        `record is ${bytes.length} bytes, more than ${MAX_RECORD_BYTES}`,
      )
    }
    const own = Uint8Array.from(bytes)
    let list: RlpValue
    try {
      list = decode(own)
    } catch (err) {
      if (err instanceof RlpError)
        throw new EnrError('INVALID_RLP', `record: ${err.message}`, { cause: err })
      throw err
    }
    if (!Array.isArray(list) || list.length < 2 || list.length % 2 !== 0) {
      throw new EnrError('INVALID_FORMAT', 'record must be a list [signature, seq, k, v, ...]')
    }
    const signature = list[0]!
    if (!(signature instanceof Uint8Array)) {
      throw new EnrError('INVALID_FORMAT', 'signature must be bytes')
    }
    const seq = decodeSeq(list[1])
    const entries = new Map<string, RlpValue>()
    let previous: Uint8Array | undefined
    for (let i = 2; i < list.length; i += 2) {
      const k = list[i]!
      if (!(k instanceof Uint8Array)) throw new EnrError('INVALID_FORMAT', 'keys must be bytes')
      if (previous !== undefined) {
        const order = Buffer.compare(previous, k)
        if (order === 0) throw new EnrError('DUPLICATE_KEY', `key "${latin1(k)}" appears twice`)
        if (order > 0) throw new EnrError('UNSORTED_KEYS', `key "${latin1(k)}" is out of order`)
      }
      previous = k
      entries.set(latin1(k), list[i + 1]!)
    }
    const scheme = entries.get('id')
    if (!(scheme instanceof Uint8Array) || latin1(scheme) !== 'v4') {
      throw new EnrError('UNKNOWN_ID_SCHEME', 'record must have identity scheme "v4"')
    }
    const compressed = entries.get('secp256k1')
    if (!(compressed instanceof Uint8Array) || compressed.length !== 33) {
      throw new EnrError('INVALID_PUBLIC_KEY', '"secp256k1" must be a 33-byte compressed key')
    }
    let publicKey: Uint8Array
    try {
      publicKey = decodePublicKey(compressed)
    } catch (err) {
      if (err instanceof CryptoError) {
        throw new EnrError('INVALID_PUBLIC_KEY', '"secp256k1" is not a point on the curve', {
          cause: err,
        })
      }
      throw err
    }
    if (signature.length !== 64) {
      throw new EnrError('INVALID_SIGNATURE', `signature must be 64 bytes, got ${signature.length}`)
    }
    if (options.verify !== false) {
      const digest = keccak256(encode(list.slice(1)))
      let ok: boolean
      try {
        ok = verify(digest, signature, compressed)
      } catch (err) {
        if (!(err instanceof CryptoError)) throw err
        ok = false
      }
      if (!ok) throw new EnrError('INVALID_SIGNATURE', 'signature does not verify')
    }
    return new Enr(own, seq, signature, entries, publicKey)
  }

  /**
   * Decodes the text form `enr:<base64url>` (see {@link Enr.decode}).
   *
   * @throws EnrError `MISSING_PREFIX`, `INVALID_BASE64`, `TOO_LARGE`, or any code of
   *   {@link Enr.decode}.
   * @throws TypeError when `text` is not a string.
   */
  static decodeText(text: string, options: EnrDecodeOptions = {}): Enr {
    if (typeof text !== 'string') throw new TypeError('text must be a string')
    if (!text.startsWith(TEXT_PREFIX))
      throw new EnrError('MISSING_PREFIX', 'record text must start with "enr:"')
    if (text.length > MAX_RECORD_TEXT_CHARS) {
      throw new EnrError(
        'TOO_LARGE',
        `record text is longer than ${MAX_RECORD_TEXT_CHARS} characters`,
      )
    }
    const body = text.slice(TEXT_PREFIX.length)
    if (!BASE64URL.test(body) || body.length % 4 === 1) {
      throw new EnrError('INVALID_BASE64', 'record text is not unpadded URL-safe base64')
    }
    return Enr.decode(Buffer.from(body, 'base64url'), options)
  }

  /**
   * Creates and signs a record with the "v4" scheme (deterministic RFC 6979 signature).
   *
   * @throws TypeError when an argument has the wrong type.
   * @throws RangeError when `privateKey` is not a valid key, `seq` is not a 64-bit
   *   unsigned integer, a typed value is out of range (`ip` must be IPv4, `ip6` IPv6,
   *   ports 0–65535), an entry repeats a typed key or uses `id`/`secp256k1`, or the
   *   record would be larger than 300 bytes.
   */
  static create(privateKey: Uint8Array, content: EnrContent = {}): Enr {
    const seq = content.seq ?? 1n
    if (typeof seq !== 'bigint') throw new TypeError('seq must be a bigint')
    if (seq < 0n || seq >= 1n << 64n) throw new RangeError('seq must be a 64-bit unsigned integer')
    const compressed = publicKeyFromPrivate(privateKey, { compressed: true })
    const pairs = new Map<string, RlpInput>([
      ['id', 'v4'],
      ['secp256k1', compressed],
    ])
    const add = (key: string, value: RlpInput) => {
      if (typeof key !== 'string' || key.length === 0)
        throw new TypeError('keys must be non-empty strings')
      if (!/^[\x20-\x7e]+$/.test(key)) throw new RangeError(`key "${key}" must be printable ASCII`)
      if (pairs.has(key)) throw new RangeError(`key "${key}" is given twice or is reserved`)
      pairs.set(key, value)
    }
    for (const key of ['ip', 'ip6'] as const) {
      const text = content[key]
      if (text === undefined) continue
      const bytes = typeof text === 'string' ? ipToBytes(text) : undefined
      if (bytes?.length !== IP_KEYS[key]) {
        throw new RangeError(`${key} must be an IPv${key === 'ip' ? 4 : 6} address`)
      }
      add(key, bytes)
    }
    for (const key of PORT_KEYS) {
      const port = content[key]
      if (port === undefined) continue
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new RangeError(`${key} must be an integer 0–65535`)
      }
      add(key, port)
    }
    const extra = content.entries ?? []
    const iterable = Symbol.iterator in extra ? extra : Object.entries(extra)
    for (const [key, value] of iterable as Iterable<readonly [string, RlpInput]>) {
      if (RESERVED_KEYS.has(key)) throw new RangeError(`key "${key}" is set by the scheme`)
      add(key, value)
    }
    // Keys are ASCII, so comparing strings compares their bytes.
    const keys = [...pairs.keys()].sort()
    const body: RlpInput[] = [seq]
    for (const key of keys) body.push(key, pairs.get(key)!)
    const signature = sign(keccak256(encode(body)), privateKey).slice(0, 64)
    const bytes = encode([signature, ...body])
    if (bytes.length > MAX_RECORD_BYTES) {
      throw new RangeError(`record would be ${bytes.length} bytes, more than ${MAX_RECORD_BYTES}`)
    }
    try {
      return Enr.decode(bytes, { verify: false })
    } catch (err) {
      // Only a typed key given raw in `entries` with a malformed value gets here.
      if (err instanceof EnrError) throw new RangeError(err.message, { cause: err })
      throw err
    }
  }
}
