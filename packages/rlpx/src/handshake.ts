import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type Deadline, silentLogger, systemClock } from '@devp2p/common'
import { generatePrivateKey, isValidPrivateKey, randomBytes } from '@devp2p/crypto'
import { createConnection, type RlpxConnection } from './connection.js'
import type { ConnectionOptions } from './connection-types.js'
import {
  ECIES_MIN_PACKET_BYTES,
  HANDSHAKE_TIMEOUT_MS,
  LEGACY_ACK_BYTES,
  LEGACY_AUTH_BYTES,
  MAX_HANDSHAKE_PACKET_BYTES,
} from './constants.js'
import { RlpxError } from './errors.js'
import { FrameCodec } from './frame-codec.js'
import { writeCoalesced } from './frame-writer.js'
import {
  type AckMessage,
  type AuthMessage,
  ackPacket,
  authPacket,
  type HandshakeFormat,
  importPublicKey,
  parseAck,
  parseAuth,
} from './handshake-messages.js'
import { deriveSecrets, type Secrets } from './secrets.js'
import { StreamReader } from './stream-reader.js'

/** Options of both handshake roles. */
export interface HandshakeOptions extends ConnectionOptions {
  /** Our static node key (32 bytes). */
  privateKey: Uint8Array
  /** Aborts the handshake (the stream is destroyed). */
  signal?: AbortSignal
  /** Deadline of the whole auth/ack exchange, on `clock` (default 5 s). */
  timeoutMs?: number
  /** For tests only: a fixed ephemeral key instead of a fresh one. */
  ephemeralPrivateKey?: Uint8Array
  /** For tests only: a fixed 32-byte nonce instead of a fresh one. */
  nonce?: Uint8Array
}

/** Options of {@link initiatorHandshake}. */
export interface InitiatorHandshakeOptions extends HandshakeOptions {
  /** The static public key of the node we dial (33, 64 or 65 bytes; validated). */
  remotePublicKey: Uint8Array
}

/**
 * Runs the initiator side of the RLPx handshake over `stream` (a connected `net.Socket`
 * or any Duplex): sends an EIP-8 auth, reads the ack (EIP-8 or legacy) and returns the
 * encrypted connection. Sets `noDelay` on TCP sockets.
 *
 * On any failure the stream is destroyed before the promise rejects.
 *
 * @throws TypeError when `privateKey` is not a valid private key (misuse).
 * @throws RlpxError `HANDSHAKE_TIMEOUT`, `ABORTED`, `HANDSHAKE_TOO_LARGE`,
 *   `HANDSHAKE_DECRYPT_FAILED`, `INVALID_HANDSHAKE`, `INVALID_PUBLIC_KEY`,
 *   `CONNECTION_CLOSED`, `UNEXPECTED_EOF` or `SOCKET_ERROR`.
 */
export function initiatorHandshake(
  stream: Duplex,
  options: InitiatorHandshakeOptions,
): Promise<RlpxConnection> {
  let remotePublicKey: Uint8Array
  let auth: Uint8Array
  return handshake(stream, options, {
    packet: 'ack',
    start(keys) {
      remotePublicKey = importPublicKey(options.remotePublicKey)
      auth = authPacket({
        privateKey: options.privateKey,
        remotePublicKey,
        ephemeralPrivateKey: keys.ephemeralPrivateKey,
        nonce: keys.nonce,
      })
      stream.write(auth)
    },
    parse: (packet, format) => parseAck(options.privateKey, packet, format),
    finish: (packet, message, keys) =>
      deriveSecrets({
        initiator: true,
        ephemeralPrivateKey: keys.ephemeralPrivateKey,
        remoteEphemeralPublicKey: message.ephemeralPublicKey,
        localNonce: keys.nonce,
        remoteNonce: message.nonce,
        authPacket: auth,
        ackPacket: packet,
        remotePublicKey,
      }),
  })
}

/**
 * Runs the recipient side of the RLPx handshake over an accepted `stream`: reads the
 * auth (EIP-8 or legacy), answers with an ack in the same format and returns the
 * encrypted connection; `remotePublicKey` says who connected.
 *
 * @throws TypeError when `privateKey` is not a valid private key (misuse).
 * @throws RlpxError as {@link initiatorHandshake}, plus `INVALID_SIGNATURE`.
 */
