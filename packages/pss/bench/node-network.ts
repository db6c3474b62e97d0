/**
 * The network of bench/nodes.ts: real `Node`s of @devp2p/node in one process, each with
 * its own temporary data directory, listening on 127.0.0.1 port 0 (TCP for RLPx, UDP for
 * discovery v4), the first one the others' bootnode, each running pss as a node service
 * (`node.register(pss.service())`, which also dials the discovery candidates that fill
 * its Kademlia bins). Nodes can leave (stopped) and join (new key, new directory) while
 * it runs, for churn.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '@devp2p/common'
import { generatePrivateKey } from '@devp2p/crypto'
import type { ENode } from '@devp2p/enode'
import { Node } from '@devp2p/node'
import type { NodeSource } from '@devp2p/p2p'
import { proximity, toHex } from '../src/address.js'
import { Pss } from '../src/pss.js'
import type { PssRouteEvent } from '../src/route-trace.js'
import type { PssReceived } from '../src/subscription.js'

/** How long a new node may take to find the bootnode before the next one starts. */
const BOOTSTRAP_WAIT_MS = 10_000
const POLL_MS = 20
/** How long a new node's discovery table may stay empty before it is told to refresh. */
const REFRESH_EMPTY_MS = 1000

/** One node of the network. */
export interface NetNode {
  /** `n0`, `n1`, … in the order they were made (joiners continue the count). */
  readonly name: string
  readonly node: Node
  readonly pss: Pss
  /** Node id (our pss overlay address), bytes and hex. */
  readonly id: Uint8Array
  readonly idHex: string
  readonly publicKey: Uint8Array
  /** False once it left (stopped). */
  alive: boolean
  /**
   * Ids (hex) of the candidates pss's dial hint offered the server (its `dialCandidates`
   * over the node's discovery): a dialed peer among them was dialed for a Kademlia bin.
   */
  readonly hinted: Set<string>
}

export interface NodeNetworkOptions {
  readonly maxPeers: number
  readonly dialRatio?: number
  /**
   * Where the Kademlia peers come from: `pss` (default) is `pss.service()`'s hint alone,
   * discovery's random nodes that fill a bin; `own-lookup` adds, as an experiment, the
   * nodes closest to us (a discovery lookup of our own key, every LOOKUP_PAUSE_MS),
   * deepest bin first: what the in-memory simulation's own-id lookup stands for.
   */
  readonly hint?: 'pss' | 'own-lookup'
  /** The topic every node subscribes to; what arrives goes to `onReceive`. */
  readonly topic: Uint8Array
  readonly onReceive: (at: NetNode, message: PssReceived) => void
  /** Every node's pss route events (see `PssOptions.onRoute`). */
  readonly onRoute: (at: NetNode, event: PssRouteEvent) => void
  /**
   * Told of every failed connection setup (p2p logs them): the error's message (it says
   * whether we or the remote refused, and why) and whether we dialed.
   */
  readonly onSetupFailed?: (at: NetNode, error: string, inbound: boolean) => void
}

/**
 * A logger that only listens for p2p's "connection setup failed" lines (a dial refused
 * because the other side was full says `too many peers`) and drops everything else.
 */
function setupFailureLogger(report: (error: string, inbound: boolean) => void): Logger {
  const listen = (obj: object, msg?: string): void => {
    if (msg !== 'connection setup failed') return
    const fields = obj as { err?: unknown; inbound?: unknown }
    report(String(fields.err), fields.inbound === true)
  }
  const noop = (): void => {}
  return { debug: listen, info: listen, warn: noop, error: noop }
}

/** N nodes of @devp2p/node running pss on loopback, found through discovery v4. */
export class NodeNetwork {
  // bounded: the nodes this harness made (N plus the joiners of a churn run)
  readonly all: NetNode[] = []
  // bounded: as `all`
  readonly #byId = new Map<string, NetNode>()
  // bounded: one per node made
  readonly #dirs: string[] = []
  readonly #o: NodeNetworkOptions
  #bootnode: ENode | undefined

  constructor(options: NodeNetworkOptions) {
    this.#o = options
  }

  /** The nodes that have not left. */
  live(): NetNode[] {
    return this.all.filter((n) => n.alive)
  }

  /** The node of an id (hex), live or not. */
  byId(idHex: string): NetNode | undefined {
    return this.#byId.get(idHex)
  }

  /** Ids (hex) of a node's connected peers. */
  peersOf(n: NetNode): string[] {
    return n.alive ? n.node.server.peers().map((p) => p.idHex) : []
  }

  /**
   * Starts the first node (the bootnode of the others), then `count - 1` more: one after
   * the other (`sequential`), or all at once (`together`), see {@link join}.
   */
  async start(count: number, how: 'sequential' | 'together'): Promise<void> {
    await this.join()
    if (how === 'together') {
      await Promise.all(Array.from({ length: count - 1 }, () => this.join()))
    } else {
      for (let i = 1; i < count; i++) await this.join()
    }
  }

