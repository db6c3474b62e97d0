import { normalizeIp } from '@devp2p/enode'

/** What a connected `net.Socket` says about its ends; another Duplex may say nothing. */
export interface StreamAddresses {
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
}

/** `ip:port`, `[ip6]:port`, or `''` without an ip. */
export function hostPort(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined || ip === '') return ''
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** The remote IP of a stream in canonical form (`::ffff:1.2.3.4` → `1.2.3.4`), or `''`. */
export function remoteIp(stream: StreamAddresses): string {
  return normalizeIp(stream.remoteAddress ?? '') ?? ''
}

/** Both ends of a stream as `ip:port` text (`''` for an end it does not know). */
export function streamAddresses(stream: StreamAddresses): { local: string; remote: string } {
  return {
    local: hostPort(normalizeIp(stream.localAddress ?? ''), stream.localPort),
    remote: hostPort(remoteIp(stream), stream.remotePort),
  }
}
