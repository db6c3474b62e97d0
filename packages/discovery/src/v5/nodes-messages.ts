/**
 * NODES answers: a FINDNODE answer split into messages that each fit one packet, and the
 * records of a received answer verified.
 */
import { Enr, EnrError } from '@devp2p/enode'
import {
  MAX_NODES_MESSAGES,
  MAX_NODES_RECORDS,
  MAX_REQUEST_ID_BYTES,
  NODES_RECORD_BYTES_PER_MESSAGE,
} from './constants.js'
import type { NodesMessage } from './message-types.js'

/**
 * Packs the answer to a FINDNODE into NODES messages: the first 16 records
 * (`MAX_NODES_RECORDS`), in order, each message filled while its records fit one packet,
 * at most 5 messages (`MAX_NODES_MESSAGES`); a record that fits in none of them is left
 * out. Always at least one message (an empty answer is one NODES with no records); every
 * message's `total` is the number of messages.
 *
 * @param requestId the FINDNODE's request id (at most 8 bytes).
 * @throws {RangeError} when `requestId` is longer than 8 bytes.
 */
export function nodesMessages(requestId: Uint8Array, records: readonly Enr[]): NodesMessage[] {
  if (requestId.length > MAX_REQUEST_ID_BYTES) {
    throw new RangeError(`requestId must be at most ${MAX_REQUEST_ID_BYTES} bytes`)
  }
  const groups: Uint8Array[][] = [[]]
  let used = 0
  for (const record of records.slice(0, MAX_NODES_RECORDS)) {
    const bytes = record.encode()
    if (used + bytes.length > NODES_RECORD_BYTES_PER_MESSAGE) {
      if (groups.length === MAX_NODES_MESSAGES) continue // a smaller record may still fit
      groups.push([])
      used = 0
    }
    groups[groups.length - 1]!.push(bytes)
    used += bytes.length
  }
  return groups.map((group) => ({
    type: 'nodes',
    requestId,
    total: groups.length,
    records: group,
  }))
}

/**
 * The records of a NODES message that answers a request of ours, decoded and verified
 * (EIP-778: at most 300 bytes, "v4" scheme, a valid signature). Records that fail are
 * left out and counted, as discv4's unusable Neighbors entries are: one bad record does
 * not spoil the others. Checking that the records lie at the requested distances, and
 * relay-address rules, is the caller's next step.
 *
 * @returns the valid records in order, and how many were skipped.
 */
export function verifyNodesRecords(message: Pick<NodesMessage, 'records'>): {
  records: Enr[]
  skipped: number
} {
  const records: Enr[] = []
  let skipped = 0
  for (const bytes of message.records) {
    try {
      records.push(Enr.decode(bytes))
    } catch (err) {
      if (!(err instanceof EnrError)) throw err
      skipped++
    }
  }
  return { records, skipped }
}
