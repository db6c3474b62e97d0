import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { JWT_IAT_TOLERANCE_MS, signJwt, verifyJwt } from '../src/index.js'

// jwt.io's HS256 example: secret "your-256-bit-secret", iat 1516239022
const JWT_IO_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
const JWT_IO_SECRET = new TextEncoder().encode('your-256-bit-secret')
const JWT_IO_IAT_MS = 1516239022 * 1000

const secret = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A token built here, independently of signJwt. */
function token(header: unknown, claims: unknown, key: Uint8Array = secret): string {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

describe('JWT (HS256, geth authenticated endpoint)', () => {
  it('accepts jwt.io example token at its iat, and within ±60 s of it', () => {
    expect(verifyJwt(JWT_IO_TOKEN, JWT_IO_SECRET, JWT_IO_IAT_MS)).toEqual({ valid: true })
    expect(verifyJwt(JWT_IO_TOKEN, JWT_IO_SECRET, JWT_IO_IAT_MS + 60_000)).toEqual({ valid: true })
    expect(verifyJwt(JWT_IO_TOKEN, JWT_IO_SECRET, JWT_IO_IAT_MS - 60_000)).toEqual({ valid: true })
  })

  it('refuses a stale or a future iat, as geth (stale token / future token)', () => {
    expect(
      verifyJwt(JWT_IO_TOKEN, JWT_IO_SECRET, JWT_IO_IAT_MS + JWT_IAT_TOLERANCE_MS + 1000),
    ).toEqual({
      valid: false,
      reason: 'stale token',
    })
    expect(
      verifyJwt(JWT_IO_TOKEN, JWT_IO_SECRET, JWT_IO_IAT_MS - JWT_IAT_TOLERANCE_MS - 1000),
    ).toEqual({
      valid: false,
      reason: 'future token',
    })
  })

  it('refuses a wrong secret and a tampered payload', () => {
    const wrong = new TextEncoder().encode('your-256-bit-secreT')
    expect(verifyJwt(JWT_IO_TOKEN, wrong, JWT_IO_IAT_MS)).toMatchObject({
      valid: false,
      reason: 'signature is invalid',
    })
    const [h, , s] = JWT_IO_TOKEN.split('.')
    const forged = `${h}.${b64({ iat: 1516239022, admin: true })}.${s}`
    expect(verifyJwt(forged, JWT_IO_SECRET, JWT_IO_IAT_MS)).toMatchObject({ valid: false })
  })

  it('refuses other algorithms, a missing iat, a past exp and malformed tokens', () => {
    const now = 1_800_000_000_000
    const iat = now / 1000
    expect(verifyJwt(token({ alg: 'none' }, { iat }), secret, now)).toMatchObject({ valid: false })
    expect(verifyJwt(token({ alg: 'HS512' }, { iat }), secret, now)).toMatchObject({ valid: false })
    expect(verifyJwt(token({ alg: 'HS256' }, {}), secret, now)).toEqual({
      valid: false,
      reason: 'missing issued-at',
    })
    expect(verifyJwt(token({ alg: 'HS256' }, { iat, exp: iat - 1 }), secret, now)).toEqual({
      valid: false,
      reason: 'token is expired',
    })
    expect(verifyJwt(token({ alg: 'HS256' }, { iat, exp: iat + 100 }), secret, now)).toEqual({
      valid: true,
    })
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.??.**', `${b64({ alg: 'HS256' })}.e30.`])
      expect(verifyJwt(bad, secret, now).valid).toBe(false)
  })

  it('signs tokens an independent HS256 check accepts, with iat in seconds', () => {
    const now = 1_800_000_123_456
    const t = signJwt(secret, now)
    const [h, p, s] = t.split('.') as [string, string, string]
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ iat: 1_800_000_123 })
    expect(s).toBe(createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url'))
    expect(verifyJwt(t, secret, now)).toEqual({ valid: true })
  })

  it('insists on a 32-byte secret when signing', () => {
    expect(() => signJwt(new Uint8Array(31), 0)).toThrow(RangeError)
  })
})
