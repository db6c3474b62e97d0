/** Counters of one discovery v5 service, shared by its parts. */

/** Counters for monitoring and benchmarks. */
export interface Discv5Stats {
  packetsIn: number
  packetsOut: number
  bytesIn: number
  bytesOut: number
  /** Packets dropped because they did not decode, decrypt or verify (a failed handshake too). */
  invalid: number
  /**
   * Packets and messages dropped for a rule: unsolicited responses and WHOAREYOUs, a
   * handshake without a live challenge, a TALKREQ beyond the handlers' limit.
   */
  ignored: number
  /** Requests that got no (complete) response in time. */
  timeouts: number
  /** WHOAREYOU challenges sent (repeated ones included). */
  whoareyouSent: number
  /** Handshakes completed: ones we answered (as initiator) and ones we accepted. */
  handshakes: number
}

/** All counters at 0. */
export function emptyStats(): Discv5Stats {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    invalid: 0,
    ignored: 0,
    timeouts: 0,
    whoareyouSent: 0,
    handshakes: 0,
  }
}
