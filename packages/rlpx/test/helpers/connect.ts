import type { Duplex } from 'node:stream'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import {
  type ConnectionOptions,
  initiatorHandshake,
  type RlpxConnection,
  recipientHandshake,
} from '../../src/index.js'

/**
 * Both ends of a handshake with fresh keys: our initiator on `initiator`, our recipient
 * on `recipient` (or on the stream it resolves to, e.g. a socket being accepted), both
 * with `options` (e.g. a fake `clock`).
 */
export async function handshakeOver(
  initiator: Duplex,
  recipient: Duplex | Promise<Duplex>,
  options: ConnectionOptions = {},
): Promise<[RlpxConnection, RlpxConnection]> {
  const keyB = generatePrivateKey()
  return Promise.all([
    initiatorHandshake(initiator, {
      ...options,
      privateKey: generatePrivateKey(),
      remotePublicKey: publicKeyFromPrivate(keyB),
    }),
    Promise.resolve(recipient).then((stream) =>
      recipientHandshake(stream, { ...options, privateKey: keyB }),
    ),
  ])
}
