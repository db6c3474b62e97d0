/**
 * The table's eclipse defence: nodes are grouped by subnet (a /24) and each group may
 * fill only so much of a bucket and of the table (LAN addresses exempt). Counts include
 * replacements, as in geth.
 */
import { ipToBytes, isLan } from '@devp2p/enode'
import { BUCKET_SUBNET_BITS } from './constants.js'
import type { RejectReason, TableNode } from './table-types.js'

/** The result of checking a node's address: its subnet (undefined = exempt) or a reason. */
export type AddressCheck =
  | { ok: true; subnet: string | undefined }
  | { ok: false; reason: RejectReason }

/**
 * The IP-limit group of an address: the first {@link BUCKET_SUBNET_BITS} bits, tagged by
 * family. IPv4-mapped IPv6 addresses count as IPv4 (`ipToBytes` unmaps them).
 */
function subnetOf(bytes: Uint8Array): string {
  const full = BUCKET_SUBNET_BITS >> 3
  const rest = BUCKET_SUBNET_BITS & 7
  const parts: number[] = Array.from(bytes.subarray(0, full))
  if (rest !== 0) parts.push(bytes[full]! & (0xff << (8 - rest)) & 0xff)
  return `${bytes.length === 4 ? 4 : 6}:${parts.join('.')}`
}

/** Whether the table may hold `node` at all (an IP and a UDP port), and its subnet. */
export function checkAddress(node: TableNode): AddressCheck {
  const ip = node.ip
  const bytes = ip === undefined ? undefined : ipToBytes(ip)
  if (ip === undefined || bytes === undefined || bytes.every((b) => b === 0)) {
    return { ok: false, reason: 'rejected:no-ip' }
  }
  const udp = node.udp
  if (udp === undefined || !Number.isInteger(udp) || udp <= 0 || udp > 65535) {
    return { ok: false, reason: 'rejected:no-udp' }
  }
  return { ok: true, subnet: isLan(ip) ? undefined : subnetOf(bytes) }
}

/** The subnet counts of the whole table and of one bucket, with their limits. */
export interface IpCounts {
  /** bounded: one key per slot of the table; subnet → count. */
  readonly table: Map<string, number>
  readonly tableLimit: number
  /** bounded: one key per slot of the bucket; subnet → count. */
  readonly bucket: Map<string, number>
  readonly bucketLimit: number
}

/** Counts an address against the limits, or says which limit refuses it (nothing counted). */
export function takeIp(counts: IpCounts, subnet: string | undefined): RejectReason | undefined {
  if (subnet === undefined) return undefined
  const inTable = counts.table.get(subnet) ?? 0
  if (inTable >= counts.tableLimit) return 'rejected:table-ip-limit'
  const inBucket = counts.bucket.get(subnet) ?? 0
  if (inBucket >= counts.bucketLimit) return 'rejected:bucket-ip-limit'
  counts.table.set(subnet, inTable + 1)
  counts.bucket.set(subnet, inBucket + 1)
  return undefined
}

/** Gives back what {@link takeIp} counted. */
export function releaseIp(counts: IpCounts, subnet: string | undefined): void {
  if (subnet === undefined) return
  decrement(counts.table, subnet)
  decrement(counts.bucket, subnet)
}

/** Moves one count from subnet `from` to `to`; on refusal the old count stays. */
export function moveIp(
  counts: IpCounts,
  from: string | undefined,
  to: string | undefined,
): RejectReason | undefined {
  releaseIp(counts, from)
  const refused = takeIp(counts, to)
  if (refused !== undefined) takeIp(counts, from) // cannot fail: it was just released
  return refused
}

function decrement(map: Map<string, number>, key: string): void {
  const n = map.get(key)
  if (n === undefined) return
  if (n <= 1) map.delete(key)
  else map.set(key, n - 1)
}