export function recipientHandshake(
  stream: Duplex,
  options: HandshakeOptions,
): Promise<RlpxConnection> {
  return handshake(stream, options, {
    packet: 'auth',
    start() {},
    parse: (packet, format) => parseAuth(options.privateKey, packet, format),
    finish(packet, message, keys) {
      const ack = ackPacket({
        remotePublicKey: message.publicKey,
        ephemeralPrivateKey: keys.ephemeralPrivateKey,
        nonce: keys.nonce,
        format: message.format,
      })
      // Coalesced: the caller's first message (Hello) usually follows in this tick.
      writeCoalesced(stream, ack)
      return deriveSecrets({
        initiator: false,
        ephemeralPrivateKey: keys.ephemeralPrivateKey,
        remoteEphemeralPublicKey: message.ephemeralPublicKey,
        localNonce: keys.nonce,
        remoteNonce: message.nonce,
        authPacket: packet,
        ackPacket: ack,
        remotePublicKey: message.publicKey,
      })
    },
  })
}

function checkOptions(options: HandshakeOptions): void {
  if (!(options.privateKey instanceof Uint8Array) || !isValidPrivateKey(options.privateKey)) {
    throw new TypeError('privateKey must be a valid 32-byte secp256k1 private key')
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new RangeError('timeoutMs must be a positive number')
  }
}

type Keys = { ephemeralPrivateKey: Uint8Array; nonce: Uint8Array }

/** What differs between the two roles. */
interface Role<M extends AuthMessage | AckMessage> {
  /** The packet this role reads. */
  packet: 'auth' | 'ack'
  /** Before anything is read (the initiator sends its auth). */
  start(keys: Keys): void
  parse(packet: Uint8Array, format: HandshakeFormat): M
  /** After the packet is read: the secrets (the recipient sends its ack first). */
  finish(packet: Uint8Array, message: M, keys: Keys): Secrets
}

/**
 * One handshake as a state machine driven by the stream: each time bytes arrive, the
 * packet is read as far as it goes (no promise per read), and one deadline covers the
 * whole exchange. Settles once: with the connection, or with the first error after
 * destroying the stream.
 */
