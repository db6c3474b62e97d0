/**
 * Subdomain names: every entry but the root lives at base32(keccak256(text)[:16]), so a
 * name proves the text found there (EIP-1459).
 */
import { equalBytes, keccak256 } from '@devp2p/crypto'
import { HASH_BYTES, MAX_HASH_BYTES, MIN_HASH_BYTES } from './constants.js'
import { base32Decode, base32Encode } from './encoding.js'

const utf8 = new TextEncoder()

/** The subdomain name of an entry's text: base32 of the first 16 bytes of its keccak256. */
export function entryHash(text: string): string {
  return base32Encode(keccak256(utf8.encode(text)).subarray(0, HASH_BYTES))
}

/**
 * The bytes of a hash as written in a root or branch, or `undefined` when it is not
 * base32 of {@link MIN_HASH_BYTES}–{@link MAX_HASH_BYTES} bytes.
 */
export function decodeHash(hash: string): Uint8Array | undefined {
  if (hash.length > Math.ceil((MAX_HASH_BYTES * 8) / 5)) return undefined
  const bytes = base32Decode(hash)
  if (bytes === undefined || bytes.length < MIN_HASH_BYTES || bytes.length > MAX_HASH_BYTES)
    return undefined
  return bytes
}

/** Whether `text` hashes to `hash`: the hash's bytes are a prefix of keccak256(text). */
export function hashMatches(text: string, hash: string): boolean {
  const want = decodeHash(hash)
  if (want === undefined) return false
  const got = keccak256(utf8.encode(text)).subarray(0, want.length)
  return equalBytes(got, want)
}

/**
 * The name under which an entry is cached: its hash cut to {@link MIN_HASH_BYTES}, so a
 * tree that writes longer hashes shares the cache with one that writes shorter ones (geth).
 */
export function cacheKey(hash: string): string {
  return hash.slice(0, Math.ceil((MIN_HASH_BYTES * 8) / 5))
}
