import type { Cap } from './base-protocol.js'
import { BASE_PROTOCOL_LENGTH } from './constants.js'

/** What matching needs of a protocol: its capability and how many codes it uses. */
export interface ProtocolCap {
  readonly name: string
  readonly version: number
  /** How many message codes the protocol uses (codes 0 … length − 1). */
  readonly length: number
}

/** A protocol both sides speak, with its code range on this connection. */
export interface MatchedProtocol<P extends ProtocolCap = ProtocolCap> {
  readonly protocol: P
  /** The first wire code of the protocol (≥ 0x10). */
  readonly offset: number
}

/**
 * The shared capabilities of a connection and their code offsets: per name the highest
 * version both sides have, names in sorted order, ranges from 0x10 upward, each as long
 * as the protocol's `length` (devp2p rlpx.md, as go-ethereum's `matchProtocols`).
 */
export function matchProtocols<P extends ProtocolCap>(
  ours: readonly P[],
  theirs: readonly Cap[],
): MatchedProtocol<P>[] {
  const theirSet = new Set(theirs.map((cap) => `${cap.name}/${cap.version}`))
  const best = new Map<string, P>()
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
