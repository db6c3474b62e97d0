import type { PssReceived } from './subscription.js'
import { stringToTopic } from './topic.js'

/** What the API calls: the part of `Pss` it serves (a structural type, so no import cycle). */
export interface PssApiBackend {
  baseAddr(): Uint8Array
  sendRaw(address: Uint8Array, topic: Uint8Array, payload: Uint8Array): number
  subscribe(topic: Uint8Array): AsyncIterable<PssReceived>
}

/** A received message as the RPC subscription sends it (bytes become 0x-hex on the wire). */
export interface PssRpcMessage {
  readonly from?: Uint8Array
  readonly topic: Uint8Array
  readonly payload: Uint8Array
  readonly raw: boolean
}

/** Bytes from a 0x-prefixed (or bare) hex string. */
function fromHex(name: string, text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`${name} must be a hex string`)
  const digits = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits))
    throw new TypeError(`${name} must be hex bytes (0x…), got ${JSON.stringify(text.slice(0, 80))}`)
  return Uint8Array.from(Buffer.from(digits, 'hex'))
}

/** The rpc spec of {@link PssApi}: parameter names and types, and the subscription. */
export const pssApiSpec = {
  methods: {
    baseAddr: { params: [], description: 'our overlay address (the node id)' },
    stringToTopic: {
      params: [{ name: 'name', schema: { type: 'string' } }],
      description: 'the first 4 bytes of keccak256(name)',
    },
    sendRaw: {
      params: [
        { name: 'address', schema: { type: 'string' } },
        { name: 'topic', schema: { type: 'string' } },
        { name: 'payload', schema: { type: 'string' } },
      ],
      description: 'sends an unencrypted message to an address (0–32 bytes, 0x-hex)',
    },
    receive: {
      params: [{ name: 'topic', schema: { type: 'string' } }],
      subscription: true,
      description: 'pss_subscribe("receive", topic): messages of a topic for us',
    },
  },
} as const

/**
 * The `pss` RPC namespace, as Swarm's pss API names it (hex strings `0x…` for bytes):
 * `pss_baseAddr`, `pss_stringToTopic`, `pss_sendRaw`, and `pss_subscribe("receive", topic)`.
 * Errors in arguments are thrown as `TypeError`/`RangeError` (answered -32000 with the
 * message).
 */
export class PssApi {
  readonly #pss: PssApiBackend

  constructor(pss: PssApiBackend) {
    this.#pss = pss
  }

  /** Our overlay address. */
  baseAddr(): Uint8Array {
    return this.#pss.baseAddr()
  }

  /** The 4-byte topic of a name. */
  stringToTopic(name: string): Uint8Array {
    return stringToTopic(name)
  }

  /** Sends raw; answers `null` (delivery is not confirmed). */
  sendRaw(address: string, topic: string, payload: string): null {
    this.#pss.sendRaw(
      fromHex('address', address),
      fromHex('topic', topic),
      fromHex('payload', payload),
    )
    return null
  }

  /** The subscription: every message of `topic` for us, until the client unsubscribes. */
  receive(topic: string): AsyncIterable<PssRpcMessage> {
    // the rpc server calls return() on unsubscribe or disconnect, which ends it
    return this.#pss.subscribe(fromHex('topic', topic))
  }
}
