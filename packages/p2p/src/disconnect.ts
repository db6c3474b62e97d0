import type { Clock } from '@devp2p/common'
import { RlpxError } from '@devp2p/rlpx'
import {
  DISCONNECT_MSG,
  decodeDisconnect,
  encodeDisconnect,
  isDisconnectPayload,
} from './base-protocol.js'
import { DISCONNECT_WRITE_TIMEOUT_MS } from './constants.js'
import { type DisconnectReason, disconnectReasonText, P2pError } from './errors.js'
import type { Transport } from './transport.js'

/**
 * @internal Sends Disconnect with `reason`, giving it {@link DISCONNECT_WRITE_TIMEOUT_MS}
 * on `clock` to leave (a peer that stopped reading must not hold up the close). Resolves
 * either way; never rejects.
 */
export function sendDisconnect(
  conn: Transport,
  reason: DisconnectReason,
  clock: Clock,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const deadline = clock.deadline(DISCONNECT_WRITE_TIMEOUT_MS, resolve)
    const done = (): void => {
      deadline.cancel()
      resolve()
    }
    let written: Promise<void>
    try {
      written = conn.writeMsg(DISCONNECT_MSG, encodeDisconnect(reason))
    } catch {
      done()
      return
    }
    written.then(done, done)
  })
}

/** @internal The error a received Disconnect ends the peer with: theirs, as text. */
export function remoteDisconnect(payload: Uint8Array, cause?: unknown): P2pError {
  const reason = decodeDisconnect(payload)
  return new P2pError('REMOTE_DISCONNECT', disconnectReasonText(reason), { reason, cause })
}

/**
 * @internal What a failed read means for the peer. A message that did not decompress
 * (`SNAPPY_INVALID`) is a Disconnect the peer sent uncompressed when its raw bytes are
 * one: `@ethereumjs/devp2p` does so after Hello, against EIP-706, and its reason should
 * not be lost. Then the peer ends with their reason (`REMOTE_DISCONNECT`, the rlpx error
 * as `cause`); any other error is returned as it is.
 */
export function readFailure(err: unknown): unknown {
  if (!(err instanceof RlpxError) || err.code !== 'SNAPPY_INVALID') return err
  const raw = err.rawMsg
  if (raw === undefined || raw.code !== DISCONNECT_MSG || !isDisconnectPayload(raw.payload)) {
    return err
  }
  return remoteDisconnect(raw.payload, err)
}
