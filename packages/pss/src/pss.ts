import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { publicKeyFromPrivate } from '@devp2p/crypto'
import { nodeIdFromPublicKey } from '@devp2p/enode'
import type { NodeSource, Protocol } from '@devp2p/p2p'
import { checkBytes, toHex } from './address.js'
import { PssApi, pssApiSpec } from './api.js'
import {
  ADMIT_BIN_PEERS,
  DEFAULT_TTL_S,
  FLAG_RAW,
  MAX_ADDRESS_BYTES,
  MAX_OUTBOX_BYTES,
  MAX_OUTBOX_MESSAGES,
  MAX_SUBSCRIPTION_BUFFER,
  TOPIC_BYTES,
} from './constants.js'
import { kademliaCandidates, type NeighbourhoodOptions } from './dial-candidates.js'
import { Encryption, type EnvelopeDrops, type Sealed } from './encryption.js'
import type { Opened } from './envelope/types.js'
import type { AcceptedHandshake, HandshakeKeys } from './handshake/index.js'
import type { SymKeyId } from './keys/index.js'
import { encodeMessage, type PssMessage } from './message.js'
import { pssProtocol } from './protocol.js'
import {
  type AcceptRemotes,
  type RunProtocolOptions,
  runProtocolOverPss,
} from './protocol-over-pss.js'
import type { PssNodeStats, PssOptions, PssService } from './pss-options.js'
import { type PssRouteEvent, RouteTracer } from './route-trace.js'
import { PssRouter, type PssRouterOptions, type PssStats } from './router.js'
import { type PssReceived, type PssSubscription, Subscription } from './subscription.js'

/**
 * pss on one node: the `pss` devp2p protocol (`pss.protocol`, for a `Server`'s
 * `protocols` or a node service), sending, and subscriptions by topic.
 *
 * @example
 * ```ts
 * const pss = new Pss({ privateKey })
 * const server = new Server({ privateKey, protocols: [pss.protocol], ... })
 * for await (const msg of pss.subscribe(stringToTopic('chat'), { signal })) console.log(msg.payload)
 * pss.sendRaw(otherNodeId, stringToTopic('chat'), new TextEncoder().encode('hi'))
 * ```
 */
export class Pss {
  /** The devp2p protocol (`pss/2`) to run on every peer. */
  readonly protocol: Protocol
  readonly #router: PssRouter
  readonly #clock: Clock
  readonly #log: Logger
  readonly #crypto: Encryption
  readonly #maxSubscriptionBuffer: number
  readonly #tracer: RouteTracer | undefined
  // bounded: subscriptions are made by local code and RPC sessions (whose count the rpc
  // package bounds per connection); each ends on abort, return() or stop()
  readonly #subs = new Map<string, Set<Subscription>>()
  #subscriptionDropped = 0

