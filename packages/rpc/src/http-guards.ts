import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { CORS_MAX_AGE_SECONDS } from './constants.js'

/**
 * The checks geth's `node/rpcstack.go` and `rpc/websocket.go` put in front of the RPC
 * server: the virtual-host allowlist (DNS rebinding), the CORS allowlist (which browser
 * pages may read answers) and the WebSocket origin allowlist.
 */

/** A lower-cased allowlist; `*` allows everything. */
export interface Allowlist {
  readonly all: boolean
  readonly entries: ReadonlySet<string>
}

export function allowlist(values: readonly string[]): Allowlist {
  const entries = new Set(values.map((v) => v.toLowerCase()))
  return { all: entries.has('*'), entries }
}

/**
 * Whether a `Host` header passes the virtual-host allowlist, as geth's
 * `virtualHostHandler`: an absent Host and an IP literal always pass (rebinding needs a
 * name), otherwise the name without its port must be listed, or `*`.
 */
export function hostAllowed(host: string | undefined, vhosts: Allowlist): boolean {
  if (host === undefined || host === '') return true
  let name = host.toLowerCase()
  if (name.startsWith('[')) {
    const end = name.indexOf(']')
    name = end > 0 ? name.slice(1, end) : name
  } else {
    const colon = name.lastIndexOf(':')
    if (colon >= 0 && name.indexOf(':') === colon) name = name.slice(0, colon)
  }
  if (isIP(name) !== 0) return true
  return vhosts.all || vhosts.entries.has(name)
}

/** rs/cors's matching: exact (case-insensitive), `*`, or one `*` inside a pattern. */
function corsOriginAllowed(origin: string, cors: Allowlist): boolean {
  if (cors.all) return true
  const o = origin.toLowerCase()
  if (cors.entries.has(o)) return true
  for (const pattern of cors.entries) {
    const star = pattern.indexOf('*')
    if (star < 0) continue
    const prefix = pattern.slice(0, star)
    const suffix = pattern.slice(star + 1)
    if (o.length >= prefix.length + suffix.length && o.startsWith(prefix) && o.endsWith(suffix))
      return true
  }
  return false
}

/** What {@link applyCors} asks the caller to do next. */
export type CorsOutcome = 'answered' | 'continue'

/** The subset of node's request and response that CORS needs (keeps this file testable). */
interface CorsRequest {
  readonly method?: string | undefined
  readonly headers: Record<string, string | string[] | undefined>
}
interface CorsResponse {
  setHeader(name: string, value: string | readonly string[]): unknown
  writeHead(status: number): unknown
  end(): unknown
}

const CORS_METHODS = new Set(['POST', 'GET'])

function header(req: CorsRequest, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/**
 * CORS as geth configures rs/cors (methods POST and GET, any request header, max age
 * 600 s): a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here,
 * 200 with the allow headers only when the origin is allowed; an actual request gets
 * `Access-Control-Allow-Origin` only when the origin is allowed, and goes on either way
 * (the browser, not the server, withholds the answer from a page).
 */
export function applyCors(req: CorsRequest, res: CorsResponse, cors: Allowlist): CorsOutcome {
  const origin = header(req, 'origin')
  const requestMethod = header(req, 'access-control-request-method')
  if (req.method === 'OPTIONS' && requestMethod !== undefined && requestMethod !== '') {
    res.setHeader('Vary', [
      'Origin',
      'Access-Control-Request-Method',
      'Access-Control-Request-Headers',
    ])
    if (
      origin !== undefined &&
      origin !== '' &&
      corsOriginAllowed(origin, cors) &&
      CORS_METHODS.has(requestMethod.toUpperCase())
    ) {
      res.setHeader('Access-Control-Allow-Origin', cors.all ? '*' : origin)
      res.setHeader('Access-Control-Allow-Methods', requestMethod.toUpperCase())
      const requested = header(req, 'access-control-request-headers')
      if (requested !== undefined && requested.trim() !== '')
        res.setHeader('Access-Control-Allow-Headers', requested)
      res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS))
    }
    res.writeHead(200)
    res.end()
    return 'answered'
  }
  res.setHeader('Vary', 'Origin')
  if (
    origin !== undefined &&
    origin !== '' &&
    corsOriginAllowed(origin, cors) &&
    CORS_METHODS.has((req.method ?? '').toUpperCase())
  )
    res.setHeader('Access-Control-Allow-Origin', cors.all ? '*' : origin)
  return 'continue'
}

/** geth's WebSocket origins when none are configured: `http://localhost` and `http://<hostname>`. */
export function defaultWsOrigins(): string[] {
  return ['http://localhost', `http://${hostname()}`]
}

/** An origin split as geth's `parseOriginURL`: a rule may leave out scheme or port. */
function originParts(origin: string): { scheme: string; host: string; port: string } {
  const o = origin.toLowerCase()
  const sep = o.indexOf('://')
  const scheme = sep >= 0 ? o.slice(0, sep) : ''
  let rest = sep >= 0 ? o.slice(sep + 3) : o
  const slash = rest.indexOf('/')
  if (slash >= 0) rest = rest.slice(0, slash)
  let host = rest
  let port = ''
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']')
    host = rest.slice(1, end > 0 ? end : undefined)
    if (end > 0 && rest[end + 1] === ':') port = rest.slice(end + 2)
  } else {
    const colon = rest.lastIndexOf(':')
    if (colon >= 0) {
      host = rest.slice(0, colon)
      port = rest.slice(colon + 1)
    }
  }
  return { scheme, host, port }
}

/**
 * Whether a WebSocket upgrade's `Origin` passes, as geth's `wsHandshakeValidator`: no
 * Origin header (not a browser) passes; `*` allows all; otherwise some rule must match
 * in every part it names (scheme, host, port).
 */
export function wsOriginAllowed(origin: string | undefined, origins: Allowlist): boolean {
  if (origin === undefined) return true
  if (origins.all) return true
  const b = originParts(origin)
  for (const rule of origins.entries) {
    const r = originParts(rule)
    if (r.scheme !== '' && r.scheme !== b.scheme) continue
    if (r.host !== '' && r.host !== b.host) continue
    if (r.port !== '' && r.port !== b.port) continue
    return true
  }
  return false
}
