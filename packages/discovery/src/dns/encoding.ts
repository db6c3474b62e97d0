/**
 * The two text encodings of EIP-1459: base32 (RFC 4648 alphabet, upper case, no padding)
 * for hashes and public keys, and unpadded base64url for the root signature. Node has
 * base64url but no base32, and a 40-line encoder is smaller than a dependency.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const VALUES = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i

/** Unpadded base32 of `bytes` (geth's `base32.StdEncoding.WithPadding(NoPadding)`). */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(acc >> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]
  return out
}

/**
 * Decodes unpadded upper-case base32, or returns `undefined` when `text` is not that: a
 * character outside the alphabet, or a length no byte string encodes to (a final group of
 * 1, 3 or 6 characters). Unused low bits of the last character are ignored, as Go does.
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const rest = text.length % 8
  if (rest === 1 || rest === 3 || rest === 6) return undefined
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let acc = 0
  let bits = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? VALUES[code]! : -1
    if (value < 0) return undefined
    acc = ((acc << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >> bits) & 0xff
    }
  }
  return out
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Unpadded base64url of `bytes`. */
export function base64urlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/**
 * Decodes unpadded base64url, or returns `undefined` for any other character (padding
 * included) or an impossible length. Node's decoder alone skips bad characters silently.
 */
export function base64urlDecode(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  return new Uint8Array(Buffer.from(text, 'base64url'))
}
