import { join } from 'node:path'
import { cryptoBackends, generatePrivateKey, keccak256, publicKeyFromPrivate } from '@devp2p/crypto'
import { NODE_KEY_FILE, Node } from '@devp2p/node'
import type { PeerEvent } from '@devp2p/p2p'
import { connect, type RpcClient } from '@devp2p/rpc'
import { type Bootnode, createBootnode } from './bootnode.js'
import { DEFAULT_NODES, DEMO_TIMEOUT_MS, MAX_NODES, MAX_PEERS, MIN_NODES } from './constants.js'
import { demoDeadline, stayThenStop } from './deadline.js'
import { type FooPeerStats, fooService } from './foo-service.js'
import { forgetEarlierNetworks } from './forget-nodes.js'
import {
  type AdminPeer,
  describeAdd,
  describeEvent,
  describeFooStats,
  describePeers,
  hex,
  short,
} from './report.js'
import { type Logger, tagged } from './tagged-logger.js'

/** One node of the demo, as the report shows it. */
export interface DemoNode {
  /** `node0`, `node1`, … */
  readonly name: string
  readonly id: string
  readonly enode: string
}

/** What the demo did, so a test can check it as well as a person can read it. */
export interface DemoReport {
  readonly keyFile: string
  /** Node 0's id, enode URL and ENR (its key persists in the data folder). */
  readonly nodeId: string
  readonly enode: string
  readonly enr: string
  readonly seq: bigint
  /** Node 0's IPC socket (in its data folder), which the summary asked for node0's peers. */
  readonly ipc: string
  readonly backends: ReturnType<typeof cryptoBackends>
  readonly nodes: readonly DemoNode[]
  /** How the nodes met. */
  readonly join: 'discovery' | 'addpeer'
  /** Every connection as `[dialer, dialed]` node names, from `admin_peers`. */
  readonly connections: readonly (readonly [string, string])[]
  /** Peers per node once every exchange is done, in node order, from `admin_peers`. */
  readonly peerCounts: readonly number[]
  /** Each node's `foo_stats` answer, in node order. */
  readonly fooStats: readonly (readonly FooPeerStats[])[]
}

export interface DemoOptions {
  /** node0's data directory: key, node database, `LOCK`, IPC socket (created if missing). */
  readonly dataDir: string
  /** Where lines go; the app prints them, a test collects them. */
  readonly print: (line: string) => void
  /** How many nodes to run, 2–16 (default 3). */
  readonly nodes?: number
  /** Give up (and stop every node) when the exchange is not done within this long. */
  readonly timeoutMs?: number
  /** Stops the demo cleanly when it aborts (Ctrl-C). */
  readonly signal?: AbortSignal
  /** Keep the nodes running after the exchange until `signal` aborts. */
  readonly stay?: boolean
  /**
   * How the nodes meet: `'discovery'` (default) starts a discovery v4 bootnode and gives
   * each node only that; `'addpeer'` joins them with `admin_addPeer`, as geth's tutorial does.
   */
  readonly join?: 'discovery' | 'addpeer'
  /**
   * Receives the log of every node and of the bootnode, each entry tagged with the
   * node's name (`node0`, …, `bootnode`) in `demoNode`; silent by default.
   */
  readonly logger?: Logger
}

