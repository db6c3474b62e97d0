import { CryptoError, decodePublicKey } from '@devp2p/crypto'
import { MAX_ENODE_URL_CHARS } from './constants.js'
import { EnodeError } from './errors.js'
import { ipFromBytes, ipToBytes } from './ip.js'

/** The parts of an `enode://` URL. */
export interface EnodeUrl {
  /** The 64-byte public key (x ‖ y), validated as a secp256k1 point. */
  readonly publicKey: Uint8Array
  /** The IP address in canonical text (IPv4-mapped IPv6 becomes IPv4), when the host is one. */
  readonly ip?: string | undefined
  /**
   * The DNS host name exactly as given (case and a trailing dot kept, as go-ethereum keeps
   * it, so the URL round-trips), when the host is not an IP; resolve it before dialing.
   */
  readonly hostname?: string | undefined
  /** The TCP (RLPx) port; absent in the id-only form. */
  readonly tcp?: number | undefined
  /** The UDP (discovery) port: `discport`, else the TCP port; absent in the id-only form. */
  readonly udp?: number | undefined
}

const PREFIX = 'enode://'
const PUBLIC_KEY_HEX = /^[0-9a-fA-F]{128}$/
const PORT = /^[0-9]{1,5}$/
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

function fail(code: EnodeError['code'], message: string, cause?: unknown): EnodeError {
  return new EnodeError(code, `invalid enode URL: ${message}`, { cause })
}

function parsePort(text: string, code: 'INVALID_PORT' | 'INVALID_DISCPORT'): number {
  const what = code === 'INVALID_PORT' ? 'TCP port' : 'discport'
  if (!PORT.test(text)) throw fail(code, `${what} must be a decimal number 0–65535`)
  const port = Number(text)
  if (port > 65535) throw fail(code, `${what} ${port} is above 65535`)
  return port
}

function parsePublicKey(text: string): Uint8Array {
  if (!PUBLIC_KEY_HEX.test(text)) {
    throw fail(
      'INVALID_PUBLIC_KEY',
      `public key must be 128 hex characters, got ${text.length} characters`,
    )
  }
  try {
    return decodePublicKey(Uint8Array.from(Buffer.from(text, 'hex')))
  } catch (err) {
    if (err instanceof CryptoError)
      throw fail('INVALID_PUBLIC_KEY', 'public key is not on secp256k1', err)
    throw err
  }
}

/**
 * `host` unchanged when it is a DNS host name as RFC 1123 allows it (any case, with or
 * without the trailing dot of a fully qualified name), else `undefined`. The name is
 * returned exactly as given, never lowercased or trimmed: `valid.` stays `valid.`, as in
 * go-ethereum, so a URL round-trips. All-numeric names are IPs gone wrong.
 */
export function parseHostname(host: string): string | undefined {
  const name = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase()
  if (name.length === 0 || name.length > 253) return undefined
  const labels = name.split('.')
  if (!labels.every((label) => LABEL.test(label))) return undefined
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return undefined
  return host
}

function parseHost(host: string): { ip?: string; hostname?: string } {
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) throw fail('INVALID_HOST', 'a bracketed host must end with ]')
    const inner = host.slice(1, -1)
    const bytes = inner.includes(':') ? ipToBytes(inner) : undefined
    if (bytes === undefined) throw fail('INVALID_HOST', 'bracketed host must be an IPv6 address')
    return { ip: ipFromBytes(bytes) }
  }
  if (host.includes(':')) throw fail('INVALID_HOST', 'an IPv6 host must be in brackets')
  const bytes = ipToBytes(host)
  if (bytes !== undefined) return { ip: ipFromBytes(bytes) }
  const hostname = parseHostname(host)
  if (hostname === undefined) {
    throw fail('INVALID_HOST', 'host is neither an IP address nor a valid host name')
  }
  return { hostname }
}

function parseQuery(query: string): number | undefined {
  let discport: number | undefined
  for (const param of query.split('&')) {
    const eq = param.indexOf('=')
    const key = eq < 0 ? param : param.slice(0, eq)
    if (key !== 'discport') continue // other parameters are ignored, as in geth
    const value = eq < 0 ? '' : param.slice(eq + 1)
    if (discport !== undefined) throw fail('INVALID_DISCPORT', 'discport appears twice')
    discport = parsePort(value, 'INVALID_DISCPORT')
  }
  return discport
}

