/**
 * Where TXT records come from: any {@link DnsResolver}, by default the system's DNS
 * through `node:dns/promises` (`systemResolver`), optionally pointed at given servers.
 */
import { Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'

/** A source of TXT records (a fake one in tests, a DNS-over-HTTPS client, ...). */
export interface DnsResolver {
  /**
   * The TXT records at `name`, each record's strings joined into one text; `[]` when the
   * name does not exist or has no TXT record. Rejects on any other failure. Should stop
   * (and reject) when `signal` aborts.
   */
  resolveTxt(name: string, options: { signal: AbortSignal }): Promise<string[]>
}

/** Options of {@link systemResolver}. */
export interface SystemResolverOptions {
  /**
   * DNS servers to ask, `'ip'` or `'ip:port'` (`'[ipv6]:port'`), e.g. `['127.0.0.1:5353']`;
   * default the system's (`/etc/resolv.conf`).
   */
  readonly servers?: readonly string[]
  /** The first try's timeout in ms (c-ares doubles it per retry); default 1 s. */
  readonly tryTimeoutMs?: number
  /** Tries per server; default 3. */
  readonly tries?: number
}

/** Node's codes for "no such name" and "no TXT record at that name". */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA'])

/**
 * A resolver on `node:dns/promises` (c-ares). Each query gets its own `Resolver`, so
 * aborting one query cancels only that one. Nothing is read or opened until the first
 * query.
 *
 * @throws RangeError when a server is not an IP address with an optional port.
 */
export function systemResolver(options: SystemResolverOptions = {}): DnsResolver {
  const servers = options.servers === undefined ? undefined : [...options.servers]
  for (const server of servers ?? []) checkServer(server)
  return {
    async resolveTxt(name, { signal }) {
      const resolver = new Resolver({
        timeout: options.tryTimeoutMs ?? 1_000,
        tries: options.tries ?? 3,
      })
      if (servers !== undefined) resolver.setServers(servers)
      const cancel = (): void => resolver.cancel()
      signal.addEventListener('abort', cancel, { once: true })
      try {
        const records = await resolver.resolveTxt(name)
        return records.map((strings) => strings.join(''))
      } catch (err) {
        if (ABSENT.has((err as { code?: unknown }).code as string)) return []
        throw err
      } finally {
        signal.removeEventListener('abort', cancel)
      }
    },
  }
}

/** `ip`, `ipv4:port` or `[ipv6]:port`, as `setServers` takes them. */
function checkServer(server: string): void {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server)
  const withPort = /^([^:]+):(\d{1,5})$/.exec(server)
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : withPort
      ? [withPort[1]!, withPort[2]]
      : [server, undefined]
  if (isIP(host) === 0 || (port !== undefined && Number(port) > 65535)) {
    throw new RangeError(`not a DNS server address (ip or ip:port): ${JSON.stringify(server)}`)
  }
}