/**
 * The go-ethereum p2p tutorial, for real: `nodes` devp2p `Node`s on 127.0.0.1 running the
 * tutorial's service (the `foo/1` protocol, which sends "foo" on connect, answers "foo"
 * with "bar" and prints anything else, and its `foo_stats` API). They find each other
 * through a discovery v4 bootnode (or, with `join: 'addpeer'`, each adds the ones started
 * before it with `admin_addPeer`), so every pair is connected. Peer events are printed as
 * they happen. Once every connection got its "bar" both ways it prints every node's
 * `admin_peers` and `foo_stats` (node0's over its IPC socket, the others' in process),
 * stops every node and prints `demo finished`.
 *
 * @throws Error when the exchange is not done within `timeoutMs`, or `signal` aborted it;
 *   NodeError when a node cannot start (node0's data directory is locked, say).
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const { dataDir, print, signal } = options
  const count = options.nodes ?? DEFAULT_NODES
  if (!Number.isInteger(count) || count < MIN_NODES || count > MAX_NODES) {
    throw new RangeError(`nodes must be an integer ${MIN_NODES}–${MAX_NODES}, got ${count}`)
  }
  if (options.stay && !signal) throw new TypeError('stay needs a signal to stop on')
  const timeoutMs = options.timeoutMs ?? DEMO_TIMEOUT_MS
  const joinMode = options.join ?? 'discovery'

  const names = Array.from({ length: count }, (_, i) => `node${i}`)
  // node0's key is its data directory's (its Node loads it, and node0 starts first); the
  // others' are made here, so every id is known before any two nodes can meet
  const keys = names.map((_, i) => (i === 0 ? undefined : generatePrivateKey()))
  const ids = keys.map((key) => (key ? hex(keccak256(publicKeyFromPrivate(key))) : ''))
  const nameOf = (id: string) => {
    const i = ids.indexOf(id)
    return i < 0 ? short(id) : names[i]!
  }

  // Full mesh either way. With addPeer, node i adds nodes 0 … i−1, so every pair has
  // exactly one connection; with discovery every node finds and dials the others.
  const pairs: [number, number][] = []
  for (let i = 1; i < count; i++) for (let j = 0; j < i; j++) pairs.push([i, j])
  // Every pair owes a "bar" both ways; `to<from` until it arrived.
  const owed = new Set(pairs.flatMap(([a, b]) => [`${a}<${b}`, `${b}<${a}`]))
  let exchanged: () => void = () => {}
  const allExchanged = new Promise<void>((resolve) => {
    exchanged = resolve
  })
  const service = (i: number) =>
    fooService({
      onPeer: (peer) => print(describeAdd(names[i]!, nameOf(peer.idHex), peer.inbound)),
      onMessage: (peer, text) => {
        print(`${names[i]} ← ${nameOf(peer.idHex)}: ${text}`)
        if (text === 'bar' && owed.delete(`${i}<${ids.indexOf(peer.idHex)}`) && !owed.size) {
          exchanged()
        }
      },
    })

  // bounded: one per demo node (at most MAX_NODES)
  const nodes: Node[] = []
  // bounded: one RPC client per demo node
  const clients: RpcClient[] = []
  let boot: Bootnode | undefined
  const stopAll = async (): Promise<void> => {
    for (const client of clients.splice(0)) await client.close()
    // Newest first: the nodes still running never have a stopped one as a static peer.
    for (const node of [...nodes].reverse()) await node.stop()
    await boot?.stop()
  }

  /** Whether every pair holds one connection, seen as the same one from both ends. */
  const settled = (): boolean =>
    pairs.every(([a, b]) => {
      const ab = nodes[a]!.server.peers().find((p) => p.idHex === ids[b])
      const ba = nodes[b]!.server.peers().find((p) => p.idHex === ids[a])
      return ab !== undefined && ba !== undefined && ab.inbound !== ba.inbound
    })
  /** Resolves at the first peer event (or at once) after which {@link settled} holds. */
  const meshSettled = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!settled()) return
        for (const node of nodes) node.server.off('peer', check)
        resolve()
      }
      for (const node of nodes) node.server.on('peer', check)
      check()
    })

  const deadline = demoDeadline(timeoutMs, signal, () => {
    const missing = [...owed].map((k) =>
      k
        .split('<')
        .map((n) => names[Number(n)])
        .join(' ← '),
    )
    return new Error(
      `demo timed out after ${timeoutMs / 1000} s; still waiting for "bar" at ${missing.join(', ')}`,
    )
  })
  const { within } = deadline
  try {
    if (joinMode === 'discovery') {
      boot = await createBootnode(options.logger) // not raced: once open it must be stopped
      await within(boot.disc.start())
    }
    // not raced: it closes node0's database before the node opens it
    await forgetEarlierNetworks(dataDir)

    const makeNode = (i: number): Node => {
      const key = keys[i]
      const node = new Node({
        name: names[i],
        ...(key ? { privateKey: key } : { dataDir }),
        p2p: { listenAddr: '127.0.0.1:0', maxPeers: MAX_PEERS },
        discovery: {
          v4: boot ? { listenAddr: '127.0.0.1:0', bootnodes: [boot.disc.self()] } : false,
        },
        ...tagged(options.logger, names[i]!),
      })
      node.register(service(i))
      nodes.push(node)
      return node
    }
    const started = async (node: Node, i: number): Promise<void> => {
      await within(node.start())
      // adds are printed by the service, which sees every peer (also one that came during start)
      node.server.on('peer', (ev: PeerEvent) => {
        if (ev.type !== 'add') print(describeEvent(names[i]!, ev, nameOf))
      })
    }
    await started(makeNode(0), 0)
    const zero = nodes[0]!
    ids[0] = zero.server.nodeInfo().id
    const ipc = zero.endpoints().ipc
    if (ipc === undefined) throw new Error('node0 serves no IPC socket')
    const others = names.slice(1).map((_, i) => makeNode(i + 1))
    await Promise.all(others.map((node, i) => started(node, i + 1)))
    // not raced: a client must be in `clients` to be closed
    clients.push(await connect(ipc), ...others.map((node) => node.attach()))

    const info = zero.server.nodeInfo()
    const keyFile = join(zero.dataDir ?? dataDir, NODE_KEY_FILE)
    const seq = zero.server.record.seq
    const backends = cryptoBackends()
    print(`node key     ${keyFile}`)
    print(`node id      ${info.id}`)
    print(`enode        ${info.enode}`)
    print(`enr          ${info.enr}`)
    print(`enr seq      ${seq}`)
    print(`ipc          ${ipc}`)
    print(
      `backends     secp256k1=${backends.secp256k1} keccak=${backends.keccak} aes=${backends.aes}`,
    )
    nodes.forEach((node, i) => {
      const note = i === 0 ? '  (key in node key file)' : ''
      print(
        `${i === 0 ? 'nodes' : '     '}        ${names[i]}  ${short(ids[i]!)}  ${node.server.listenAddr}${note}`,
      )
    })
    if (boot) {
      const { address, idHex } = boot.disc
      print(`bootnode     ${short(idHex)}  udp ${address.ip}:${address.port}`)
      print('topology     discovery v4: every node knows only the bootnode and finds the rest')
    } else {
      print(
        `topology     full mesh, each node adds the ones before it with admin_addPeer: ${pairs.map(([a, b]) => `${names[a]} → ${names[b]}`).join(', ')}`,
      )
      for (const [a, b] of pairs) {
        await within(clients[a]!.call('admin_addPeer', nodes[b]!.endpoints().enode))
      }
    }
    await within(allExchanged)
    // Two nodes that dialed each other at once may have traded their bars over the
    // connection that is about to lose (the other one completed a moment later); wait
    // until both ends of every pair keep the same one, so the report shows the mesh.
    await within(meshSettled())

    const peers = await within(
      Promise.all(clients.map((client) => client.call<AdminPeer[]>('admin_peers'))),
    )
    const fooStats = await within(
      Promise.all(clients.map((client) => client.call<FooPeerStats[]>('foo_stats'))),
    )
    deadline.clear()
    for (const [i, list] of peers.entries()) print(describePeers(names[i]!, list, nameOf))
    for (const [i, stats] of fooStats.entries()) {
      print(describeFooStats(names[i]!, stats, nameOf))
    }
    const connections = peers.flatMap((list, i) =>
      list.filter((p) => !p.network.inbound).map((p) => [names[i]!, nameOf(p.id)] as const),
    )
    const report: DemoReport = {
      keyFile,
      nodeId: info.id,
      enode: info.enode,
      enr: info.enr,
      seq,
      ipc,
      backends,
      nodes: nodes.map((node, i) => ({
        name: names[i]!,
        id: ids[i]!,
        enode: node.endpoints().enode,
      })),
      join: joinMode,
      connections,
      peerCounts: peers.map((list) => list.length),
      fooStats,
    }

    await stayThenStop(options, signal, print, stopAll)
    return report
  } finally {
    deadline.clear()
    await stopAll()
  }
}
