/** Counters of one discovery v4 service, shared by its parts. */

/** Counters for monitoring and benchmarks. */
export interface Discv4Stats {
  packetsIn: number
  packetsOut: number
  bytesIn: number
  bytesOut: number
  /** Packets dropped because they did not decode or verify. */
  invalid: number
  /** Packets dropped for a rule: expired, unsolicited, no bond, rate. */
  ignored: number
  /** Requests that got no (complete) reply in time. */
  timeouts: number
  /** Bonds we waited for in vain: the node did not ping us back in time. */
  bondWaitsExpired: number
}

/** All counters at 0. */
export function emptyStats(): Discv4Stats {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    invalid: 0,
    ignored: 0,
    timeouts: 0,
    bondWaitsExpired: 0,
  }
}
