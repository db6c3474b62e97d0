/**
 * The three discovery v5 packet kinds as decoded (discv5-wire.md "Packet Encoding").
 * `decodePacket` unmasks and parses the header; a message inside is still sealed
 * (`ciphertext`) until `decryptMessage` opens it with the session's key.
 *
 * Ownership: a decoded packet owns one copy of the datagram, with the header unmasked;
 * every `Uint8Array` field is a view into that copy, which nobody modifies.
 */

/** What every packet has. */
interface PacketBase {
  /** The packet's first 16 bytes: the masking IV. */
  readonly maskingIv: Uint8Array
  /** The 12-byte nonce: the message's AES-GCM nonce; in a WHOAREYOU, the nonce of the packet it answers. */
  readonly nonce: Uint8Array
  /**
   * masking-iv ‖ unmasked header (static header ‖ authdata): the additional data the
   * message is authenticated with, and for a WHOAREYOU its challenge data.
   */
  readonly header: Uint8Array
}

/** flag 0: a message sealed with the session's key (or random bytes that start a handshake). */
export interface OrdinaryPacket extends PacketBase {
  readonly kind: 'message'
  /** The sender's node id (authdata). */
  readonly srcId: Uint8Array
  /** The sealed message: AES-128-GCM ciphertext ‖ tag. */
  readonly ciphertext: Uint8Array
}

/** flag 1: a handshake challenge. It carries no message. */
export interface WhoareyouPacket extends PacketBase {
  readonly kind: 'whoareyou'
  /** 16 random bytes the handshake's id-signature covers (through `challengeData`). */
  readonly idNonce: Uint8Array
  /** The seq of the recipient's record the challenger knows; 0 when it knows none. */
  readonly enrSeq: bigint
  /** The same bytes as `header`: what the handshake signs and derives keys from. */
  readonly challengeData: Uint8Array
}

/** flag 2: the answer to a WHOAREYOU, with a message sealed with the new session's key. */
export interface HandshakePacket extends PacketBase {
  readonly kind: 'handshake'
  readonly srcId: Uint8Array
  /** 64 bytes r ‖ s ("v4" scheme), checked by `acceptHandshake`. */
  readonly idSignature: Uint8Array
  /** 33 bytes, the sender's ephemeral public key (SEC1 compressed), checked by `acceptHandshake`. */
  readonly ephemeralPubkey: Uint8Array
  /**
   * The sender's record (encoded ENR, at most 300 bytes), when it sent one; decoded and
   * verified by `acceptHandshake`, only once the packet answers a challenge of ours.
   */
  readonly record?: Uint8Array
  readonly ciphertext: Uint8Array
}

/** Any decoded discovery v5 packet. */
export type Packet = OrdinaryPacket | WhoareyouPacket | HandshakePacket
/** `message`, `whoareyou` or `handshake`. */
export type PacketKind = Packet['kind']
