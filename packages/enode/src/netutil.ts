/**
 * IP network helpers for the server: {@link NetList} (geth's `netutil.Netlist`, the
 * `--netrestrict` option) and the address classifiers {@link isLan} and {@link isLoopback}.
 *
 * Addresses are parsed with `ipToBytes` from `@devp2p/enode`, so IPv4-mapped IPv6
 * addresses (`::ffff:10.1.2.3`, what Node reports for IPv4 peers on a dual-stack socket)
 * are IPv4 addresses here, as in Go's `net.IP.To4`. An IPv4 address only ever matches IPv4
 * networks and an IPv6 address only IPv6 networks: `::/0` does not contain `1.2.3.4`.
 */
import { NETLIST_MAX_QUOTED_CHARS } from './constants.js'
import { ipFromBytes, ipToBytes } from './ip.js'

/** A prefix length: decimal without leading zeros. */
const PREFIX_RE = /^(?:0|[1-9][0-9]{0,2})$/

/**
 * An immutable list of CIDR networks, IPv4 and IPv6, as geth's `netutil.Netlist`: the
 * server's `--netrestrict` whitelist. Host bits in an entry are masked off, so
 * `10.1.2.3/8` is the network `10.0.0.0/8`. An IPv4-mapped IPv6 network with a prefix of
 * at least 96 (`::ffff:10.0.0.0/104`) is the IPv4 network `10.0.0.0/8`, as in Go.
 *
 * Networks are stored as precomputed 32-bit words of network and mask, so
 * {@link NetList.contains} allocates nothing beyond parsing its argument.
 *
 * @example
 * ```ts
 * const list = NetList.parse('10.0.0.0/8, fe80::/10')
 * list.contains('10.1.2.3')        // true
 * list.contains('::ffff:10.1.2.3') // true (IPv4-mapped)
 * list.contains('192.168.0.1')     // false
 * list.toString()                  // '10.0.0.0/8, fe80::/10'
 * ```
 */
export class NetList {
  /** IPv4 networks: `[network, mask]` pairs of big-endian 32-bit words (masked network). */
  readonly #v4: Uint32Array
  /** IPv6 networks: 8 words each, 4 of network then 4 of mask, big-endian. */
  readonly #v6: Uint32Array
  /** Canonical text of each entry, in input order. */
  readonly #texts: readonly string[]

  private constructor(v4: Uint32Array, v6: Uint32Array, texts: readonly string[]) {
    this.#v4 = v4
    this.#v6 = v6
    this.#texts = texts
  }

  /**
   * Parses a list of CIDR networks: a comma-separated string, or an array whose elements
   * are networks (each may itself be a comma-separated list). Whitespace around entries is
   * trimmed and empty entries are ignored, so `''` is the empty list. Prefix lengths are
   * decimal without leading zeros; IPv6 zone ids (`fe80::1%eth0`) are not addresses.
   *
   * @throws TypeError naming the entry, when an entry is not `address/prefix` with a valid
   * IPv4 or IPv6 address and a prefix of 0–32 (IPv4) or 0–128 (IPv6); or when `spec` is
   * neither a string nor an array of strings.
   */
  static parse(spec: string | readonly string[]): NetList {
    let entries: string[]
    if (typeof spec === 'string') entries = spec.split(',')
    else if (Array.isArray(spec)) {
      entries = []
      for (const item of spec as readonly unknown[]) {
        if (typeof item !== 'string') throw new TypeError('NetList entries must be strings')
        for (const part of item.split(',')) entries.push(part)
      }
    } else throw new TypeError('NetList spec must be a string or an array of strings')

    const v4: number[] = []
    const v6: number[] = []
    const texts: string[] = []
    for (const raw of entries) {
      const entry = raw.trim()
      if (entry === '') continue
      const net = parseCidr(entry)
      if (net.bytes.length === 4) {
        const mask = maskWord(net.prefix)
        v4.push((readWord(net.bytes, 0) & mask) >>> 0, mask)
      } else {
        const masks = [0, 1, 2, 3].map((i) => maskWord(net.prefix - 32 * i))
        for (let i = 0; i < 4; i++) v6.push((readWord(net.bytes, 4 * i) & masks[i]!) >>> 0)
        v6.push(...masks)
      }
      texts.push(`${ipFromBytes(applyMask(net.bytes, net.prefix))}/${net.prefix}`)
    }
    return new NetList(Uint32Array.from(v4), Uint32Array.from(v6), texts)
  }

