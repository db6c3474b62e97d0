/**
 * The answer to a FINDNODE split into NODES messages that each fit one packet.
 */
import type { Enr } from '@devp2p/enode'
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
  const groups: Enr[][] = [[]]
  let used = 0
  for (const record of records.slice(0, MAX_NODES_RECORDS)) {
    const size = record.size
    if (used + size > NODES_RECORD_BYTES_PER_MESSAGE) {
      if (groups.length === MAX_NODES_MESSAGES) continue // a smaller record may still fit
      groups.push([])
      used = 0
    }
    groups[groups.length - 1]!.push(record)
    used += size
  }
  return groups.map((group) => ({
    type: 'nodes',
    requestId,
    total: groups.length,
    records: group,
  }))
}