  /** @throws TypeError or RangeError for a bad key or option. */
  constructor(options: PssOptions) {
    const {
      privateKey,
      clock,
      logger,
      acceptHandshake,
      onHandshakeAccepted,
      dialCandidates,
      onRoute,
      ...routerOptions
    } = options
    const self = nodeIdFromPublicKey(publicKeyFromPrivate(privateKey))
    this.#clock = clock ?? systemClock
    this.#log = logger ?? silentLogger
    this.#crypto = new Encryption({
      privateKey,
      clock: this.#clock,
      logger: this.#log,
      acceptHandshake,
      onHandshakeAccepted,
      sendAsym: (publicKey, topic, payload) => this.sendAsym(publicKey, topic, payload),
    })
    this.#maxSubscriptionBuffer = options.maxSubscriptionBuffer ?? MAX_SUBSCRIPTION_BUFFER
    if (!Number.isSafeInteger(this.#maxSubscriptionBuffer) || this.#maxSubscriptionBuffer < 1)
      throw new RangeError('maxSubscriptionBuffer must be a positive integer')
    this.#router = new PssRouter({ ...routerOptions, self, clock: this.#clock, logger: this.#log })
    this.#tracer = onRoute === undefined ? undefined : new RouteTracer(onRoute, this.#log)
    let outboxRefused = 0
    const protocol = pssProtocol({
      router: this.#router,
      logger: this.#log,
      maxOutboxMessages: options.maxOutboxMessages ?? MAX_OUTBOX_MESSAGES,
      maxOutboxBytes: options.maxOutboxBytes ?? MAX_OUTBOX_BYTES,
      ...(this.#tracer === undefined ? {} : { tracer: this.#tracer }),
      onDeliver: (message) => this.#deliver(message),
      onOutboxRefused: () => {
        outboxRefused++
        if ((outboxRefused & (outboxRefused - 1)) === 0)
          this.#log.debug({ outboxRefused }, 'pss: a peer outbox is full, messages dropped')
      },
    })
    // the server keeps its reserved slots (`reservedPeers`) for the peers our bins want,
    // a little more leniently than we dial (ADMIT_BIN_PEERS): whoever dials us wants us
    const wantsPeer = (id: Uint8Array): boolean => this.#router.wantsPeer(id, ADMIT_BIN_PEERS)
    const wanted = (id: Uint8Array): boolean => this.wantsPeer(id)
    this.protocol =
      dialCandidates === undefined
        ? { ...protocol, wantsPeer }
        : {
            ...protocol,
            wantsPeer,
            dialCandidates: kademliaCandidates(dialCandidates, wanted, this.#self()),
          }
  }

  /**
   * Whether a connection to node `id` would fill one of our Kademlia bins (peers spread
   * over the proximity orders, as pss's routing needs); for choosing whom to dial.
   */
  wantsPeer(id: Uint8Array): boolean {
    return this.#router.wantsPeer(id)
  }

  /** Peers running the protocol now. */
  get peerCount(): number {
    return this.#router.peerCount
  }

  /** Our overlay address: our 32-byte node id (a copy). */
  baseAddr(): Uint8Array {
    return this.#router.self
  }

  /** Who we are, for the lookups of our own neighbourhood among the dial candidates. */
  #self(): NeighbourhoodOptions {
    return { publicKey: this.publicKey(), id: this.baseAddr(), clock: this.#clock }
  }

  /**
   * Sends `payload` unencrypted under `topic` to `address` (0–32 bytes of a node id: a
   * full id, a prefix for a neighbourhood, empty for everyone), expiring in
   * `DEFAULT_TTL_S`. Delivery is not confirmed (UDP-like); the result is how many peers
   * took it, 0 when there is none to take it.
   *
   * @throws TypeError / RangeError for an address over 32 bytes, a topic that is not 4
   *   bytes, or a message over `MAX_MESSAGE_BYTES`.
   */
  sendRaw(address: Uint8Array, topic: Uint8Array, payload: Uint8Array): number {
    return this.#send(address, topic, FLAG_RAW, payload)
  }

  /**
   * Sends `payload` under `topic` to the owner of `publicKey`, encrypted to that key
   * (ECIES) and signed by us, so the recipient learns who wrote it. It is routed to the
   * address `setPeerPublicKey` set for that key and topic, else to the key's node id.
   *
   * @returns how many peers took it (delivery is not confirmed).
   * @throws CryptoError for a public key that is not a point; TypeError / RangeError as
   *   {@link sendRaw}.
   */
  sendAsym(publicKey: Uint8Array, topic: Uint8Array, payload: Uint8Array): number {
    return this.#sendSealed(topic, this.#crypto.sealAsym(publicKey, topic, payload))
  }

  /**
   * Sends `payload` under `topic` encrypted with the symmetric key `keyId` (AES-256-GCM)
   * and signed by us: to the key's peer when it has one (a handshake's keys do), to
   * everyone otherwise (a group key: whoever holds it reads it).
   *
   * @throws PssError `NO_SYM_KEY` for an unknown or expired key.
   */
  sendSym(keyId: SymKeyId, topic: Uint8Array, payload: Uint8Array): number {
    return this.#sendSealed(topic, this.#crypto.sealSym(keyId, topic, payload))
  }

  /** Where messages to `publicKey` on `topic` go: 0–32 bytes of its node id (empty: everyone). */
  setPeerPublicKey(publicKey: Uint8Array, topic: Uint8Array, address: Uint8Array): void {
    this.#crypto.keys.setPeerPublicKey(publicKey, topic, address)
  }

  /** Our public key (64 bytes), what others encrypt to. */
  publicKey(): Uint8Array {
    return this.#crypto.publicKey.slice()
  }

  /**
   * Stores a 32-byte symmetric key; messages of `topic` under it are opened for our
   * subscribers, and `sendSym` with the id sends under it (to `peer` when given).
   */
  addSymKey(key: Uint8Array, options: { peer?: Uint8Array; topic?: Uint8Array } = {}): SymKeyId {
    return this.#crypto.keys.addSymKey(key, options)
  }

  /** A copy of a stored symmetric key, or `undefined`. */
  symKey(keyId: SymKeyId): Uint8Array | undefined {
    return this.#crypto.keys.symKey(keyId)
  }

  /**
   * Agrees symmetric keys for `topic` with the owner of `publicKey` over asymmetric pss
   * messages (ENCRYPTION.md, "Handshake"); the peer must accept (`acceptHandshake`).
   * Then `sendSym(keys.sendKeyId, topic, …)` reaches the peer and its messages open with
   * `keys.receiveKeyId`.
   *
   * @throws PssError `HANDSHAKE_TIMEOUT`, `HANDSHAKE_BUSY` or `STOPPED`; the signal's reason.
   */
  handshake(
    publicKey: Uint8Array,
    topic: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<HandshakeKeys> {
    return this.#crypto.handshake(publicKey, topic, options)
  }

  /**
   * The messages of `topic` for us, in arrival order: raw ones, and others that `open`
   * opened. The buffer holds `maxSubscriptionBuffer` messages for a slow consumer, then
   * drops the oldest (counted in `stats().subscriptionDropped`). Ends when `signal`
   * aborts, when the loop breaks, or on `stop()`.
   *
   * @throws TypeError / RangeError for a topic that is not 4 bytes.
   */
  subscribe(topic: Uint8Array, options: { signal?: AbortSignal } = {}): PssSubscription {
    const key = toHex(checkBytes('topic', topic, TOPIC_BYTES, TOPIC_BYTES))
    const { signal } = options
    const onAbort = (): void => sub.end()
    const sub = new Subscription(this.#maxSubscriptionBuffer, (ended) => {
      signal?.removeEventListener('abort', onAbort)
      this.#subscriptionDropped += ended.dropped
      const set = this.#subs.get(key)
      set?.delete(ended)
      if (set?.size === 0) this.#subs.delete(key)
    })
    let set = this.#subs.get(key)
    if (set === undefined) {
      set = new Set()
      this.#subs.set(key, set)
    }
    set.add(sub)
    if (signal?.aborted) sub.end()
    else signal?.addEventListener('abort', onAbort, { once: true })
    return sub
  }

  /** The counters of the router, plus subscription and replay-guard drops. */
  stats(): PssNodeStats {
    let live = 0
    for (const set of this.#subs.values()) for (const sub of set) live += sub.dropped
    return {
      ...this.#router.stats(),
      ...this.#crypto.drops(),
      subscriptionDropped: this.#subscriptionDropped + live,
    }
  }

  /**
   * pss as a node service: the protocol, and the `pss_*` RPC methods (`pss_baseAddr`,
   * `pss_stringToTopic`, `pss_sendRaw`, `pss_subscribe("receive", topic)`).
   */
  service(): PssService {
    return {
      protocols: [this.protocol],
      apis: [{ namespace: 'pss', service: new PssApi(this), spec: pssApiSpec }],
      dialCandidates: (discovery) =>
        kademliaCandidates(discovery, (id) => this.wantsPeer(id), this.#self()),
      stop: () => this.stop(),
    }
  }

  /** Ends every subscription and waiting handshake (idempotent). Peers end with their connections. */
  stop(): void {
    this.#crypto.stop()
    for (const set of [...this.#subs.values()]) for (const sub of [...set]) sub.end()
  }

  #send(address: Uint8Array, topic: Uint8Array, flags: number, payload: Uint8Array): number {
    checkBytes('address', address, 0, MAX_ADDRESS_BYTES)
    checkBytes('topic', topic, TOPIC_BYTES, TOPIC_BYTES)
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
    const expiry = Math.floor(this.#clock.now() / 1000) + DEFAULT_TTL_S
    const encoded = encodeMessage({ to: address, expiry, topic, flags, payload })
    const router = this.#router
    const routed = this.#tracer
      ? this.#tracer.trace(encoded, undefined, () => router.send(encoded))
      : router.send(encoded)
    return routed.forwards
  }

  #sendSealed(topic: Uint8Array, sealed: Sealed): number {
    return this.#send(sealed.address, topic, sealed.flags, sealed.payload)
  }

  #deliver(message: PssMessage): void {
    if (this.#crypto.consumeHandshake(message)) return
    const set = this.#subs.get(toHex(message.topic))
    if (set === undefined) return
    let received: PssReceived
    if (message.flags === FLAG_RAW) {
      received = { topic: message.topic, payload: message.payload, raw: true }
    } else {
      // not ours to read, or tampered: dropped here, still forwarded by the router
      const opened: Opened | undefined = this.#crypto.open(message)
      if (opened === undefined) return
      received = {
        ...(opened.from === undefined ? {} : { from: opened.from }),
        topic: message.topic,
        payload: opened.payload,
        raw: false,
      }
    }
    for (const sub of set) sub.push(received)
  }

  /**
   * Runs an ordinary devp2p `Protocol` with a node reached only through pss, as a
   * virtual peer (README, "Protocols over pss"). Each message of the protocol is
   * `[code, payload]` RLP in an asymmetric envelope to the remote's key, on `topic`
   * (default `stringToTopic(name + '/' + version)`); inbound ones count only when signed
   * by the remote. `remote` is the remote's public key, or `{ accept, maxPeers?,
   * idleTimeoutMs? }` to run the protocol with each node that writes on the topic and
   * that `accept` admits.
   *
   * Resolves when the run ends: `run` returned, `peer.disconnect()`, the signal aborted
   * or `stop()` (an accepting run: once every virtual peer has ended). Rejects with
   * `PssError` `VIRTUAL_PEER_BREACH` when the remote broke the protocol, or with what
   * `run` threw; an accepting run logs those and goes on.
   *
   * @throws PssError `VIRTUAL_PEER_BUSY` when the protocol already runs with that remote
   *   on that topic; CryptoError for a public key that is not a point; TypeError /
   *   RangeError for a protocol value a `Server` would refuse, a topic that is not 4
   *   bytes or a bad limit.
   */
  runProtocol(
    protocol: Protocol,
    remote: Uint8Array | AcceptRemotes,
    options: RunProtocolOptions = {},
  ): Promise<void> {
    return runProtocolOverPss(
      { pss: this, clock: this.#clock, logger: this.#log },
      protocol,
      remote,
      options,
    )
  }
}