  /** The number of networks in the list (duplicates count). */
  get size(): number {
    return this.#texts.length
  }

  /**
   * Whether `ip` is in one of the networks. `false` for anything that is not an IP
   * address (including `addr/prefix` text and zone ids). IPv4-mapped IPv6 addresses are
   * matched against the IPv4 networks.
   */
  contains(ip: string): boolean {
    const bytes = ipToBytes(ip)
    return bytes !== undefined && this.containsBytes(bytes)
  }

  /** {@link contains} for an address already parsed by `ipToBytes` (4 or 16 bytes). */
  containsBytes(bytes: Uint8Array): boolean {
    if (bytes.length === 4) {
      const addr = readWord(bytes, 0)
      const nets = this.#v4
      for (let i = 0; i < nets.length; i += 2) {
        if ((addr & nets[i + 1]!) >>> 0 === nets[i]) return true
      }
      return false
    }
    const a0 = readWord(bytes, 0)
    const a1 = readWord(bytes, 4)
    const a2 = readWord(bytes, 8)
    const a3 = readWord(bytes, 12)
    const nets = this.#v6
    for (let i = 0; i < nets.length; i += 8) {
      if (
        (a0 & nets[i + 4]!) >>> 0 === nets[i] &&
        (a1 & nets[i + 5]!) >>> 0 === nets[i + 1] &&
        (a2 & nets[i + 6]!) >>> 0 === nets[i + 2] &&
        (a3 & nets[i + 7]!) >>> 0 === nets[i + 3]
      )
        return true
    }
    return false
  }

  /**
   * The networks in canonical form, in input order, joined by `', '`:
   * `'10.0.0.0/8, fe80::/10'` (`''` for the empty list). {@link NetList.parse} accepts it.
   */
  toString(): string {
    return this.#texts.join(', ')
  }
}

/** One parsed entry: 4 or 16 address bytes (host bits not yet masked) and the prefix. */
interface Cidr {
  bytes: Uint8Array
  prefix: number
}

function parseCidr(entry: string): Cidr {
  const bad = (why: string) => {
    const quoted =
      entry.length > NETLIST_MAX_QUOTED_CHARS
        ? `${entry.slice(0, NETLIST_MAX_QUOTED_CHARS)}…`
        : entry
    return new TypeError(`invalid network ${JSON.stringify(quoted)}: ${why}`)
  }
  const slash = entry.indexOf('/')
  if (slash < 0) throw bad('missing /prefix')
  const addrText = entry.slice(0, slash)
  const prefixText = entry.slice(slash + 1)
  const bytes = ipToBytes(addrText)
  if (bytes === undefined) throw bad('not an IP address')
  if (!PREFIX_RE.test(prefixText)) throw bad('prefix is not a decimal number')
  const prefix = Number(prefixText)
  // IPv6 text, including an IPv4-mapped address that ipToBytes turned into 4 bytes.
  const v6Text = addrText.includes(':')
  const bits = v6Text ? 128 : 32
  if (prefix > bits) throw bad(`prefix must be 0-${bits}`)
  if (bytes.length === 16 || !v6Text) return { bytes, prefix }
  // An IPv4-mapped network. Go masks the 16-byte form first: with a prefix of at least
  // 96 the ::ffff: survives and the network is IPv4; below 96 it is an ordinary IPv6
  // network (that no IPv4 address can match).
  if (prefix >= 96) return { bytes, prefix: prefix - 96 }
  const wide = new Uint8Array(16)
  wide[10] = 0xff
  wide[11] = 0xff
  wide.set(bytes, 12)
  return { bytes: wide, prefix }
}

/** The big-endian 32-bit word at `offset`, unsigned. */
function readWord(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) |
      (bytes[offset + 1]! << 16) |
      (bytes[offset + 2]! << 8) |
      bytes[offset + 3]!) >>>
    0
  )
}

