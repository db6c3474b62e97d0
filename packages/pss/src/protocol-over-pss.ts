import type { Clock, Logger, TimerHandle } from '@devp2p/common'
import { equalBytes } from '@devp2p/crypto'
import { DisconnectReason, P2pError, type Protocol } from '@devp2p/p2p'
import { toHex } from './address.js'
import {
  MAX_VIRTUAL_PEER_QUEUE_MSGS,
  MAX_VIRTUAL_PEERS,
  TOPIC_BYTES,
  VIRTUAL_PEER_IDLE_MS,
} from './constants.js'
import { PssError } from './errors.js'
import type { PssReceived, PssSubscription } from './subscription.js'
import { stringToTopic } from './topic.js'
import {
  createVirtualPeer,
  endVirtualPeer,
  receiveVirtual,
  type VirtualPeer,
  virtualPeerEnded,
  virtualPeerKey,
  virtualReadWriter,
} from './virtual-peer.js'

/** Options of `pss.runProtocol`. */
export interface RunProtocolOptions {
  /** Ends the run (every virtual peer of it) when it aborts; the promise then resolves. */
  readonly signal?: AbortSignal
  /**
   * The pss topic of the protocol's messages; default `stringToTopic(name + '/' + version)`
   * (`foo/1` for foo version 1).
   */
  readonly topic?: Uint8Array
  /** `MAX_VIRTUAL_PEER_QUEUE_MSGS`: messages waiting for the protocol to read them, per virtual peer. */
  readonly maxQueuedMsgs?: number
}

/**
 * `pss.runProtocol`'s second argument when the remotes are not known in advance: a
 * virtual peer is started for each node that writes on the topic and that `accept`
 * admits, at most `maxPeers` at a time.
 */
export interface AcceptRemotes {
  /** Whether to run the protocol with the owner of `publicKey` (64 bytes). */
  readonly accept: (publicKey: Uint8Array) => boolean
  /** `MAX_VIRTUAL_PEERS`: virtual peers at a time; writers beyond it are ignored until one ends. */
  readonly maxPeers?: number
  /**
   * `VIRTUAL_PEER_IDLE_MS`: a virtual peer that has sent nothing for this long ends (as
   * p2p's "read timeout"), so strangers cannot hold the `maxPeers` slots forever; its
   * next message starts a new one.
   */
  readonly idleTimeoutMs?: number
}

/** @internal What the runner needs of a `Pss` (an interface, so it does not import pss.ts). */
export interface PssEndpoint {
  subscribe(topic: Uint8Array, options: { signal?: AbortSignal }): PssSubscription
  sendAsym(publicKey: Uint8Array, topic: Uint8Array, payload: Uint8Array): number
}

/** @internal The endpoint with the clock and logger of its `Pss`. */
export interface PssContext {
  readonly pss: PssEndpoint
  readonly clock: Clock
  readonly logger: Logger
}

// bounded: one entry per running virtual peer; each Pss's set holds at most the virtual
// peers started by local runProtocol calls plus maxPeers per accepting run
const running = new WeakMap<PssEndpoint, Set<string>>()

function runningOf(pss: PssEndpoint): Set<string> {
  let set = running.get(pss)
  if (set === undefined) {
    set = new Set()
    running.set(pss, set)
  }
  return set
}

