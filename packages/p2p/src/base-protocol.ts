import { decode, encode, fromRlp, RlpError, type RlpValue, t } from '@devp2p/rlp'
import { MAX_HELLO_BYTES } from './constants.js'
import { DisconnectReason, P2pError, toDisconnectReason } from './errors.js'

export const HELLO_MSG = 0x00
export const DISCONNECT_MSG = 0x01
export const PING_MSG = 0x02
export const PONG_MSG = 0x03

/** A capability: a protocol name and version, e.g. `eth/68`. */
export interface Cap {
  readonly name: string
  readonly version: number
}

/** The p2p Hello message. */
export interface Hello {
  /** The sender's base protocol version. */
  readonly version: number
  /** The client's name, e.g. `Geth/v1.14.0-stable/linux-amd64/go1.22`. */
  readonly name: string
  readonly caps: readonly Cap[]
  /** The TCP port the sender listens on (0 when it does not; informational). */
  readonly listenPort: number
  /** The sender's public key, 64 bytes x ‖ y. */
  readonly id: Uint8Array
}

const lenient = new TextDecoder('utf-8', { fatal: false })
const utf8 = new TextEncoder()

// Versions and ports are read as bigints so a huge value is ignored, not a breach.
const helloSchema = t.struct(
  'hello',
  {
    version: t.bigint,
    name: t.bytes,
    caps: t.list(t.tuple(t.bytes, t.bigint, { extra: 'ignore' })),
    listenPort: t.bigint,
    id: t.bytes,
  },
  { extra: 'ignore' },
)

const U32 = 0xffff_ffffn

/** Encodes a Hello (never compressed on the wire). */
export function encodeHello(hello: Hello): Uint8Array {
  return encode([
    hello.version,
    utf8.encode(hello.name),
    hello.caps.map((cap) => [utf8.encode(cap.name), cap.version]),
    hello.listenPort,
    hello.id,
  ])
}

/**
 * Decodes a peer's Hello. Extra list items are ignored (EIP-8); capability versions
 * beyond 2^32 − 1 are dropped (nothing can match them); names are read as UTF-8 with
 * replacement characters. The identity is checked by the caller.
 *
 * @throws P2pError `INVALID_HELLO` when the payload is too large or not a Hello.
 */
export function decodeHello(payload: Uint8Array): Hello {
  if (payload.length > MAX_HELLO_BYTES) {
    throw new P2pError(
      'INVALID_HELLO',
      `hello of ${payload.length} bytes exceeds ${MAX_HELLO_BYTES}`,
    )
  }
  try {
    const value = fromRlp(helloSchema, decode(payload))
    const caps: Cap[] = []
    for (const [name, version] of value.caps) {
      if (version <= U32) caps.push({ name: lenient.decode(name), version: Number(version) })
    }
    return {
      version: value.version > U32 ? Number(U32) : Number(value.version),
      name: lenient.decode(value.name),
      caps,
      listenPort: value.listenPort > 0xffffn ? 0 : Number(value.listenPort),
      id: value.id,
    }
  } catch (err) {
    if (err instanceof RlpError) {
      throw new P2pError('INVALID_HELLO', `malformed hello: ${err.message}`, { cause: err })
    }
    throw err
  }
}

/** The payload of a Disconnect: `[reason]`. */
export function encodeDisconnect(reason: DisconnectReason): Uint8Array {
  return encode([reason === DisconnectReason.Invalid ? DisconnectReason.Requested : reason])
}

function reasonOf(value: RlpValue | undefined): DisconnectReason {
  if (!(value instanceof Uint8Array) || value.length > 1) return DisconnectReason.Invalid
  if (value.length === 0) return DisconnectReason.Requested
  // a lone 0x00 byte is a non-canonical 0 (canonical: 0x80); geth decodes it as invalid
  if (value[0] === 0) return DisconnectReason.Invalid
  return toDisconnectReason(value[0]!)
}

/**
 * Decodes a Disconnect payload: `[reason]` (the spec) or a bare integer (older clients).
 * Anything else, including unknown reasons, gives `DisconnectReason.Invalid`; never throws.
 */
export function decodeDisconnect(payload: Uint8Array): DisconnectReason {
  let value: RlpValue
  try {
    value = decode(payload)
  } catch {
    return DisconnectReason.Invalid
  }
  return reasonOf(Array.isArray(value) ? value[0] : value)
}

/**
 * Whether `payload` is a well-formed Disconnect: whole RLP, `[reason, ...]` or a bare
 * integer, the reason at most one byte (its value may still be unknown). For bytes whose
 * meaning is in doubt, such as a Disconnect that failed to decompress.
 */
export function isDisconnectPayload(payload: Uint8Array): boolean {
  let value: RlpValue
  try {
    value = decode(payload)
  } catch {
    return false
  }
  const reason = Array.isArray(value) ? value[0] : value
  return reason === undefined || (reason instanceof Uint8Array && reason.length <= 1)
}

/** The payload of Ping and Pong: an empty list. */
export const EMPTY_LIST = Uint8Array.of(0xc0)
