import { keccak256 } from '@devp2p/crypto'
import { TOPIC_BYTES } from './constants.js'

/**
 * The 4-byte topic of a name: the first 4 bytes of keccak256 of its UTF-8 bytes, as
 * Swarm's `pss_stringToTopic`.
 *
 * @example
 * ```ts
 * stringToTopic('chat') // Uint8Array(4)
 * ```
 * @throws TypeError when `name` is not a string.
 */
export function stringToTopic(name: string): Uint8Array {
  if (typeof name !== 'string') throw new TypeError('a topic name must be a string')
  return keccak256(new TextEncoder().encode(name)).slice(0, TOPIC_BYTES)
}