/**
 * Parses `enode://<128 hex>@<host>:<tcp>[?discport=<udp>]` or the id-only form
 * `enode://<128 hex>`. The host is an IPv4 address, a bracketed IPv6 address or a DNS
 * host name (kept exactly as written, not resolved). Without `discport` the UDP port is the TCP port.
 * Unknown query parameters are ignored, as go-ethereum does.
 *
 * @throws EnodeError naming the part that is wrong: `INVALID_SCHEME`, `INVALID_URL`,
 *   `INVALID_PUBLIC_KEY` (including a key that is not on the curve), `INVALID_HOST`,
 *   `INVALID_PORT` or `INVALID_DISCPORT`.
 * @throws TypeError when `text` is not a string.
 */
export function parseEnodeUrl(text: string): EnodeUrl {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (text.length > MAX_ENODE_URL_CHARS) {
    throw fail('INVALID_URL', `longer than ${MAX_ENODE_URL_CHARS} characters`)
  }
  if (text.slice(0, PREFIX.length).toLowerCase() !== PREFIX) {
    throw new EnodeError('INVALID_SCHEME', 'node URL must start with "enode://"')
  }
  const rest = text.slice(PREFIX.length)
  if (rest.includes('#')) throw fail('INVALID_URL', 'a fragment (#) is not allowed')
  const q = rest.indexOf('?')
  const authority = q < 0 ? rest : rest.slice(0, q)
  if (authority.includes('/')) throw fail('INVALID_URL', 'a path is not allowed')
  const at = authority.indexOf('@')
  if (at < 0) {
    if (q >= 0) throw fail('INVALID_URL', 'a query needs a host')
    return { publicKey: parsePublicKey(authority) }
  }
  const userinfo = authority.slice(0, at)
  if (userinfo.includes(':')) throw fail('INVALID_URL', 'a password is not allowed')
  const publicKey = parsePublicKey(userinfo)
  const hostport = authority.slice(at + 1)
  const colon = hostport.lastIndexOf(':')
  if (colon < 0 || hostport.indexOf(']', colon) >= 0)
    throw fail('INVALID_PORT', 'TCP port is missing')
  const host = parseHost(hostport.slice(0, colon))
  const tcp = parsePort(hostport.slice(colon + 1), 'INVALID_PORT')
  const discport = q < 0 ? undefined : parseQuery(rest.slice(q + 1))
  return { publicKey, ...host, tcp, udp: discport ?? tcp }
}

/**
 * Formats an enode URL: the id-only form when there is neither `ip` nor `hostname`,
 * else `enode://<hex>@<host>:<tcp>` with `?discport=<udp>` when the UDP port differs.
 * A missing TCP port is written as 0 and a missing UDP port equals the TCP port, as
 * go-ethereum writes them.
 *
 * @throws TypeError when `publicKey` is not a `Uint8Array`.
 * @throws RangeError when `publicKey` is not 64 bytes, `ip` is not an IP address,
 *   `hostname` is not a valid host name, both are given, or a port is not 0–65535.
 */
export function formatEnodeUrl(url: EnodeUrl): string {
  const { publicKey, ip, hostname, tcp, udp } = url
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
  if (publicKey.length !== 64) throw new RangeError('publicKey must be 64 bytes (x ‖ y)')
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, 64).toString('hex')
  if (ip === undefined && hostname === undefined) return `${PREFIX}${id}`
  let host: string
  if (ip !== undefined) {
    if (hostname !== undefined) throw new RangeError('give either ip or hostname, not both')
    const bytes = ipToBytes(ip)
    if (bytes === undefined) throw new RangeError(`not an IP address: ${ip}`)
    host = bytes.length === 4 ? ipFromBytes(bytes) : `[${ipFromBytes(bytes)}]`
  } else {
    const name = parseHostname(hostname!)
    if (name === undefined) throw new RangeError(`not a valid host name: ${hostname}`)
    host = name
  }
  const tcpPort = tcp ?? 0
  const udpPort = udp ?? tcpPort
  for (const port of [tcpPort, udpPort]) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`port must be an integer 0–65535, got ${port}`)
    }
  }
  const query = udpPort === tcpPort ? '' : `?discport=${udpPort}`
  return `${PREFIX}${id}@${host}:${tcpPort}${query}`
}
