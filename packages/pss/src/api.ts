import { PssError } from './errors.js'
import type { PssReceived } from './subscription.js'
import { stringToTopic } from './topic.js'

/** What the API calls: the part of `Pss` it serves (a structural type, so no import cycle). */
export interface PssApiBackend {
  baseAddr(): Uint8Array
  publicKey(): Uint8Array
  sendRaw(address: Uint8Array, topic: Uint8Array, payload: Uint8Array): number
  sendAsym(publicKey: Uint8Array, topic: Uint8Array, payload: Uint8Array): number
  sendSym(keyId: string, topic: Uint8Array, payload: Uint8Array): number
  setPeerPublicKey(publicKey: Uint8Array, topic: Uint8Array, address: Uint8Array): void
  addSymKey(key: Uint8Array, options: { topic?: Uint8Array; peer?: Uint8Array }): string
  symKey(keyId: string): Uint8Array | undefined
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
    getPublicKey: { params: [], description: 'our public key (64 bytes), what others encrypt to' },
    setPeerPublicKey: {
      params: [
        { name: 'publicKey', schema: { type: 'string' } },
        { name: 'topic', schema: { type: 'string' } },
        { name: 'address', schema: { type: 'string' } },
      ],
      description: 'where messages to that key on that topic go (0–32 bytes of its node id)',
    },
    sendAsym: {
      params: [
        { name: 'publicKey', schema: { type: 'string' } },
        { name: 'topic', schema: { type: 'string' } },
        { name: 'payload', schema: { type: 'string' } },
      ],
      description: 'sends a message encrypted to a public key and signed by us',
    },
    sendSym: {
      params: [
        { name: 'keyId', schema: { type: 'string' } },
        { name: 'topic', schema: { type: 'string' } },
        { name: 'payload', schema: { type: 'string' } },
      ],
      description: 'sends a message encrypted with a stored symmetric key and signed by us',
    },
    setSymmetricKey: {
      params: [
        { name: 'key', schema: { type: 'string' } },
        { name: 'topic', schema: { type: 'string' } },
      ],
      description: 'stores a 32-byte symmetric key for a topic; answers its id',
    },
    getSymmetricKey: {
      params: [{ name: 'keyId', schema: { type: 'string' } }],
      description: 'the symmetric key with that id',
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
 * `pss_baseAddr`, `pss_getPublicKey`, `pss_stringToTopic`, `pss_setPeerPublicKey`,
 * `pss_sendRaw`, `pss_sendAsym`, `pss_sendSym`, `pss_setSymmetricKey`,
 * `pss_getSymmetricKey`, and `pss_subscribe("receive", topic)`.
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

  /** Our public key (64 bytes). */
  getPublicKey(): Uint8Array {
    return this.#pss.publicKey()
  }

  /** Where messages to `publicKey` on `topic` go; answers `null`. */
  setPeerPublicKey(publicKey: string, topic: string, address: string): null {
    this.#pss.setPeerPublicKey(
      fromHex('publicKey', publicKey),
      fromHex('topic', topic),
      fromHex('address', address),
    )
    return null
  }

  /** Sends encrypted to a public key; answers `null` (delivery is not confirmed). */
  sendAsym(publicKey: string, topic: string, payload: string): null {
    this.#pss.sendAsym(
      fromHex('publicKey', publicKey),
      fromHex('topic', topic),
      fromHex('payload', payload),
    )
    return null
  }

  /** Sends encrypted with a stored symmetric key; answers `null`. */
  sendSym(keyId: string, topic: string, payload: string): null {
    if (typeof keyId !== 'string') throw new TypeError('keyId must be a string')
    this.#pss.sendSym(keyId, fromHex('topic', topic), fromHex('payload', payload))
    return null
  }

  /** Stores a symmetric key for `topic`; answers its id. */
  setSymmetricKey(key: string, topic: string): string {
    return this.#pss.addSymKey(fromHex('key', key), { topic: fromHex('topic', topic) })
  }

  /** The symmetric key with that id (`PssError` `NO_SYM_KEY` when unknown or expired). */
  getSymmetricKey(keyId: string): Uint8Array {
    if (typeof keyId !== 'string') throw new TypeError('keyId must be a string')
    const key = this.#pss.symKey(keyId)
    if (key === undefined) throw new PssError('NO_SYM_KEY', `no symmetric key ${keyId}`)
    return key
  }

  /** The subscription: every message of `topic` for us, until the client unsubscribes. */
  receive(topic: string): AsyncIterable<PssRpcMessage> {
    // the rpc server calls return() on unsubscribe or disconnect, which ends it
    return this.#pss.subscribe(fromHex('topic', topic))
  }
}
