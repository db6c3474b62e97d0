import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { generatePrivateKey, isValidPrivateKey, randomBytes } from '@devp2p/crypto'
import { type ConnectionOptions, RlpxConnection, writeCoalesced } from './connection.js'
import {
  ECIES_MIN_PACKET_BYTES,
  HANDSHAKE_TIMEOUT_MS,
  LEGACY_ACK_BYTES,
  LEGACY_AUTH_BYTES,
  MAX_HANDSHAKE_PACKET_BYTES,
} from './constants.js'
import { RlpxError } from './errors.js'
import { FrameCodec } from './frame-codec.js'
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
import { silentLogger } from './logger.js'
import { deriveSecrets } from './secrets.js'
import { type ReadLimits, StreamReader } from './stream-reader.js'

/** Options of both handshake roles. */
export interface HandshakeOptions extends ConnectionOptions {
  /** Our static node key (32 bytes). */
  privateKey: Uint8Array
  /** Aborts the handshake (the stream is destroyed). */
  signal?: AbortSignal
  /** Deadline of the whole auth/ack exchange (default 5 s). */
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
export async function initiatorHandshake(
  stream: Duplex,
  options: InitiatorHandshakeOptions,
): Promise<RlpxConnection> {
  checkOptions(options)
  return run(stream, options, async (reader, limits, keys) => {
    const remotePublicKey = importPublicKey(options.remotePublicKey)
    const auth = authPacket({
      privateKey: options.privateKey,
      remotePublicKey,
      ephemeralPrivateKey: keys.ephemeralPrivateKey,
      nonce: keys.nonce,
    })
    stream.write(auth)
    const { packet, message } = await readHandshakePacket(reader, limits, 'ack', (p, f) =>
      parseAck(options.privateKey, p, f),
    )
    const secrets = deriveSecrets({
      initiator: true,
      ephemeralPrivateKey: keys.ephemeralPrivateKey,
      remoteEphemeralPublicKey: message.ephemeralPublicKey,
      localNonce: keys.nonce,
      remoteNonce: message.nonce,
      authPacket: auth,
      ackPacket: packet,
      remotePublicKey,
    })
    return secrets
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
export async function recipientHandshake(
  stream: Duplex,
  options: HandshakeOptions,
): Promise<RlpxConnection> {
  checkOptions(options)
  return run(stream, options, async (reader, limits, keys) => {
    const { packet, message } = await readHandshakePacket(reader, limits, 'auth', (p, f) =>
      parseAuth(options.privateKey, p, f),
    )
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

async function run(
  stream: Duplex,
  options: HandshakeOptions,
  body: (
    reader: StreamReader,
    limits: ReadLimits,
    keys: Keys,
  ) => Promise<ReturnType<typeof deriveSecrets>>,
): Promise<RlpxConnection> {
  const log = options.logger ?? silentLogger
  const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS
  const keys: Keys = {
    ephemeralPrivateKey: options.ephemeralPrivateKey ?? generatePrivateKey(),
    nonce: options.nonce ?? randomBytes(32),
  }
  if ('setNoDelay' in stream && typeof (stream as Socket).setNoDelay === 'function') {
    ;(stream as Socket).setNoDelay(true)
  }
  const reader = new StreamReader(stream)
  const limits: ReadLimits = {
    deadline: performance.now() + timeoutMs,
    timeoutCode: 'HANDSHAKE_TIMEOUT',
    ...(options.signal ? { signal: options.signal } : {}),
    onAbort: () => new RlpxError('ABORTED', 'handshake aborted', { cause: options.signal?.reason }),
  }
  try {
    if (options.signal?.aborted) throw limits.onAbort!()
    const secrets = await body(reader, limits, keys)
    return new RlpxConnection(
      stream,
      reader,
      new FrameCodec(secrets),
      secrets.remotePublicKey,
      options,
    )
  } catch (err) {
    reader.detach()
    // keep a listener so a late socket error cannot crash the process
    stream.on('error', () => {})
    stream.destroy()
    log.debug(
      { code: err instanceof RlpxError ? err.code : 'UNKNOWN', err: String(err) },
      'rlpx handshake failed',
    )
    throw err
  } finally {
    if (!options.ephemeralPrivateKey) keys.ephemeralPrivateKey.fill(0)
  }
}

/**
 * Reads one auth or ack packet: a legacy packet (fixed size, first byte 0x04, tried
 * first when the first byte says so) or an EIP-8 packet whose size prefix is checked
 * against `MAX_HANDSHAKE_PACKET_BYTES` before anything else is read.
 */
async function readHandshakePacket<M extends AuthMessage | AckMessage>(
  reader: StreamReader,
  limits: ReadLimits,
  kind: 'auth' | 'ack',
  parse: (packet: Uint8Array, format: HandshakeFormat) => M,
): Promise<{ packet: Uint8Array; message: M }> {
  const prefix = await reader.readExactly(2, true, limits)
  let head: Uint8Array = prefix
  if (prefix[0] === 0x04) {
    // A legacy packet starts with the ECIES key's 0x04; an EIP-8 size of 0x04xx is
    // also possible, so fall back to EIP-8 when the legacy decryption fails.
    const legacyBytes = kind === 'auth' ? LEGACY_AUTH_BYTES : LEGACY_ACK_BYTES
    // bounded: a legacy packet is a fixed 307 (auth) or 210 (ack) bytes
    const rest = await reader.readExactly(legacyBytes - 2, false, limits)
    head = joined(prefix, rest)
    try {
      return { packet: head, message: parse(head, 'legacy') }
    } catch (err) {
      if (!(err instanceof RlpxError) || err.code !== 'HANDSHAKE_DECRYPT_FAILED') throw err
    }
  }
  const size = (prefix[0]! << 8) | prefix[1]!
  if (size > MAX_HANDSHAKE_PACKET_BYTES) {
    throw new RlpxError(
      'HANDSHAKE_TOO_LARGE',
      `${kind} size prefix ${size} exceeds ${MAX_HANDSHAKE_PACKET_BYTES}`,
    )
  }
  if (size < ECIES_MIN_PACKET_BYTES) {
    throw new RlpxError('INVALID_HANDSHAKE', `${kind} size prefix ${size} is too small`)
  }
  // bounded: size ≤ MAX_HANDSHAKE_PACKET_BYTES (2048) was checked above, before this read
  const rest = await reader.readExactly(size + 2 - head.length, false, limits)
  const packet = joined(head, rest)
  return { packet, message: parse(packet, 'eip8') }
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
