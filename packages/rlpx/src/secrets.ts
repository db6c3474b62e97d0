import { ecdh, KeccakState, keccak256 } from '@devp2p/crypto'

/**
 * The session secrets both ends derive from the handshake (rlpx.md "Secrets").
 * `egressMac` and `ingressMac` are live keccak states, already seeded; the frame codec
 * takes them over, so do not update them elsewhere.
 */
export interface Secrets {
  /** AES-256-CTR key of both directions. */
  aes: Uint8Array
  /** AES-256-ECB key of the MAC seeds. */
  mac: Uint8Array
  /** keccak256 state of what we send: (mac ⊕ remote-nonce) ‖ the packet we sent. */
  egressMac: KeccakState
  /** keccak256 state of what we receive: (mac ⊕ own-nonce) ‖ the packet we received. */
  ingressMac: KeccakState
  /** The peer's static public key, 64 bytes. */
  remotePublicKey: Uint8Array
}

/** Everything {@link deriveSecrets} needs; the packets include the EIP-8 size prefix. */
export interface SecretsInput {
  initiator: boolean
  ephemeralPrivateKey: Uint8Array
  remoteEphemeralPublicKey: Uint8Array
  localNonce: Uint8Array
  remoteNonce: Uint8Array
  /** The auth packet exactly as on the wire. */
  authPacket: Uint8Array
  /** The ack packet exactly as on the wire. */
  ackPacket: Uint8Array
  remotePublicKey: Uint8Array
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/**
 * Derives the aes and mac secrets and seeds both MAC states:
 * `shared = keccak(eph ‖ keccak(nonce-recipient ‖ nonce-initiator))`,
 * `aes = keccak(eph ‖ shared)`, `mac = keccak(eph ‖ aes)`.
 *
 * @throws TypeError / RangeError for malformed keys (misuse; the handshake validates
 *   remote keys before calling this).
 */
export function deriveSecrets(input: SecretsInput): Secrets {
  const ephemeral = ecdh(input.ephemeralPrivateKey, input.remoteEphemeralPublicKey)
  const [initiatorNonce, recipientNonce] = input.initiator
    ? [input.localNonce, input.remoteNonce]
    : [input.remoteNonce, input.localNonce]
  const shared = keccak256(concat(ephemeral, keccak256(concat(recipientNonce, initiatorNonce))))
  const aes = keccak256(concat(ephemeral, shared))
  const mac = keccak256(concat(ephemeral, aes))
  ephemeral.fill(0)
  shared.fill(0)
  const [sent, received] = input.initiator
    ? [input.authPacket, input.ackPacket]
    : [input.ackPacket, input.authPacket]
  const egressMac = new KeccakState().update(xor(mac, input.remoteNonce)).update(sent)
  const ingressMac = new KeccakState().update(xor(mac, input.localNonce)).update(received)
  return { aes, mac, egressMac, ingressMac, remotePublicKey: input.remotePublicKey }
}
