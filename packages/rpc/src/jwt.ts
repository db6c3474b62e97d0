import { createHmac, timingSafeEqual } from 'node:crypto'
import { JWT_IAT_TOLERANCE_MS, JWT_SECRET_BYTES } from './constants.js'

/**
 * The JSON Web Tokens of geth's authenticated endpoint (`node/jwt_handler.go`, the
 * engine API's auth): HS256 over a 32-byte shared secret, a fresh token per HTTP request
 * or WebSocket connection, `iat` within ±60 s of the server's clock. Only what that needs:
 * no other algorithms, no claims besides `iat` and an optional `exp`.
 */

/** base64url of `{"alg":"HS256","typ":"JWT"}`, the only header we write. */
const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')

/**
 * Checks a JWT secret's size.
 * @throws {RangeError} unless it is {@link JWT_SECRET_BYTES} bytes.
 */
export function checkJwtSecret(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== JWT_SECRET_BYTES)
    throw new RangeError(`a JWT secret is ${JWT_SECRET_BYTES} bytes`)
  return secret
}

function hmac(secret: Uint8Array, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest()
}

/**
 * A token for the authenticated endpoint: HS256, `{ iat }` in seconds of `nowMs`.
 * @throws {RangeError} if the secret is not 32 bytes.
 */
export function signJwt(secret: Uint8Array, nowMs: number): string {
  checkJwtSecret(secret)
  const payload = Buffer.from(JSON.stringify({ iat: Math.floor(nowMs / 1000) })).toString(
    'base64url',
  )
  const input = `${HEADER}.${payload}`
  return `${input}.${hmac(secret, input).toString('base64url')}`
}

/** What {@link verifyJwt} found: the reason is what geth answers in the 401's body. */
export type JwtCheck = { valid: true } | { valid: false; reason: string }

const BASE64URL = /^[A-Za-z0-9_-]*$/

function decodeJson(part: string): unknown {
  if (!BASE64URL.test(part)) return undefined
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/**
 * Checks a token as geth's JWT handler does: HS256 only, the signature, `exp` if present,
 * then `iat` present and within {@link JWT_IAT_TOLERANCE_MS} of `nowMs` either way.
 */
export function verifyJwt(token: string, secret: Uint8Array, nowMs: number): JwtCheck {
  const parts = token.split('.')
  if (parts.length !== 3) return { valid: false, reason: 'token is malformed' }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = objectOrUndefined(decodeJson(headerPart))
  if (header === undefined) return { valid: false, reason: 'token is malformed' }
  if (header.alg !== 'HS256')
    return { valid: false, reason: `signing method ${String(header.alg)} is invalid` }
  if (!BASE64URL.test(signaturePart)) return { valid: false, reason: 'token is malformed' }
  const expected = hmac(secret, `${headerPart}.${payloadPart}`)
  const given = Buffer.from(signaturePart, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { valid: false, reason: 'signature is invalid' }
  const claims = objectOrUndefined(decodeJson(payloadPart))
  if (claims === undefined) return { valid: false, reason: 'token is malformed' }
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp * 1000 < nowMs))
    return { valid: false, reason: 'token is expired' }
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat))
    return { valid: false, reason: 'missing issued-at' }
  const iatMs = claims.iat * 1000
  if (nowMs - iatMs > JWT_IAT_TOLERANCE_MS) return { valid: false, reason: 'stale token' }
  if (iatMs - nowMs > JWT_IAT_TOLERANCE_MS) return { valid: false, reason: 'future token' }
  return { valid: true }
}

/**
 * Checks an `Authorization` header value (`Bearer <token>`, the scheme in any case) as
 * geth does; a missing token is `missing token`.
 */
export function checkAuthorization(
  header: string | undefined,
  secret: Uint8Array,
  nowMs: number,
): JwtCheck {
  const token =
    header !== undefined && header.length >= 7 && header.slice(0, 7).toLowerCase() === 'bearer '
      ? header.slice(7)
      : ''
  if (token.length === 0) return { valid: false, reason: 'missing token' }
  return verifyJwt(token, secret, nowMs)
}
