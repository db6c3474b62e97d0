/**
 * The two sides of the discv5 handshake as pure functions: the initiator answers a
 * WHOAREYOU ({@link createHandshake}), the challenger checks the answer and opens its
 * message ({@link acceptHandshake}). Matching a handshake to the challenge it answers,
 * one attempt per challenge and expiry are the session layer's (the caller's) job.
 */
import {
  CryptoError,
  ecdhCompressed,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '@devp2p/crypto'
import { Enr, EnrError } from '@devp2p/enode'
import { DiscoveryError } from '../errors.js'
import type { Message } from './message-types.js'
import { decryptMessage } from './packet-decode.js'
import type { HandshakePacket, WhoareyouPacket } from './packet-types.js'
import { deriveSessionKeys, signIdNonce, verifyIdSignature } from './session-keys.js'

/** What the initiator needs to answer a WHOAREYOU. */
export interface CreateHandshakeOptions {
  /** Our node key. */
  readonly privateKey: Uint8Array
  /** Our current record: its node id is ours, and it is sent when the challenger's copy is older. */
  readonly localRecord: Enr
  /** The challenger's node id and public key (33, 64 or 65 bytes), from its record. */
  readonly remoteId: Uint8Array
  readonly remotePublicKey: Uint8Array
  /** The WHOAREYOU we answer. */
  readonly whoareyou: Pick<WhoareyouPacket, 'challengeData' | 'enrSeq'>
  /** The ephemeral private key; a fresh one when absent (tests pass the vectors'). */
  readonly ephemeralKey?: Uint8Array
}

/** The initiator's half: what goes into the handshake packet, and the new session's keys. */
export interface CreatedHandshake {
  readonly idSignature: Uint8Array
  readonly ephemeralPubkey: Uint8Array
  /** Our record when the challenge's `enrSeq` is below its seq; else absent. */
  readonly record: Enr | undefined
  /** The initiator key: seals the handshake's message and what we send later. */
  readonly writeKey: Uint8Array
  /** The recipient key: opens what the challenger sends. */
  readonly readKey: Uint8Array
}

/**
 * Answers a WHOAREYOU: a fresh ephemeral key, ECDH with the challenger's public key
 * (the compressed point), the session keys, and our id-signature. Hand the result to
 * `encodeHandshakePacket` with the message the WHOAREYOU interrupted.
 *
 * @throws CryptoError `INVALID_PUBLIC_KEY` when `remotePublicKey` is not a valid point.
 * @throws {RangeError} / {TypeError} for keys and ids of the wrong size or type.
 */
export function createHandshake(options: CreateHandshakeOptions): CreatedHandshake {
  const { privateKey, localRecord, remoteId, remotePublicKey, whoareyou } = options
  const ephemeralKey = options.ephemeralKey ?? generatePrivateKey()
  const ephemeralPubkey = publicKeyFromPrivate(ephemeralKey, { compressed: true })
  const secret = ecdhCompressed(ephemeralKey, remotePublicKey)
  const keys = deriveSessionKeys(secret, localRecord.nodeId, remoteId, whoareyou.challengeData)
  secret.fill(0)
  if (options.ephemeralKey === undefined) ephemeralKey.fill(0)
  const idSignature = signIdNonce(privateKey, whoareyou.challengeData, ephemeralPubkey, remoteId)
  return {
    idSignature,
    ephemeralPubkey,
    record: whoareyou.enrSeq < localRecord.seq ? localRecord : undefined,
    writeKey: keys.initiatorKey,
    readKey: keys.recipientKey,
  }
}

/** What the challenger needs to check a handshake packet. */
export interface AcceptHandshakeOptions {
  /** Our node key and id. */
  readonly privateKey: Uint8Array
  readonly localId: Uint8Array
  /** The decoded handshake packet. */
  readonly packet: HandshakePacket
  /** The challenge data of the WHOAREYOU we sent to this node id and address. */
  readonly challengeData: Uint8Array
  /** The sender's record as we know it, if we do (its seq went into the WHOAREYOU). */
  readonly knownRecord?: Enr | undefined
}

/** The challenger's half: who the sender is, the session's keys, and the first message. */
export interface AcceptedHandshake {
  /** The sender's record: the one it sent if newer than ours, else `knownRecord`. */
  readonly record: Enr
  /** The recipient key: seals what we send in this session. */
  readonly writeKey: Uint8Array
  /** The initiator key: opens what the sender sends. */
  readonly readKey: Uint8Array
  readonly message: Message
}

function senderRecord(packet: HandshakePacket, known: Enr | undefined): Enr {
  if (packet.record === undefined) {
    if (known === undefined) {
      throw new DiscoveryError('BAD_RECORD', 'handshake without a record from an unknown node')
    }
    return known
  }
  let record: Enr
  try {
    record = Enr.decode(packet.record)
  } catch (err) {
    if (err instanceof EnrError) {
      throw new DiscoveryError('BAD_RECORD', `handshake record: ${err.message}`, { cause: err })
    }
    throw err
  }
  for (let i = 0; i < 32; i++) {
    if (record.nodeId[i] !== packet.srcId[i]) {
      throw new DiscoveryError('BAD_RECORD', 'handshake record is not the sender’s')
    }
  }
  return known !== undefined && known.seq >= record.seq ? known : record
}

/**
 * Checks a handshake packet that answers our WHOAREYOU and opens its message, in this
 * order: the sender's record (the one sent, verified and the sender's own, or the one we
 * know), the id-signature against that record's key, ECDH with the ephemeral key, the
 * session keys, then the message. The caller drops the challenge whatever the outcome:
 * one attempt per challenge.
 *
 * @throws {DiscoveryError} `BAD_RECORD` (invalid, another node's, or none when we know
 *   none), `BAD_SIGNATURE` (the id-signature does not verify), `BAD_HANDSHAKE` (the
 *   ephemeral key is not a curve point), then the codes of `decryptMessage`.
 * @throws {RangeError} when `knownRecord` is not the sender's, or for keys and ids of the
 *   wrong size.
 */
export function acceptHandshake(options: AcceptHandshakeOptions): AcceptedHandshake {
  const { privateKey, localId, packet, challengeData, knownRecord } = options
  if (knownRecord !== undefined) {
    for (let i = 0; i < 32; i++) {
      if (knownRecord.nodeId[i] !== packet.srcId[i]) {
        throw new RangeError('knownRecord is not the record of the packet’s sender')
      }
    }
  }
  const record = senderRecord(packet, knownRecord)
  const signed = verifyIdSignature(
    record.publicKey,
    packet.idSignature,
    challengeData,
    packet.ephemeralPubkey,
    localId,
  )
  if (!signed) throw new DiscoveryError('BAD_SIGNATURE', 'id-signature does not verify')
  let secret: Uint8Array
  try {
    secret = ecdhCompressed(privateKey, packet.ephemeralPubkey)
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new DiscoveryError('BAD_HANDSHAKE', 'ephemeral key is not a curve point', {
        cause: err,
      })
    }
    throw err
  }
  const keys = deriveSessionKeys(secret, packet.srcId, localId, challengeData)
  secret.fill(0)
  const message = decryptMessage(packet, keys.initiatorKey)
  return { record, writeKey: keys.recipientKey, readKey: keys.initiatorKey, message }
}
