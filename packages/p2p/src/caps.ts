import { BASE_PROTOCOL_LENGTH, type Cap } from './base-protocol.js'
import type { Protocol } from './protocol.js'

/** A protocol both sides speak, with its code range on this connection. */
export interface MatchedProtocol {
  readonly protocol: Protocol
  /** The first wire code of the protocol (≥ 0x10). */
  readonly offset: number
}

/**
 * The shared capabilities of a connection and their code offsets: per name the highest
 * version both sides have, names in sorted order, ranges from 0x10 upward, each as long
 * as the protocol's `length` (devp2p rlpx.md, as go-ethereum's `matchProtocols`).
 */
export function matchProtocols(
  ours: readonly Protocol[],
  theirs: readonly Cap[],
): MatchedProtocol[] {
  const theirSet = new Set(theirs.map((cap) => `${cap.name}/${cap.version}`))
  const best = new Map<string, Protocol>()
  for (const protocol of ours) {
    if (!theirSet.has(`${protocol.name}/${protocol.version}`)) continue
    const current = best.get(protocol.name)
    if (current === undefined || protocol.version > current.version)
      best.set(protocol.name, protocol)
  }
  // byte order of the UTF-8 names, as geth sorts Go strings
  const names = [...best.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  let offset = BASE_PROTOCOL_LENGTH
  return names.map((name) => {
    const protocol = best.get(name)!
    const matched = { protocol, offset }
    offset += protocol.length
    return matched
  })
}

/** `name/version` text of a capability, as geth prints it (`eth/68`). */
export function capString(cap: Cap): string {
  return `${cap.name}/${cap.version}`
}
