import type { Clock } from '@devp2p/common'
import { equalBytes } from '@devp2p/crypto'
import {
  DISCONNECT_MSG,
  decodeDisconnect,
  decodeHello,
  encodeHello,
  HELLO_MSG,
  type Hello,
} from './base-protocol.js'
import { BASE_PROTOCOL_VERSION, MAX_HELLO_FRAME_BYTES } from './constants.js'
import { DisconnectReason, disconnectReasonText, P2pError } from './errors.js'
import type { Protocol } from './protocol.js'

/**
 * What the Hello exchange needs of a connection: an RLPx connection has it all. Declared
 * here, narrow, so the exchange is tested over any message pipe.
 */
export interface HelloConn {
  /** The largest frame the connection reads now. */
  readonly maxFrameBytes: number
  setMaxFrameBytes(bytes: number): void
  readMsg(): Promise<{ readonly code: number; readonly payload: Uint8Array }>
  writeMsg(code: number, payload: Uint8Array): Promise<void>
}

/** Our Hello payload: base protocol version 5 (snappy), our capabilities and key. */
export function ourHello(options: {
  readonly name: string
  readonly protocols: readonly Protocol[]
  readonly listenPort: number
  readonly publicKey: Uint8Array
}): Uint8Array {
  return encodeHello({
    version: BASE_PROTOCOL_VERSION,
    name: options.name,
    caps: options.protocols.map((p) => ({ name: p.name, version: p.version })),
    listenPort: options.listenPort,
    id: options.publicKey,
  })
}

/** Options of {@link exchangeHello}. */
export interface HelloExchangeOptions {
  /** Our Hello payload (`encodeHello`). */
  readonly hello: Uint8Array
  readonly clock: Clock
  /** Deadline of the whole exchange: sending ours and reading theirs. */
  readonly timeoutMs: number
}

/**
 * Sends our Hello and reads the peer's, within `timeoutMs`. Until it is done, a frame
 * header declaring more than a Hello ends the connection before the body is read
 * (FRAME_TOO_LARGE), instead of buffering up to 16 MiB; the connection's frame limit is
 * restored after a valid Hello.
 *
 * @throws P2pError `REMOTE_DISCONNECT` (Disconnect instead of Hello), `PROTOCOL_BREACH`
 *   (another message first), `INVALID_HELLO`, `LOCAL_DISCONNECT` with "read timeout"
 *   when the deadline passes; the connection's own error when it fails.
 */
export async function exchangeHello(
  conn: HelloConn,
  options: HelloExchangeOptions,
): Promise<Hello> {
  const { clock, timeoutMs } = options
  let expire: (err: Error) => void = () => {}
  const deadline = new Promise<never>((_, reject) => {
    expire = reject
  })
  const timer = clock.deadline(timeoutMs, () =>
    expire(P2pError.local(DisconnectReason.ReadTimeout, `no hello within ${timeoutMs} ms`)),
  )
  // a rejection nobody awaits any more (the exchange ended first) must not surface
  deadline.catch(() => {})
  const maxFrameBytes = conn.maxFrameBytes
  conn.setMaxFrameBytes(Math.min(MAX_HELLO_FRAME_BYTES, maxFrameBytes))
  try {
    const sent = conn.writeMsg(HELLO_MSG, options.hello)
    const received = conn.readMsg()
    sent.catch(() => {})
    received.catch(() => {})
    const msg = await Promise.race([received, deadline])
    if (msg.code === DISCONNECT_MSG) {
      const reason = decodeDisconnect(msg.payload)
      throw new P2pError('REMOTE_DISCONNECT', disconnectReasonText(reason), { reason })
    }
    if (msg.code !== HELLO_MSG) {
      throw new P2pError('PROTOCOL_BREACH', `expected hello, got message code ${msg.code}`)
    }
    const hello = decodeHello(msg.payload)
    await Promise.race([sent, deadline])
    conn.setMaxFrameBytes(maxFrameBytes)
    return hello
  } finally {
    timer.cancel()
  }
}

/**
 * The identity checks of a received Hello: its node id is a 64-byte public key, not zero,
 * and the key the RLPx handshake authenticated.
 *
 * @throws P2pError `LOCAL_DISCONNECT` with "invalid node identity" or "unexpected identity".
 */
export function checkHelloIdentity(hello: Hello, remotePublicKey: Uint8Array): void {
  if (hello.id.length !== 64 || hello.id.every((b) => b === 0)) {
    throw P2pError.local(DisconnectReason.InvalidIdentity, 'hello carries no valid node id')
  }
  if (!equalBytes(hello.id, remotePublicKey)) {
    throw P2pError.local(DisconnectReason.UnexpectedIdentity, 'hello id differs from the RLPx key')
  }
}