/** A 32-bit mask with the top `ones` bits set (`ones` clamped to 0–32), unsigned. */
function maskWord(ones: number): number {
  if (ones <= 0) return 0
  if (ones >= 32) return 0xffffffff
  return (0xffffffff << (32 - ones)) >>> 0
}

/** A copy of `bytes` with all but the first `prefix` bits cleared. */
function applyMask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  for (let i = 0; i < out.length; i++) {
    const ones = prefix - 8 * i
    if (ones >= 8) continue
    out[i] = ones <= 0 ? 0 : out[i]! & (0xff << (8 - ones))
  }
  return out
}

const LOOPBACK = NetList.parse('127.0.0.0/8, ::1/128')

/** geth's `netutil.IsLAN` networks: loopback, "this" network, private use, ULA, link-local. */
const LAN = NetList.parse(
  '127.0.0.0/8, ::1/128, 0.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fe80::/10, fc00::/7',
)

/**
 * Whether `ip` is a LAN address, with geth's `netutil.IsLAN` semantics: loopback
 * (`127.0.0.0/8`, `::1`), or IPv4 in `0.0.0.0/8`, `10.0.0.0/8`, `172.16.0.0/12`,
 * `192.168.0.0/16`, or IPv6 in `fe80::/10`, `fc00::/7`. IPv4-mapped IPv6 addresses count
 * as IPv4. IPv4 link-local (`169.254.0.0/16`) and CGNAT space are not LAN, as in geth.
 * `false` for anything that is not an IP address.
 */
export function isLan(ip: string): boolean {
  return LAN.contains(ip)
}

/**
 * Whether `ip` is a loopback address: `127.0.0.0/8` (also IPv4-mapped) or `::1`. `false`
 * for anything that is not an IP address.
 */
export function isLoopback(ip: string): boolean {
  return LOOPBACK.contains(ip)
}

/** geth's `netutil.IsSpecialNetwork` ranges (documentation, benchmarking, 6to4, ...), plus multicast. */
const SPECIAL = NetList.parse(
  [
    '0.0.0.0/8, 192.0.0.0/29, 192.0.0.9/32, 192.0.0.170/32, 192.0.0.171/32, 192.0.2.0/24',
    '192.31.196.0/24, 192.52.193.0/24, 192.88.99.0/24, 192.175.48.0/24, 198.18.0.0/15',
    '198.51.100.0/24, 203.0.113.0/24, 255.255.255.255/32, 224.0.0.0/4',
    '100::/64, 2001::/32, 2001:1::1/128, 2001:2::/48, 2001:3::/32, 2001:4:112::/48',
    '2001:5::/32, 2001:10::/28, 2001:20::/28, 2001:db8::/32, 2002::/16, ff00::/8',
  ].join(', '),
)

const UNSPECIFIED = NetList.parse('0.0.0.0/32, ::/128')

/**
 * Whether `ip` is in a special-purpose network that never hosts a public node
 * (documentation and benchmarking ranges, 6to4, multicast, broadcast), as geth's
 * `netutil.IsSpecialNetwork`.
 */
export function isSpecialNetwork(ip: string): boolean {
  return SPECIAL.contains(ip)
}

/**
 * Whether a node at `ip`, reported to us by `sender`, is worth relaying or contacting
 * (geth's `netutil.CheckRelayIP`): not unspecified or special; loopback only from a
 * loopback sender; a LAN address only from a LAN sender.
 */
export function checkRelayIp(sender: string, ip: string): boolean {
  // parsed once each: this runs for every node of every Neighbors packet
  const addr = ipToBytes(ip)
  if (addr === undefined) return false
  if (UNSPECIFIED.containsBytes(addr) || SPECIAL.containsBytes(addr)) return false
  const from = ipToBytes(sender)
  const fromLoopback = from !== undefined && LOOPBACK.containsBytes(from)
  if (LOOPBACK.containsBytes(addr) && !fromLoopback) return false
  if (LAN.containsBytes(addr) && !(from !== undefined && LAN.containsBytes(from))) return false
  return true
}
