/** A listen address split into host and port; `host` is undefined for "every address". */
export interface ListenAddr {
  readonly host: string | undefined
  readonly port: number
}

/**
 * Parses a listen address as geth's flags write it: `host:port`, `[v6]:port`, or
 * `:port` for every address; port 0 asks for any free port.
 *
 * @example
 * ```ts
 * parseListenAddr(':30303')            // { host: undefined, port: 30303 }
 * parseListenAddr('[::1]:0')           // { host: '::1', port: 0 }
 * ```
 * @throws TypeError for anything else.
 */
export function parseListenAddr(addr: string): ListenAddr {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr)
  const port = match ? Number(match[3]) : Number.NaN
  if (!match || port > 65535) {
    throw new TypeError(
      `listen address must be host:port, e.g. 127.0.0.1:30303 or :30303, got "${addr}"`,
    )
  }
  const host = match[1] ?? match[2]
  return { host: host === '' ? undefined : host, port }
}
