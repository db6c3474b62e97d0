import type { Duplex } from 'node:stream'
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '@devp2p/crypto'
import { deriveSecrets, FrameCodec, makeAuth, parseAck } from '../../src/index.js'

/** Reads an EIP-8 packet (size prefix + body) from a stream in flowing mode. */
export function readEip8Packet(stream: Duplex): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        stream.off('data', onData)
        stream.pause()
        const size = 2 + buf.readUInt16BE(0)
        if (buf.length > size) stream.unshift(buf.subarray(size))
        resolve(Uint8Array.from(buf.subarray(0, size)))
      }
    }
    stream.on('data', onData)
    stream.once('error', reject)
  })
}

/**
 * A hand-driven initiator: does the handshake with the package's pure functions and
 * returns the raw frame codec, so a test can write arbitrary (tampered) bytes.
 */
export async function rawInitiator(
  stream: Duplex,
  remotePublicKey: Uint8Array,
): Promise<{ codec: FrameCodec; privateKey: Uint8Array }> {
  const privateKey = generatePrivateKey()
  const ephemeralPrivateKey = generatePrivateKey()
  const nonce = randomBytes(32)
  const auth = makeAuth({ privateKey, remotePublicKey, ephemeralPrivateKey, nonce })
  const ackPromise = readEip8Packet(stream)
  stream.write(auth)
  const ackPacket = await ackPromise
  const ack = parseAck(privateKey, ackPacket, 'eip8')
  const secrets = deriveSecrets({
    initiator: true,
    ephemeralPrivateKey,
    remoteEphemeralPublicKey: ack.ephemeralPublicKey,
    localNonce: nonce,
    remoteNonce: ack.nonce,
    authPacket: auth,
    ackPacket,
    remotePublicKey,
  })
  return { codec: new FrameCodec(secrets), privateKey }
}

export { publicKeyFromPrivate }