  /**
   * Makes and starts one node (new key, new data directory); the first is the bootnode.
   * Resolves once the node's discovery table holds a node (or BOOTSTRAP_WAIT_MS passed):
   * nodes started all at once in one busy process miss the bootnode's answers (discovery
   * waits 500 ms for one) and keep an empty table until their next refresh, 30 min on, so
   * a node whose table is still empty after REFRESH_EMPTY_MS is told to refresh (which
   * seeds it from the bootnode again).
   */
  async join(): Promise<NetNode> {
    const o = this.#o
    const dir = await mkdtemp(join(tmpdir(), 'pss-nodes-'))
    this.#dirs.push(dir)
    const privateKey = generatePrivateKey()
    const name = `n${this.all.length}`
    let self: NetNode | undefined
    const pss = new Pss({ privateKey, onRoute: (event) => self && o.onRoute(self, event) })
    const node = new Node({
      name,
      privateKey,
      dataDir: dir,
      ipcPath: false,
      p2p: {
        listenAddr: '127.0.0.1:0',
        maxPeers: o.maxPeers,
        ...(o.dialRatio === undefined ? {} : { dialRatio: o.dialRatio }),
      },
      discovery: {
        v4: {
          listenAddr: '127.0.0.1:0',
          bootnodes: this.#bootnode === undefined ? [] : [this.#bootnode],
        },
      },
      ...(o.onSetupFailed === undefined
        ? {}
        : {
            logger: setupFailureLogger((error, inbound) => {
              if (self) o.onSetupFailed!(self, error, inbound)
            }),
          }),
    })
    const service = pss.service()
    // bounded: ids of this network's nodes (N plus joiners)
    const hinted = new Set<string>()
    node.register({
      ...service,
      dialCandidates: (discovery) => {
        const wanted = service.dialCandidates(discovery)
        return {
          async *randomNodes(options) {
            for await (const candidate of wanted.randomNodes(options)) {
              hinted.add(candidate.idHex)
              yield candidate
            }
          },
        }
      },
    })
    if (o.hint === 'own-lookup') {
      node.register({
        dialCandidates: () => ownLookupCandidates(node, pss, hinted),
      })
    }
    const id = pss.baseAddr()
    const created: NetNode = {
      name,
      node,
      pss,
      id,
      idHex: toHex(id),
      publicKey: pss.publicKey(),
      alive: true,
      hinted,
    }
    self = created
    this.all.push(created)
    this.#byId.set(created.idHex, created)
    await node.start()
    if (this.#bootnode === undefined) this.#bootnode = node.discovery!.self()
    else {
      const disc = node.discovery!
      const start = performance.now()
      let refreshAt = start + REFRESH_EMPTY_MS
      while (disc.tableSize === 0 && performance.now() - start < BOOTSTRAP_WAIT_MS) {
        if (performance.now() >= refreshAt) {
          refreshAt += REFRESH_EMPTY_MS
          void disc.refresh().catch(() => {})
        }
        await sleep(POLL_MS)
      }
    }
    void this.#receive(created)
    return created
  }

  async #receive(n: NetNode): Promise<void> {
    // ends when the node stops (a node stops its services, and pss.stop() ends subscriptions)
    for await (const message of n.pss.subscribe(this.#o.topic)) {
      this.#o.onReceive(n, message)
    }
  }

  /** Stops a node (it leaves the network); its directory is removed at `stop()`. */
  async leave(n: NetNode): Promise<void> {
    n.alive = false
    await n.node.stop()
  }

  /** Stops every node (the bootnode last) and removes their data directories. */
  async stop(): Promise<void> {
    for (const n of this.live().reverse()) await this.leave(n)
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  }
}

/** Pause between two lookups of our own key in the `own-lookup` experiment. */
const LOOKUP_PAUSE_MS = 2000

/**
 * Dial candidates from lookups of the node's own key (its neighbourhood, as discovery
 * finds it), the deepest Kademlia bin first, those pss wants (`pss.wantsPeer`); their ids
 * are added to `hinted`.
 */
function ownLookupCandidates(node: Node, pss: Pss, hinted: Set<string>): NodeSource {
  const self = pss.baseAddr()
  return {
    async *randomNodes({ signal }) {
      while (!signal.aborted && node.discovery !== undefined) {
        const found = await node.discovery.lookup(pss.publicKey(), { signal })
        found.sort((a, b) => proximity(self, b.id) - proximity(self, a.id))
        for (const candidate of found) {
          if (signal.aborted) return
          if (!pss.wantsPeer(candidate.id)) continue
          hinted.add(candidate.idHex)
          yield candidate
        }
        await sleep(LOOKUP_PAUSE_MS, undefined, { signal }).catch(() => {})
      }
    },
  }
}

/** Peer counts of the live nodes. */
export function degrees(net: NodeNetwork): number[] {
  return net.live().map((n) => n.node.server.peerCount)
}

/**
 * For each live node: how many Kademlia proximity-order bins its peers fill, and how many
 * it could fill (the bins in which some other live node lies).
 */
export function binsFilled(net: NodeNetwork): { filled: number; possible: number }[] {
  const live = net.live()
  return live.map((n) => {
    const possible = new Set(live.filter((m) => m !== n).map((m) => proximity(n.id, m.id)))
    const filled = new Set(
      net.peersOf(n).flatMap((idHex) => {
        const peer = net.byId(idHex)
        return peer === undefined ? [] : [proximity(n.id, peer.id)]
      }),
    )
    return { filled: filled.size, possible: possible.size }
  })
}

/** Hops from the node `from` to every live node it can reach over connections (BFS). */
export function hopsFrom(net: NodeNetwork, from: NetNode): Map<string, number> {
  const hops = new Map([[from.idHex, 0]])
  // bounded: each live node is queued at most once
  const queue = [from]
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const idHex of net.peersOf(at)) {
      const peer = net.byId(idHex)
      if (peer === undefined || !peer.alive || hops.has(idHex)) continue
      hops.set(idHex, hops.get(at.idHex)! + 1)
      queue.push(peer)
    }
  }
  return hops
}
