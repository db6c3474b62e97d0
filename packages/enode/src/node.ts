import { CryptoError, decodePublicKey } from '@devp2p/crypto'
import { type EnodeUrl, formatEnodeUrl, parseEnodeUrl, parseHostname } from './enode-url.js'
import { Enr, type EnrDecodeOptions } from './enr.js'
import { EnodeError } from './errors.js'
import { ipFromBytes, ipToBytes } from './ip.js'
import { type NodeId, type NodeIdHex, nodeIdFromPublicKey, nodeIdHex } from './node-id.js'

/** The address of a node known without a record (an enode URL or a discv4 Neighbors entry). */
export interface NodeAddress {
  /** IPv4 or IPv6 address as text. */
  readonly ip?: string | undefined
  /** A DNS host name, resolved by whoever dials; only without `ip`. */
  readonly hostname?: string | undefined
  readonly tcp?: number | undefined
  /** Defaults to `tcp`. */
  readonly udp?: number | undefined
}

function checkPort(port: number | undefined, name: string): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new RangeError(`${name} must be an integer 0–65535`)
  }
}

/**
 * A node as the rest of the stack sees it: its id, public key and endpoints, from a
 * verified record or from an enode URL (then {@link record} is `undefined`). Immutable.
 *
 * The endpoint (`ip`, `tcp`, `udp`) is the one to dial: from a record, the IPv4 entries
 * when there are any, else the IPv6 ones (`tcp6`/`udp6`, falling back to `tcp`/`udp` as
 * geth does).
 */
export class ENode {
  readonly id: NodeId
  /** {@link id} as hex, for map keys. */
  readonly idHex: NodeIdHex
  /** The 64-byte public key x ‖ y. */
  readonly publicKey: Uint8Array
  /** The verified record, when the node came from one. */
  readonly record: Enr | undefined
  /** The address to dial (IPv4 preferred), or `undefined` when only the id is known. */
  readonly ip: string | undefined
  /** A host name to resolve before dialing (enode URLs only). */
  readonly hostname: string | undefined
  readonly tcp: number | undefined
  readonly udp: number | undefined
  /** The record's `ip`/`ip6` entries (for an URL node: the URL's address by family). */
  readonly ip4: string | undefined
  readonly ip6: string | undefined

  private constructor(
    publicKey: Uint8Array,
    record: Enr | undefined,
    address: NodeAddress,
    id?: NodeId,
  ) {
    this.publicKey = publicKey
    this.id = id ?? nodeIdFromPublicKey(publicKey)
    this.idHex = nodeIdHex(this.id)
    this.record = record
    this.ip = address.ip
    this.hostname = address.hostname
    this.tcp = address.tcp
    this.udp = address.udp
    const family = address.ip === undefined ? 0 : ipToBytes(address.ip)?.length
    this.ip4 = record !== undefined ? record.ip : family === 4 ? address.ip : undefined
    this.ip6 = record !== undefined ? record.ip6 : family === 16 ? address.ip : undefined
  }

  /** The node of a verified record. */
  static fromRecord(record: Enr): ENode {
    if (!(record instanceof Enr)) throw new TypeError('record must be an Enr')
    const address: NodeAddress =
      record.ip !== undefined
        ? { ip: record.ip, tcp: record.tcp, udp: record.udp }
        : record.ip6 !== undefined
          ? { ip: record.ip6, tcp: record.tcp6 ?? record.tcp, udp: record.udp6 ?? record.udp }
          : {}
    return new ENode(record.publicKey, record, address, record.nodeId)
  }

  /**
   * A node known by its public key and address only (an enode URL, a discv4 Neighbors
   * entry). The key is validated; `udp` defaults to `tcp`.
   *
   * @throws EnodeError `INVALID_PUBLIC_KEY` when the key is not a point on secp256k1.
   * @throws TypeError when `publicKey` is not a `Uint8Array`.
   * @throws RangeError when the key is not 64 bytes, `ip` is not an IP address, both `ip`
   *   and `hostname` are given, or a port is not 0–65535.
   */
  static fromPublicKey(publicKey: Uint8Array, address: NodeAddress = {}): ENode {
    if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
    if (publicKey.length !== 64) throw new RangeError('publicKey must be 64 bytes (x ‖ y)')
    let key: Uint8Array
    try {
      key = decodePublicKey(publicKey)
    } catch (err) {
      if (err instanceof CryptoError) {
        throw new EnodeError('INVALID_PUBLIC_KEY', 'public key is not on secp256k1', { cause: err })
      }
      throw err
    }
    return ENode.#fromUrl({ publicKey: key, ...address })
  }

  /** Builds from URL parts; the key is already validated. */
  static #fromUrl(url: EnodeUrl): ENode {
    const { ip, hostname, tcp } = url
    if (ip !== undefined && hostname !== undefined) {
      throw new RangeError('give either ip or hostname, not both')
    }
    const bytes = ip === undefined ? undefined : ipToBytes(ip)
    if (ip !== undefined && bytes === undefined) throw new RangeError(`not an IP address: ${ip}`)
    const udp = url.udp ?? tcp
    checkPort(tcp, 'tcp')
    checkPort(udp, 'udp')
    const name = hostname === undefined ? undefined : parseHostname(hostname)
    if (hostname !== undefined && name === undefined) {
      throw new RangeError(`not a valid host name: ${hostname}`)
    }
    const canonical = bytes === undefined ? undefined : ipFromBytes(bytes)
    return new ENode(url.publicKey, undefined, { ip: canonical, hostname: name, tcp, udp })
  }

  /**
   * Parses an enode URL (see {@link parseEnodeUrl}).
   *
   * @throws EnodeError naming the part of the URL that is wrong.
   * @throws TypeError when `text` is not a string.
   */
  static fromEnodeUrl(text: string): ENode {
    const url = parseEnodeUrl(text)
    return new ENode(url.publicKey, undefined, url)
  }

  /** Whether there is an address to dial or ping (an IP or a host name). */
  get hasAddress(): boolean {
    return this.ip !== undefined || this.hostname !== undefined
  }

  /** The record's sequence number, or 0 for a node without a record. */
  get seq(): bigint {
    return this.record?.seq ?? 0n
  }

  /**
   * The `enode://` URL of this node (the id-only form when it has no address). A record
   * without a TCP port gives port 0, as geth writes it.
   */
  toEnodeUrl(): string {
    return formatEnodeUrl(this)
  }

  /**
   * The `enr:` text of the node's record.
   *
   * @throws TypeError when the node has no record (it came from an enode URL).
   */
  toEnrText(): string {
    if (this.record === undefined)
      throw new TypeError('this node has no record (check node.record)')
    return this.record.encodeText()
  }

  /** The enode URL, so that template strings and logs show something useful. */
  toString(): string {
    return this.toEnodeUrl()
  }
}

/**
 * Parses a node in either text form: an `enode://` URL or an `enr:` record (whose
 * signature is verified unless `verify: false`).
 *
 * @throws EnrError for a bad record; EnodeError for a bad URL (naming the part) or
 *   `INVALID_SCHEME` for text that starts with neither `enode://` nor `enr:`.
 * @throws TypeError when `text` is not a string.
 */
export function parseNode(text: string, options: EnrDecodeOptions = {}): ENode {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (text.startsWith('enr:')) return ENode.fromRecord(Enr.decodeText(text, options))
  if (text.slice(0, 8).toLowerCase() === 'enode://') return ENode.fromEnodeUrl(text)
  throw new EnodeError('INVALID_SCHEME', 'a node must start with "enode://" or "enr:"')
}
