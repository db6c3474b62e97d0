import type { Clock, Logger } from '@devp2p/common'
import { decodePublicKey, equalBytes, publicKeyFromPrivate } from '@devp2p/crypto'
import { nodeIdFromPublicKey } from '@devp2p/enode'
import { FLAG_ASYMMETRIC, FLAG_SYMMETRIC } from './constants.js'
import { openAsym, sealAsym, sealSym } from './envelope/index.js'
import type { Opened } from './envelope/types.js'
import { PssError } from './errors.js'
import {
  type AcceptedHandshake,
  HANDSHAKE_TOPIC,
  type HandshakeKeys,
  KeyExchange,
} from './handshake/index.js'
import { KeyStore, type SymKeyId } from './keys/index.js'
import type { PssMessage } from './message.js'
import { ReplayGuard } from './replay-guard.js'

/** Options of {@link Encryption}, as `Pss` passes them on. */
export interface EncryptionOptions {
  readonly privateKey: Uint8Array
  readonly clock: Clock
  readonly logger: Logger
  /** Sends an asymmetric message (for the handshake). */
  readonly sendAsym: (publicKey: Uint8Array, topic: Uint8Array, payload: Uint8Array) => unknown
  /** Whether to answer a key-exchange request (default: none). */
  readonly acceptHandshake?: ((publicKey: Uint8Array, topic: Uint8Array) => boolean) | undefined
  /** Told of each key-exchange request we answered, with the keys agreed. */
  readonly onHandshakeAccepted?: ((handshake: AcceptedHandshake) => void) | undefined
}

/** Envelopes for us that opened but were dropped by the replay guard (ENCRYPTION.md, "Replays"). */
export interface EnvelopeDrops {
  /** Seen before (or sealed before the oldest stamp the full guard forgot). */
  readonly envelopeReplays: number
  /** Sealed more than `MAX_ENVELOPE_AGE_MS` ago, or more than `MAX_CLOCK_SKEW_MS` ahead. */
  readonly envelopeStale: number
}

/** A sealed message ready for the router: where it goes and its envelope. */
export interface Sealed {
  readonly address: Uint8Array
  readonly flags: number
  readonly payload: Uint8Array
}

/**
 * pss's end-to-end encryption on one node: the key store, the key-exchange handshake,
 * sealing our messages and opening the ones for us (ENCRYPTION.md).
 */
export class Encryption {
  readonly keys: KeyStore
  readonly exchange: KeyExchange
  readonly publicKey: Uint8Array
  readonly #privateKey: Uint8Array
  readonly #clock: Clock
  readonly #guard: ReplayGuard
  #replays = 0
  #stale = 0

  constructor(options: EncryptionOptions) {
    this.#privateKey = new Uint8Array(options.privateKey)
    this.#clock = options.clock
    this.#guard = new ReplayGuard({ clock: options.clock })
    this.publicKey = publicKeyFromPrivate(this.#privateKey)
    this.keys = new KeyStore({ clock: options.clock })
    this.exchange = new KeyExchange({
      keyStore: this.keys,
      clock: options.clock,
      logger: options.logger,
      sendAsym: async (publicKey, topic, payload) => {
        options.sendAsym(publicKey, topic, payload)
      },
      ...(options.acceptHandshake === undefined ? {} : { accept: options.acceptHandshake }),
      ...(options.onHandshakeAccepted === undefined
        ? {}
        : { onAccepted: options.onHandshakeAccepted }),
    })
  }

  /**
   * Where a message to `publicKey` on `topic` goes: the address `setPeerPublicKey` set,
   * else the full node id of that key (the recipient's overlay address).
   */
  addressOf(publicKey: Uint8Array, topic: Uint8Array): Uint8Array {
    return (
      this.keys.peerPublicKey(publicKey, topic) ?? nodeIdFromPublicKey(decodePublicKey(publicKey))
    )
  }

  /** An asymmetric envelope to `publicKey`, signed by us. */
  sealAsym(publicKey: Uint8Array, topic: Uint8Array, payload: Uint8Array): Sealed {
    const time = this.#clock.now()
    const sealed = sealAsym({ to: publicKey, signer: this.#privateKey, topic, payload, time })
    return { address: this.addressOf(publicKey, topic), flags: FLAG_ASYMMETRIC, payload: sealed }
  }

  /**
   * A symmetric envelope under key `keyId`, signed by us. It goes to the key's peer (as
   * {@link addressOf}) when the key has one, else to everyone (an empty address).
   *
   * @throws PssError `NO_SYM_KEY` for an unknown or expired key.
   */
  sealSym(keyId: SymKeyId, topic: Uint8Array, payload: Uint8Array): Sealed {
    const info = this.keys.symKeyInfo(keyId)
    if (info === undefined) throw new PssError('NO_SYM_KEY', `no symmetric key ${keyId}`)
    const time = this.#clock.now()
    const sealed = sealSym({ key: info.key, topic, payload, signer: this.#privateKey, time })
    info.key.fill(0)
    const address = info.peer === undefined ? new Uint8Array(0) : this.addressOf(info.peer, topic)
    return { address, flags: FLAG_SYMMETRIC, payload: sealed }
  }

  /** Starts a key exchange with `publicKey` for `topic` (see `KeyExchange.handshake`). */
  handshake(
    publicKey: Uint8Array,
    topic: Uint8Array,
    options: { signal?: AbortSignal },
  ): Promise<HandshakeKeys> {
    return this.exchange.handshake(publicKey, topic, options)
  }

  /**
   * A handshake message for us is handed to the key exchange (true: consumed, nothing to
   * deliver); anything else is left to {@link open}.
   */
  consumeHandshake(message: PssMessage): boolean {
    if (message.flags !== FLAG_ASYMMETRIC || !equalBytes(message.topic, HANDSHAKE_TOPIC))
      return false
    const opened = this.#fresh(openAsym(this.#privateKey, message.topic, message.payload))
    if (opened !== undefined) this.exchange.receive(opened.from, opened.payload)
    return true
  }

  /**
   * Opens an envelope for us, or `undefined` when it is not ours to read, tampered, or
   * one the replay guard drops (seen before, stale, from the future).
   */
  open(message: PssMessage): Opened | undefined {
    if (message.flags === FLAG_ASYMMETRIC)
      return this.#fresh(openAsym(this.#privateKey, message.topic, message.payload))
    if (message.flags === FLAG_SYMMETRIC)
      return this.#fresh(this.keys.trySym(message.topic, message.payload)?.opened)
    return undefined
  }

  /** Replay-guard drops so far. */
  drops(): EnvelopeDrops {
    return { envelopeReplays: this.#replays, envelopeStale: this.#stale }
  }

  #fresh<T extends Opened>(opened: T | undefined): T | undefined {
    if (opened === undefined) return undefined
    const verdict = this.#guard.check(opened)
    if (verdict === 'fresh') return opened
    if (verdict === 'replay') this.#replays++
    else this.#stale++
    return undefined
  }

  /** Ends waiting handshakes (idempotent). */
  stop(): void {
    this.exchange.stop()
  }
}
