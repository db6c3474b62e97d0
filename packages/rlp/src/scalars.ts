/**
 * Conversions between JavaScript scalars and RLP byte strings, shared by `encode` and
 * the schemas. The encoding side checks its arguments: a bad value is the caller's bug,
 * so it throws `TypeError` / `RangeError`, never `RlpError`.
 */

const utf8Encoder = new TextEncoder()
// fatal: invalid UTF-8 throws instead of becoming U+FFFD. ignoreBOM: keep a leading
// U+FEFF as a character, or strings starting with it would not round-trip.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Minimal big-endian bytes of a non-negative safe integer; 0 is the empty string. */
export function uintToBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`expected a non-negative safe integer, got ${value}`)
  }
  let length = 0
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) length++
  const bytes = new Uint8Array(length)
  // Division instead of `>>>`: bitwise operators truncate to 32 bits.
  for (let i = length - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 256)) {
    bytes[i] = rest % 256
  }
  return bytes
}

/** Minimal big-endian bytes of a non-negative bigint; 0n is the empty string. */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError(`expected a non-negative bigint, got ${value}`)
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return uintToBytes(Number(value))
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

/** The big-endian unsigned integer in `bytes`, any length (the caller checks limits). */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length <= 6) return BigInt(bytesToSmallUint(bytes))
  let hex = '0x'
  for (let i = 0; i < bytes.length; i++) hex += HEX_BYTES[bytes[i]!]
  return BigInt(hex)
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/** The big-endian unsigned integer in at most 7 bytes; above 2^53 it is inexact. */
export function bytesToSmallUint(bytes: Uint8Array): number {
  let value = 0
  for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes[i]!
  return value
}

/**
 * UTF-8 bytes of `text`. A lone UTF-16 surrogate has no UTF-8 form (TextEncoder would
 * silently write U+FFFD and break the round trip), so it is refused.
 */
export function utf8ToBytes(text: string): Uint8Array {
  // Short ASCII strings (client ids, capability names) dominate; a plain loop is about
  // five times faster than TextEncoder for them.
  if (text.length <= 64) {
    const bytes = new Uint8Array(text.length)
    let i = 0
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code >= 0x80) break
      bytes[i] = code
    }
    if (i === text.length) return bytes
  }
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new TypeError('string contains a lone UTF-16 surrogate, which has no UTF-8 form')
  }
  return utf8Encoder.encode(text)
}

/** The text in `bytes`; throws the decoder's `TypeError` if they are not UTF-8. */
export function bytesToUtf8(bytes: Uint8Array): string {
  // Measured: a plain loop beats the TextDecoder call only for the tiniest strings
  // (capability names such as "eth"); from about 12 bytes on, TextDecoder wins.
  if (bytes.length <= 8) {
    let text = ''
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!
      if (byte >= 0x80) return utf8Decoder.decode(bytes)
      text += String.fromCharCode(byte)
    }
    return text
  }
  return utf8Decoder.decode(bytes)
}