/** The default topic of a protocol run over pss. */
export function protocolTopic(protocol: Protocol): Uint8Array {
  return stringToTopic(`${protocol.name}/${protocol.version}`)
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer`)
  return value
}

/** The checks a `Server` makes of a protocol value (p2p does not export its own). */
function checkProtocol(protocol: Protocol): void {
  if (typeof protocol !== 'object' || protocol === null)
    throw new TypeError('protocol must be an object')
  if (typeof protocol.name !== 'string' || protocol.name.length === 0)
    throw new TypeError('protocol.name must be a non-empty string')
  if (!Number.isInteger(protocol.version) || protocol.version < 0 || protocol.version > 0xffff_ffff)
    throw new RangeError(`protocol ${protocol.name}: version must be a uint32`)
  if (!Number.isInteger(protocol.length) || protocol.length < 1 || protocol.length > 0x10000)
    throw new RangeError(`protocol ${protocol.name}: length must be an integer 1–65536`)
  if (typeof protocol.run !== 'function')
    throw new TypeError(`protocol ${protocol.name}: run must be a function`)
}

/** Runs `protocol.run` with `peer`; resolves once the peer ended, rejecting for a failure. */
function startRun(protocol: Protocol, peer: VirtualPeer): Promise<void> {
  Promise.resolve()
    // a VirtualPeer is not a p2p Peer (see its doc): the protocol gets what protocols use
    .then(() => protocol.run(peer as never, virtualReadWriter(peer)))
    .then(
      () =>
        endVirtualPeer(
          peer,
          P2pError.local(DisconnectReason.Quitting, `${protocol.name} returned`),
        ),
      (err: unknown) => endVirtualPeer(peer, failure(err)),
    )
  return virtualPeerEnded(peer).then((reason) => {
    if (isFailure(reason)) throw reason
  })
}

const failures = new WeakSet<Error>()

function failure(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err))
  failures.add(error)
  return error
}

/** Why a virtual peer ended is a failure: the remote's breach, or the run threw. */
function isFailure(reason: Error): boolean {
  return (
    failures.has(reason) || (reason instanceof PssError && reason.code === 'VIRTUAL_PEER_BREACH')
  )
}

function isFrom(message: PssReceived, remote: Uint8Array): boolean {
  return !message.raw && message.from !== undefined && equalBytes(message.from, remote)
}

/**
 * @internal `pss.runProtocol`: the protocol with one remote, or with each remote that
 * writes on the topic (see {@link AcceptRemotes}).
 */
export function runProtocolOverPss(
  context: PssContext,
  protocol: Protocol,
  remote: Uint8Array | AcceptRemotes,
  options: RunProtocolOptions = {},
): Promise<void> {
  checkProtocol(protocol)
  const topic = options.topic ?? protocolTopic(protocol)
  if (!(topic instanceof Uint8Array) || topic.length !== TOPIC_BYTES)
    throw new RangeError(`topic must be ${TOPIC_BYTES} bytes`)
  const maxQueuedMsgs = positive(
    'maxQueuedMsgs',
    options.maxQueuedMsgs,
    MAX_VIRTUAL_PEER_QUEUE_MSGS,
  )
  const make = (publicKey: Uint8Array, inbound: boolean): VirtualPeer =>
    createVirtualPeer({
      protocol,
      remote: publicKey,
      topic,
      inbound,
      maxQueuedMsgs,
      clock: context.clock,
      send: (encoded) => {
        context.pss.sendAsym(publicKey, topic, encoded)
      },
    })
  if (remote instanceof Uint8Array) return runOne(context, protocol, make(remote, false), options)
  if (typeof remote?.accept !== 'function') throw new TypeError('accept must be a function')
  const limits = {
    maxPeers: positive('maxPeers', remote.maxPeers, MAX_VIRTUAL_PEERS),
    idleMs: positive('idleTimeoutMs', remote.idleTimeoutMs, VIRTUAL_PEER_IDLE_MS),
  }
  return runAccepting(context, protocol, topic, remote.accept, limits, make, options.signal)
}

function runOne(
  context: PssContext,
  protocol: Protocol,
  peer: VirtualPeer,
  options: RunProtocolOptions,
): Promise<void> {
  const key = virtualPeerKey(peer.topic, peer.publicKey)
  const set = runningOf(context.pss)
  if (set.has(key))
    throw new PssError(
      'VIRTUAL_PEER_BUSY',
      `${protocol.name}/${protocol.version} already runs with ${peer.idHex} on topic ${toHex(peer.topic)}`,
    )
  set.add(key)
  const { signal } = options
  const stopped = (): void =>
    endVirtualPeer(peer, new PssError('STOPPED', 'runProtocol stopped', { cause: signal?.reason }))
  if (signal?.aborted) stopped()
  else signal?.addEventListener('abort', stopped, { once: true })
  const inbox = context.pss.subscribe(peer.topic, { signal: peer.signal })
  void pump(inbox, (message) => {
    if (isFrom(message, peer.publicKey)) receiveVirtual(peer, message.payload)
  }).then(() => endVirtualPeer(peer, new PssError('STOPPED', 'pss stopped')))
  return startRun(protocol, peer).finally(() => {
    signal?.removeEventListener('abort', stopped)
    set.delete(key)
  })
}

/** Feeds every message of `inbox` to `handle` until the subscription ends; never rejects. */
async function pump(inbox: PssSubscription, handle: (m: PssReceived) => void): Promise<void> {
  for await (const message of inbox) handle(message)
}

/** One virtual peer of an accepting run, with when its remote last wrote. */
interface Accepted {
  readonly peer: VirtualPeer
  lastSeen: number
  timer: TimerHandle
}

async function runAccepting(
  context: PssContext,
  protocol: Protocol,
  topic: Uint8Array,
  accept: (publicKey: Uint8Array) => boolean,
  { maxPeers, idleMs }: { maxPeers: number; idleMs: number },
  make: (publicKey: Uint8Array, inbound: boolean) => VirtualPeer,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { clock } = context
  const set = runningOf(context.pss)
  const log = context.logger
  // bounded: at most maxPeers (MAX_VIRTUAL_PEERS) virtual peers, each removed when it ends
  const peers = new Map<string, Accepted>()
  // bounded: the same virtual peers' run promises
  const runs = new Set<Promise<void>>()
  let refused = 0
  // one timer per virtual peer, moved on lazily: a message only updates lastSeen
  const watch = (entry: Accepted): void => {
    const idle = clock.now() - entry.lastSeen
    if (idle < idleMs) {
      entry.timer = clock.setTimeout(() => watch(entry), idleMs - idle)
      return
    }
    const detail = `no message for ${idleMs} ms`
    endVirtualPeer(entry.peer, P2pError.local(DisconnectReason.ReadTimeout, detail))
  }
  const start = (publicKey: Uint8Array): Accepted | undefined => {
    const key = virtualPeerKey(topic, publicKey)
    if (set.has(key)) return undefined // a runProtocol with this remote handles its messages
    if (peers.size >= maxPeers) {
      refused++
      if ((refused & (refused - 1)) === 0)
        log.debug({ protocol: protocol.name, refused }, 'pss: virtual peers full, writer ignored')
      return undefined
    }
    let admitted = false
    try {
      admitted = accept(publicKey)
    } catch (err) {
      log.warn({ err }, 'pss: runProtocol accept threw (a bug); the writer is ignored')
    }
    if (!admitted) return undefined
    const peer = make(publicKey, true)
    const entry: Accepted = { peer, lastSeen: clock.now(), timer: undefined }
    entry.timer = clock.setTimeout(() => watch(entry), idleMs)
    set.add(key)
    peers.set(key, entry)
    const run = startRun(protocol, peer).then(
      () => {},
      (err: unknown) => {
        log.debug({ peer: peer.idHex, err }, 'pss: virtual peer failed')
      },
    )
    runs.add(run)
    void run.then(() => {
      clock.clearTimeout(entry.timer)
      runs.delete(run)
      peers.delete(key)
      set.delete(key)
    })
    return entry
  }
  const inbox = context.pss.subscribe(topic, signal === undefined ? {} : { signal })
  await pump(inbox, (message) => {
    if (message.raw || message.from === undefined) return
    const key = virtualPeerKey(topic, message.from)
    const entry = peers.get(key) ?? start(message.from)
    if (entry === undefined) return
    entry.lastSeen = clock.now()
    receiveVirtual(entry.peer, message.payload)
  })
  // the subscription ended: our signal aborted or the Pss stopped
  const reason = new PssError('STOPPED', 'runProtocol stopped', { cause: signal?.reason })
  for (const { peer } of peers.values()) endVirtualPeer(peer, reason)
  await Promise.all(runs)
}
