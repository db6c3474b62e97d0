/**
 * The `expiration` field every packet but ENRResponse carries: unix seconds after which
 * the packet is void.
 */
import { EXPIRATION_S } from './constants.js'

/**
 * Whether a packet with this `expiration` (unix seconds) is void at `nowMs` (unix
 * milliseconds): its time lies in the past, as geth's `Expired`.
 */
export function isExpired(expiration: number, nowMs: number): boolean {
  return expiration * 1000 < nowMs
}

const INT64_SIGN = 1n << 63n
const UINT64_RANGE = 1n << 64n

/**
 * A decoded 8-byte expiration as geth reads it: `time.Unix(int64(expiration), 0)`, so a
 * value with the top bit set is negative, a time before 1970, and the packet is expired.
 */
export function readExpiration(value: bigint): number {
  return Number(value >= INT64_SIGN ? value - UINT64_RANGE : value)
}

/** The `expiration` of a packet sent at `nowMs` (unix milliseconds): now + 20 s, in seconds. */
export function expirationFrom(nowMs: number): number {
  return Math.floor(nowMs / 1000) + EXPIRATION_S
}
