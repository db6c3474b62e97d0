/** Misuse checks for the envelope functions' arguments (they throw; network input never does). */
import { SYM_KEY_BYTES, TOPIC_BYTES } from '../constants.js'

/** @throws TypeError / RangeError when `value` is not a `Uint8Array` of `length` bytes. */
export function assertLength(value: unknown, length: number, name: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  if (value.length !== length)
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`)
}

/** @throws TypeError when `value` is not a `Uint8Array`. */
export function assertBytes(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
}

export function assertTopic(topic: unknown): void {
  assertLength(topic, TOPIC_BYTES, 'topic')
}

export function assertSymKey(key: unknown): void {
  assertLength(key, SYM_KEY_BYTES, 'key')
}
