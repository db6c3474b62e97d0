/**
 * Our side of the interop tests: the landed packages composed the way apps/demo does
 * (a node database and local record created here, a `Server` running the tutorial's
 * foo/bar, optionally a `Discv4` sharing its key, local record and node database), with
 * what happens recorded so a test can wait on it.
 */

import type { Logger } from '@devp2p/common'
import { generatePrivateKey } from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { type PeerEvent, type Protocol, Server, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

/** How long one wait for something our node does may take before the test fails. */
export const OUR_EVENT_TIMEOUT_MS = 30_000

/** An append-only record of things that happened, with waits on it. */
export class Observed<T> {
  // bounded: one test's events of one node
  readonly items: T[] = []
  readonly #waiters = new Set<() => void>()

  push(item: T): void {
    this.items.push(item)
    for (const wake of [...this.#waiters]) wake()
  }

  /** Waits until `condition` holds, checked now and at every new item. */
  until(condition: () => boolean, what: string, timeoutMs = OUR_EVENT_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        if (!condition()) return
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(wake)
        reject(new Error(`ours: not ${what} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.add(wake)
      wake()
    })
  }

  /** The first item, from the start, that `match` accepts; waits for it if needed. */
  waitFor(match: (item: T) => boolean, what: string, timeoutMs = OUR_EVENT_TIMEOUT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        const found = this.items.find(match)
        if (found === undefined) return
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve(found)
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(wake)
        const last = this.items.slice(-15).map((i) => JSON.stringify(i))
        reject(new Error(`ours: no ${what} within ${timeoutMs} ms; last:\n${last.join('\n')}`))
      }, timeoutMs)
      this.#waiters.add(wake)
      wake()
    })
  }
}

/** A foo-protocol message our node received. */
export interface Received {
  readonly peer: string
  readonly text: string
}

/** A log record of our server (every level), as the injected logger got it. */
export interface LogRecord {
  readonly msg: string | undefined
  readonly fields: Record<string, unknown>
}

/** Options of {@link startOurs}. */
export interface OursOptions {
  readonly name?: string
  readonly maxPeers?: number
  readonly noDial?: boolean
  /** The protocol's name (default `foo`); `null` runs no protocol. */
  readonly protocol?: string | null
  /** Runs a discovery v4 service from these bootnodes (an empty list: discovery alone). */
  readonly bootnodes?: readonly string[]
}

/** One of our nodes, started. */
export interface OurNode {
  readonly server: Server
  readonly discovery: Discv4 | undefined
  readonly idHex: string
  readonly enode: string
  readonly peerEvents: Observed<PeerEvent>
  readonly received: Observed<Received>
  readonly log: Observed<LogRecord>
  stop(): Promise<void>
}

/** The tutorial's protocol, exactly as apps/demo runs it. */
function fooProtocol(name: string, received: Observed<Received>): Protocol {
  return {
    name,
    version: 1,
    length: 1,
    async run(peer, rw) {
      await send(rw, 0, 'foo')
      for await (const msg of rw) {
        const text = msg.decode(t.string)
        received.push({ peer: peer.idHex, text })
        if (text === 'foo') await send(rw, 0, 'bar')
      }
    },
  }
}

/** Starts one of our nodes on 127.0.0.1 (any free port). */
export async function startOurs(options: OursOptions = {}): Promise<OurNode> {
  const peerEvents = new Observed<PeerEvent>()
  const received = new Observed<Received>()
  const log = new Observed<LogRecord>()
  const record = (obj: object, msg?: string): void =>
    log.push({ msg, fields: obj as Record<string, unknown> })
  const logger: Logger = { debug: record, info: record, warn: record, error: record }
  const privateKey = generatePrivateKey()
  const protocol = options.protocol === undefined ? 'foo' : options.protocol
  // the composer owns the shared resources: an in-memory database and our record
  const db = await NodeDB.open({ logger })
  const localNode = await LocalNode.create({ privateKey, db, logger })
  const server = new Server({
    privateKey,
    localNode,
    name: options.name ?? 'devp2p-ts/interop',
    maxPeers: options.maxPeers ?? 10,
    noDial: options.noDial ?? false,
    listenAddr: '127.0.0.1:0',
    protocols: protocol === null ? [] : [fooProtocol(protocol, received)],
    logger,
  })
  server.on('peer', (ev) => peerEvents.push(ev))
  await server.start()
  let discovery: Discv4 | undefined
  if (options.bootnodes) {
    discovery = new Discv4({
      privateKey,
      listenAddr: '127.0.0.1:0',
      localNode,
      db,
      bootnodes: [...options.bootnodes],
    })
    await discovery.start()
    server.addNodeSource(discovery)
  }
  return {
    server,
    discovery,
    idHex: server.nodeInfo().id,
    // taken after discovery started, so it carries the discovery port
    enode: server.nodeInfo().enode,
    peerEvents,
    received,
    log,
    async stop() {
      await server.stop()
      await discovery?.stop()
      await db.close()
    },
  }
}

/** Our server's log record of a refused connection (a refused peer never becomes a peer). */
export const isSetupFailure = (r: LogRecord): boolean => r.msg === 'connection setup failed'
