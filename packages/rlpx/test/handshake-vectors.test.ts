import { duplexPair } from '@devp2p/testing'
import { describe, expect, it } from 'vitest'
import {
  deriveSecrets,
  FrameCodec,
  parseAck,
  parseAuth,
  RlpxError,
  recipientHandshake,
} from '../src/index.js'
import { hex, unhex, utf8 } from './helpers/support.js'
import vectors from './vectors/rlpx-handshake.json' with { type: 'json' }

const keys = {
  staticA: unhex(vectors.keys.staticKeyA),
  staticB: unhex(vectors.keys.staticKeyB),
  ephA: unhex(vectors.keys.ephemeralKeyA),
  ephB: unhex(vectors.keys.ephemeralKeyB),
  nonceA: unhex(vectors.keys.nonceA),
  nonceB: unhex(vectors.keys.nonceB),
}
const pub = vectors.derivedByCollector as Record<string, string>
const packet = (list: typeof vectors.auth, id: string): Uint8Array =>
  unhex(list.find((p) => p.id === id)!.hex)

describe('EIP-8 auth vectors decode with B’s key', () => {
  for (const v of vectors.auth) {
    it(`${v.id} (${v.format}) carries A’s static key, nonceA and A’s ephemeral key`, () => {
      const msg = parseAuth(keys.staticB, unhex(v.hex), v.format as 'eip8' | 'legacy')
      expect(hex(msg.publicKey)).toBe(pub.staticPubA)
      expect(hex(msg.ephemeralPublicKey)).toBe(pub.ephemeralPubA)
      expect(hex(msg.nonce)).toBe(vectors.keys.nonceA)
      expect(msg.version ?? null).toBe(v.version)
      expect(msg.format).toBe(v.format)
    })
  }
})

describe('EIP-8 ack vectors decode with A’s key', () => {
  for (const v of vectors.ack) {
    it(`${v.id} (${v.format}) carries B’s ephemeral key and nonceB`, () => {
      const msg = parseAck(keys.staticA, unhex(v.hex), v.format as 'eip8' | 'legacy')
      expect(hex(msg.ephemeralPublicKey)).toBe(pub.ephemeralPubB)
      expect(hex(msg.nonce)).toBe(vectors.keys.nonceB)
      expect(msg.version ?? null).toBe(v.version)
    })
  }
})

describe('vector packets with the wrong key or format', () => {
  it('Auth2 does not decrypt with A’s key', () => {
    const err = (() => {
      try {
        parseAuth(keys.staticA, packet(vectors.auth, 'Auth2'), 'eip8')
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(RlpxError)
    expect((err as RlpxError).code).toBe('HANDSHAKE_DECRYPT_FAILED')
  })
  it('Auth1 read as EIP-8 fails with a typed error', () => {
    expect(() => parseAuth(keys.staticB, packet(vectors.auth, 'Auth1'), 'eip8')).toThrow(RlpxError)
  })
})

describe('secrets (B’s view of Auth2 + Ack2)', () => {
  it('aes, mac and the ingress MAC after "foo" match EIP-8', () => {
    const auth = packet(vectors.auth, 'Auth2')
    const ack = unhex(vectors.ack.find((p) => p.id === 'Ack2')!.hex)
    const msg = parseAuth(keys.staticB, auth, 'eip8')
    const secrets = deriveSecrets({
      initiator: false,
      ephemeralPrivateKey: keys.ephB,
      remoteEphemeralPublicKey: msg.ephemeralPublicKey,
      localNonce: keys.nonceB,
      remoteNonce: msg.nonce,
      authPacket: auth,
      ackPacket: ack,
      remotePublicKey: msg.publicKey,
    })
    expect(hex(secrets.aes)).toBe(vectors.secrets.aesSecret)
    expect(hex(secrets.mac)).toBe(vectors.secrets.macSecret)
    expect(hex(secrets.ingressMac.update(utf8('foo')).digest())).toBe(
      vectors.secrets.ingressMacAfterFoo.digest,
    )
  })

  it('A’s view of the same exchange derives the same secrets', () => {
    const auth = packet(vectors.auth, 'Auth2')
    const ack = unhex(vectors.ack.find((p) => p.id === 'Ack2')!.hex)
    const msg = parseAck(keys.staticA, ack, 'eip8')
    const secrets = deriveSecrets({
      initiator: true,
      ephemeralPrivateKey: keys.ephA,
      remoteEphemeralPublicKey: msg.ephemeralPublicKey,
      localNonce: keys.nonceA,
      remoteNonce: msg.nonce,
      authPacket: auth,
      ackPacket: ack,
      remotePublicKey: unhex(pub.staticPubB!),
    })
    expect(hex(secrets.aes)).toBe(vectors.secrets.aesSecret)
    expect(hex(secrets.mac)).toBe(vectors.secrets.macSecret)
    // A's egress MAC is B's ingress MAC
    expect(hex(secrets.egressMac.update(utf8('foo')).digest())).toBe(
      vectors.secrets.ingressMacAfterFoo.digest,
    )
  })
})

describe('the recipient handshake with the vector’s ephemeral key and nonce injected', () => {
  for (const id of ['Auth1', 'Auth2', 'Auth3']) {
    it(`accepts ${id}, answers in its format, and A can read its frames`, async () => {
      const [a, b] = duplexPair()
      const pending = recipientHandshake(b, {
        privateKey: keys.staticB,
        ephemeralPrivateKey: keys.ephB,
        nonce: keys.nonceB,
      })
      const auth = packet(vectors.auth, id)
      a.write(auth)
      const conn = await pending
      expect(hex(conn.remotePublicKey)).toBe(pub.staticPubA)
      // A's side, computed from the vector keys: read the ack B sent
      const ackBytes = await new Promise<Buffer>((resolve) => a.once('data', resolve))
      const format = id === 'Auth1' ? 'legacy' : 'eip8'
      if (format === 'legacy') expect(ackBytes.length).toBe(210)
      else expect(ackBytes[0]).not.toBe(0x04)
      const ack = parseAck(keys.staticA, ackBytes, format)
      expect(hex(ack.ephemeralPublicKey)).toBe(pub.ephemeralPubB)
      const secretsA = deriveSecrets({
        initiator: true,
        ephemeralPrivateKey: keys.ephA,
        remoteEphemeralPublicKey: ack.ephemeralPublicKey,
        localNonce: keys.nonceA,
        remoteNonce: ack.nonce,
        authPacket: auth,
        ackPacket: ackBytes,
        remotePublicKey: conn.remotePublicKey,
      })
      // the secrets depend on the keys and nonces only, not on the packet format
      expect(hex(secretsA.aes)).toBe(vectors.secrets.aesSecret)
      expect(hex(secretsA.mac)).toBe(vectors.secrets.macSecret)
      const codecA = new FrameCodec(secretsA)
      a.write(codecA.encode(0x10, utf8('hello B')))
      const msg = await conn.readMsg()
      expect(msg.code).toBe(0x10)
      expect(Buffer.from(msg.payload).toString()).toBe('hello B')
      await conn.close()
      a.destroy()
    })
  }
})
