import type { Duplex } from 'node:stream'
import { generatePrivateKey, publicKeyFromPrivate } from '@devp2p/crypto'
import { initiatorHandshake, type RlpxConnection, recipientHandshake } from '../../src/index.js'

/**
 * Both ends of a handshake with fresh keys: our initiator on `initiator`, our recipient
 * on `recipient` (or on the stream it resolves to, e.g. a socket being accepted).
 */
export async function handshakeOver(
  initiator: Duplex,
  recipient: Duplex | Promise<Duplex>,
): Promise<[RlpxConnection, RlpxConnection]> {
  const keyB = generatePrivateKey()
  return Promise.all([
    initiatorHandshake(initiator, {
      privateKey: generatePrivateKey(),
      remotePublicKey: publicKeyFromPrivate(keyB),
    }),
    Promise.resolve(recipient).then((stream) => recipientHandshake(stream, { privateKey: keyB })),
  ])
}
