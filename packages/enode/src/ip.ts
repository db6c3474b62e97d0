import { isIPv4, isIPv6 } from 'node:net'

/**
 * The 4 or 16 bytes of a textual IP address, or `undefined` when `text` is not one.
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) become their 4 IPv4 bytes, as in geth.
 * Zone ids (`fe80::1%eth0`) and IPv4 octets with leading zeros are not addresses here.
 */
export function ipToBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) {
    // Uint8Array.from(parts, Number) costs three times as much (an iterator and a call per part)
    const p = text.split('.')
    return Uint8Array.of(+p[0]!, +p[1]!, +p[2]!, +p[3]!)
  }
  if (!isIPv6(text) || text.includes('%')) return undefined
  const bytes = new Uint8Array(16)
  let head = text
  let v4tail: Uint8Array | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    v4tail = Uint8Array.from(text.slice(lastColon + 1).split('.'), Number)
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const [left = '', right] = head.split('::')
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)))
  const l = groups(left)
  const r = right === undefined ? [] : groups(right)
  const words = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r]
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8
    bytes[i * 2 + 1] = w & 0xff
  })
  if (v4tail !== undefined) bytes.set(v4tail, 12)
  if (isV4Mapped(bytes)) return bytes.slice(12)
  return bytes
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false
  return bytes[10] === 0xff && bytes[11] === 0xff
}

/**
 * The canonical text of a 4- or 16-byte IP address: dotted decimal, or RFC 5952
 * lowercase IPv6 with the longest run of two or more zero groups shortened to `::`.
 *
 * @throws TypeError when `bytes` is not a `Uint8Array`.
 * @throws RangeError when `bytes` is not 4 or 16 bytes long.
 */
export function ipFromBytes(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  if (bytes.length === 4) return bytes.join('.')
  if (bytes.length !== 16)
    throw new RangeError(`an IP address is 4 or 16 bytes, got ${bytes.length}`)
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!)
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hexWords = words.map((w) => w.toString(16))
  if (bestStart < 0) return hexWords.join(':')
  const left = hexWords.slice(0, bestStart).join(':')
  const right = hexWords.slice(bestStart + bestLen).join(':')
  return `${left}::${right}`
}

/**
 * The canonical text of a textual IP address (see {@link ipFromBytes}), or `undefined`
 * when `text` is not an IP address.
 */
export function normalizeIp(text: string): string | undefined {
  const bytes = ipToBytes(text)
  return bytes === undefined ? undefined : ipFromBytes(bytes)
}