function handshake<M extends AuthMessage | AckMessage>(
  stream: Duplex,
  options: HandshakeOptions,
  role: Role<M>,
): Promise<RlpxConnection> {
  try {
    checkOptions(options)
  } catch (err) {
    return Promise.reject(err)
  }
  return new Promise<RlpxConnection>((resolve, reject) => {
    const keys: Keys = {
      ephemeralPrivateKey: options.ephemeralPrivateKey ?? generatePrivateKey(),
      nonce: options.nonce ?? randomBytes(32),
    }
    const { signal } = options
    if ('setNoDelay' in stream && typeof (stream as Socket).setNoDelay === 'function') {
      ;(stream as Socket).setNoDelay(true)
    }
    const reader = new StreamReader(stream)
    const packet = new PacketReader(reader, role.packet, role.parse)
    let settled = false
    let deadline: Deadline | undefined
    const settle = (err: unknown, connection?: RlpxConnection): void => {
      if (settled) return
      settled = true
      deadline?.cancel()
      signal?.removeEventListener('abort', onAbort)
      reader.wait(undefined)
      if (!options.ephemeralPrivateKey) keys.ephemeralPrivateKey.fill(0)
      if (connection !== undefined) {
        resolve(connection)
        return
      }
      reader.detach()
      // keep a listener so a late socket error cannot crash the process
      stream.on('error', noop)
      stream.destroy()
      const log = options.logger ?? silentLogger
      log.debug(
        { code: err instanceof RlpxError ? err.code : 'UNKNOWN', err: String(err) },
        'rlpx handshake failed',
      )
      reject(err)
    }
    const onAbort = (): void =>
      settle(new RlpxError('ABORTED', 'handshake aborted', { cause: signal?.reason }))
    const complete = (packet: Uint8Array, message: M): void => {
      if (settled) return // aborted in between
      try {
        const secrets = role.finish(packet, message, keys)
        settle(
          undefined,
          createConnection(
            stream,
            reader,
            new FrameCodec(secrets),
            secrets.remotePublicKey,
            options,
          ),
        )
      } catch (err) {
        settle(err)
      }
    }
    const step = (): void => {
      let got: { packet: Uint8Array; message: M } | null
      try {
        got = packet.read()
      } catch (err) {
        settle(err)
        return
      }
      if (got === null) {
        reader.wait(step)
        return
      }
      // The rest runs as a microtask. Bytes arrive in a process tick ('readable'), and the
      // ack's coalescing window closes at a later tick (see writeCoalesced): only from a
      // microtask does it close after the caller's own microtasks, which write the first
      // message (Hello) on resolution, so that the two leave in one write.
      const { packet: bytes, message } = got
      queueMicrotask(() => complete(bytes, message))
    }
    if (signal?.aborted) return onAbort()
    // the deadline counts from the start, before the initiator's auth is built
    const clock = options.clock ?? systemClock
    deadline = clock.deadline(options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS, () =>
      settle(new RlpxError('HANDSHAKE_TIMEOUT', 'no complete handshake within the deadline')),
    )
    try {
      role.start(keys)
    } catch (err) {
      return settle(err)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    step()
  })
}

const noop = (): void => {}

/**
 * Reads one auth or ack packet as its bytes arrive: a legacy packet (fixed size, first
 * byte 0x04, tried first when the first byte says so) or an EIP-8 packet whose size
 * prefix is checked against `MAX_HANDSHAKE_PACKET_BYTES` before anything else is read.
 */
class PacketReader<M extends AuthMessage | AckMessage> {
  readonly #reader: StreamReader
  readonly #kind: 'auth' | 'ack'
  readonly #parse: (packet: Uint8Array, format: HandshakeFormat) => M
  /** The bytes read so far: nothing, the size prefix, or a failed legacy packet. */
  #head: Uint8Array | undefined
  /** The legacy read was tried (the prefix starts with 0x04) and failed to decrypt. */
  #legacyTried = false

  constructor(
    reader: StreamReader,
    kind: 'auth' | 'ack',
    parse: (packet: Uint8Array, format: HandshakeFormat) => M,
  ) {
    this.#reader = reader
    this.#kind = kind
    this.#parse = parse
  }

  /**
   * The packet and its message once all of it is here, else `null` (call again when
   * more bytes arrive).
   *
   * @throws RlpxError for a packet that is too large, too small, cut short or invalid.
   */
  read(): { packet: Uint8Array; message: M } | null {
    const reader = this.#reader
    if (this.#head === undefined) {
      const prefix = reader.tryRead(2, true)
      if (prefix === null) return null
      this.#head = prefix
    }
    let head = this.#head
    if (head[0] === 0x04 && !this.#legacyTried) {
      // A legacy packet starts with the ECIES key's 0x04; an EIP-8 size of 0x04xx is
      // also possible, so fall back to EIP-8 when the legacy decryption fails.
      const legacyBytes = this.#kind === 'auth' ? LEGACY_AUTH_BYTES : LEGACY_ACK_BYTES
      // bounded: a legacy packet is a fixed 307 (auth) or 210 (ack) bytes
      const rest = reader.tryRead(legacyBytes - 2, false)
      if (rest === null) return null
      head = joined(head, rest)
      this.#head = head
      this.#legacyTried = true
      try {
        return { packet: head, message: this.#parse(head, 'legacy') }
      } catch (err) {
        if (!(err instanceof RlpxError) || err.code !== 'HANDSHAKE_DECRYPT_FAILED') throw err
      }
    }
    const size = (head[0]! << 8) | head[1]!
    if (size > MAX_HANDSHAKE_PACKET_BYTES) {
      throw new RlpxError(
        'HANDSHAKE_TOO_LARGE',
        `${this.#kind} size prefix ${size} exceeds ${MAX_HANDSHAKE_PACKET_BYTES}`,
      )
    }
    if (size < ECIES_MIN_PACKET_BYTES) {
      throw new RlpxError('INVALID_HANDSHAKE', `${this.#kind} size prefix ${size} is too small`)
    }
    // bounded: size ≤ MAX_HANDSHAKE_PACKET_BYTES (2048) was checked above, before this read
    const rest = reader.tryRead(size + 2 - head.length, false)
    if (rest === null) return null
    const packet = joined(head, rest)
    return { packet, message: this.#parse(packet, 'eip8') }
  }
}

/**
 * `a ‖ b`: one view when `b` follows `a` in the same chunk (a packet that arrived in one
 * piece), else a copy. Both are the caller's (see StreamReader), and so is the result.
 */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) {
    return new Uint8Array(a.buffer, a.byteOffset, a.length + b.length)
  }
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
