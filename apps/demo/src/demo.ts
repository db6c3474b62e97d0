import { join } from 'node:path'
import {
  cryptoBackends,
  generatePrivateKey,
  keccak256,
  loadOrCreateNodeKey,
  publicKeyFromPrivate,
} from '@devp2p/crypto'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode, NodeDB } from '@devp2p/enode'
import { type PeerEvent, type Protocol, Server, type ServerOptions, send } from '@devp2p/p2p'
import { t } from '@devp2p/rlp'

/** How many nodes the demo runs unless told otherwise. */
export const DEFAULT_NODES = 3
export const MIN_NODES = 2
export const MAX_NODES = 16
/** How long the whole exchange may take before the demo gives up. */
export const DEMO_TIMEOUT_MS = 30_000
/** Peers per node: geth's default; a third (16) may be dialed, enough for MAX_NODES. */
const MAX_PEERS = 50

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
  readonly backends: ReturnType<typeof cryptoBackends>
  readonly nodes: readonly DemoNode[]
  /** How the nodes met. */
  readonly join: 'discovery' | 'addpeer'
  /** Every connection as `[dialer, dialed]` node names. */
  readonly connections: readonly (readonly [string, string])[]
  /** Peers per node once every exchange is done, in node order. */
  readonly peerCounts: readonly number[]
}

export interface DemoOptions {
  /** Folder for node 0's key and node database (created if missing). */
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
   * each node only that; `'addpeer'` joins them with `addPeer`, as geth's tutorial does.
   */
  readonly join?: 'discovery' | 'addpeer'
  /**
   * Receives the log of every server and discovery service, each entry tagged with the
   * node's name (`node0`, …, `bootnode`) in `demoNode`; silent by default.
   */
  readonly logger?: NonNullable<ServerOptions['logger']>
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const short = (id: string) => id.slice(0, 8)

/**
 * The go-ethereum p2p tutorial, for real: `nodes` servers on 127.0.0.1 that find each
 * other through a discovery v4 bootnode (or, with `join: 'addpeer'`, each adding the ones
 * started before it), so every pair is connected, running a `foo/1` protocol that
 * sends "foo" on connect, answers "foo" with "bar" and prints anything else. Peer events
 * are printed as they happen. Once every connection got its "bar" both ways it prints
 * the peer counts, stops every node and prints `demo finished`.
 *
 * @throws Error when the exchange is not done within `timeoutMs`, or `signal` aborted it.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const { dataDir, print, signal } = options
  const logFor = (node: string): ServerOptions['logger'] => {
    const log = options.logger
    if (!log) return undefined
    return {
      debug: (obj, msg) => log.debug({ ...obj, demoNode: node }, msg),
      info: (obj, msg) => log.info({ ...obj, demoNode: node }, msg),
      warn: (obj, msg) => log.warn({ ...obj, demoNode: node }, msg),
      error: (obj, msg) => log.error({ ...obj, demoNode: node }, msg),
    }
  }
  const count = options.nodes ?? DEFAULT_NODES
  if (!Number.isInteger(count) || count < MIN_NODES || count > MAX_NODES) {
    throw new RangeError(`nodes must be an integer ${MIN_NODES}–${MAX_NODES}, got ${count}`)
  }
  if (options.stay && !signal) throw new TypeError('stay needs a signal to stop on')
  const timeoutMs = options.timeoutMs ?? DEMO_TIMEOUT_MS

  const keyFile = join(dataDir, 'nodekey')
  const keys = [await loadOrCreateNodeKey(keyFile)]
  for (let i = 1; i < count; i++) keys.push(generatePrivateKey())
  const ids = keys.map((key) => hex(keccak256(publicKeyFromPrivate(key))))
  const names = ids.map((_, i) => `node${i}`)
  const nameOf = (id: string) => {
    const i = ids.indexOf(id)
    return i < 0 ? short(id) : names[i]!
  }

  const joinMode = options.join ?? 'discovery'
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

  const fooProtocol = (self: number): Protocol => ({
    name: 'foo',
    version: 1,
    length: 1,
    async run(peer, rw) {
      await send(rw, 0, 'foo')
      for await (const msg of rw) {
        const text = msg.decode(t.string)
        if (text === 'foo') {
          await send(rw, 0, 'bar')
          continue
        }
        print(`${names[self]} ← ${nameOf(peer.idHex)}: ${text}`)
        if (text === 'bar' && owed.delete(`${self}<${ids.indexOf(peer.idHex)}`) && !owed.size) {
          exchanged()
        }
      }
    },
  })

  // The demo composes each node: it owns every node's database (node0's on disk, which
  // keeps the ENR seq across runs; the others in memory) and record, and hands the record
  // to the server and to discovery. Discovery gets a database of its own in memory, so
  // each run is a new network: node0's disk keeps no nodes of earlier runs to seed from.
  const dbs = await Promise.all(
    keys.map((_, i) => NodeDB.open(i === 0 ? { path: join(dataDir, 'nodes') } : {})),
  )
  const closeDbs = async (): Promise<void> => {
    for (const db of dbs) await db.close()
  }
  const localNodes = await Promise.all(
    keys.map((privateKey, i) =>
      LocalNode.create({
        privateKey,
        db: dbs[i]!,
        ...(options.logger ? { logger: logFor(names[i]!) } : {}),
      }),
    ),
  ).catch(async (err: unknown) => {
    await closeDbs()
    throw err
  })
  const servers = keys.map(
    (privateKey, i) =>
      new Server({
        privateKey,
        localNode: localNodes[i]!,
        name: `devp2p-ts/demo/${names[i]}`,
        maxPeers: MAX_PEERS,
        listenAddr: '127.0.0.1:0',
        protocols: [fooProtocol(i)],
        ...(options.logger ? { logger: logFor(names[i]!) } : {}),
      }),
  )
  servers.forEach((server, i) => {
    server.on('peer', (ev: PeerEvent) => print(describeEvent(names[i]!, server, ev, nameOf)))
  })

  /** Whether every pair holds one connection, seen as the same one from both ends. */
  const settled = (): boolean =>
    pairs.every(([a, b]) => {
      const ab = servers[a]!.peers().find((p) => p.idHex === ids[b])
      const ba = servers[b]!.peers().find((p) => p.idHex === ids[a])
      return ab !== undefined && ba !== undefined && ab.inbound !== ba.inbound
    })
  /** Resolves at the first peer event (or at once) after which {@link settled} holds. */
  const meshSettled = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!settled()) return
        for (const server of servers) server.off('peer', check)
        resolve()
      }
      for (const server of servers) server.on('peer', check)
      check()
    })

  // bounded: one discovery service per node, plus the bootnode
  const discovery: Discv4[] = []
  // bounded: one node database per discovery service; closed after them
  const discoveryDbs: NodeDB[] = []
  const stopAll = async (): Promise<void> => {
    // Newest first: the nodes still running never have a stopped one as a static peer.
    for (const server of [...servers].reverse()) await server.stop()
    for (const disc of discovery) await disc.stop()
    // last: the servers and services that used them are stopped (close is idempotent)
    await closeDbs()
    for (const db of discoveryDbs.splice(0)) await db.close()
  }
  /** A node database in memory for one discovery service, closed by stopAll. */
  const discoveryDb = async (): Promise<NodeDB> => {
    const db = await NodeDB.open()
    discoveryDbs.push(db)
    return db
  }

  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = [...owed].map((k) =>
          k
            .split('<')
            .map((n) => names[Number(n)])
            .join(' ← '),
        )
        reject(
          new Error(
            `demo timed out after ${timeoutMs / 1000} s; still waiting for "bar" at ${missing.join(', ')}`,
          ),
        )
      }, timeoutMs)
      onAbort = () => reject(new Error('demo interrupted'))
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
    deadline.catch(() => {})
    const within = <T>(task: Promise<T>): Promise<T> => Promise.race([task, deadline])

    await within(Promise.all(servers.map((server) => server.start())))
    const zero = servers[0]!.nodeInfo()
    const backends = cryptoBackends()
    print(`node key     ${keyFile}`)
    print(`node id      ${zero.id}`)
    print(`enode        ${zero.enode}`)
    print(`enr          ${zero.enr}`)
    print(`enr seq      ${servers[0]!.record.seq}`)
    print(
      `backends     secp256k1=${backends.secp256k1} keccak=${backends.keccak} aes=${backends.aes}`,
    )
    servers.forEach((server, i) => {
      const note = i === 0 ? '  (key in node key file)' : ''
      print(
        `${i === 0 ? 'nodes' : '     '}        ${names[i]}  ${short(ids[i]!)}  ${server.listenAddr}${note}`,
      )
    })
    if (joinMode === 'addpeer') {
      print(
        `topology     full mesh, each node adds the ones before it: ${pairs.map(([a, b]) => `${names[a]} → ${names[b]}`).join(', ')}`,
      )
      for (const [a, b] of pairs) servers[a]!.addPeer(servers[b]!.self())
    } else {
      // the bootnode is discovery alone: its own key, record and node database
      const bootKey = generatePrivateKey()
      const bootDb = await within(discoveryDb())
      const boot = new Discv4({
        privateKey: bootKey,
        localNode: await within(LocalNode.create({ privateKey: bootKey, db: bootDb })),
        db: bootDb,
        listenAddr: '127.0.0.1:0',
        ...(options.logger ? { logger: logFor('bootnode') } : {}),
      })
      discovery.push(boot)
      await within(boot.start())
      print(`bootnode     ${short(boot.idHex)}  udp ${boot.address.ip}:${boot.address.port}`)
      print('topology     discovery v4: every node knows only the bootnode and finds the rest')
      await within(
        Promise.all(
          servers.map(async (server) => {
            const i = servers.indexOf(server)
            // The record (and its seq, kept in node0's database) is shared with the
            // server, but the node database of discovery is a new one in memory: every run is a new
            // network (new keys, new bootnode), so the nodes of earlier runs are all dead.
            // Seeded from node0's database they were asked, timed out and dialed on every
            // run, and the demo got slower with each run.
            const disc = new Discv4({
              privateKey: keys[i]!,
              listenAddr: '127.0.0.1:0',
              localNode: localNodes[i]!,
              db: await discoveryDb(),
              bootnodes: [boot.self()],
              ...(options.logger ? { logger: logFor(names[i]!) } : {}),
            })
            discovery.push(disc)
            await disc.start()
            server.addNodeSource(disc)
          }),
        ),
      )
    }
    await within(allExchanged)
    // Two nodes that dialed each other at once may have traded their bars over the
    // connection that is about to lose (the other one completed a moment later); wait
    // until both ends of every pair keep the same one, so the report shows the mesh.
    await within(meshSettled())
    const connections = servers.flatMap((server, i) =>
      server
        .peers()
        .filter((p) => !p.inbound)
        .map((p) => [names[i]!, nameOf(p.idHex)] as const),
    )

    const peerCounts = servers.map((server, i) => {
      const peers = server.peersInfo()
      const inbound = peers.filter((p) => p.network.inbound).length
      const list = peers.map((p) => nameOf(p.id)).sort()
      print(
        `admin_peers  ${names[i]}: ${peers.length} peers (${inbound} inbound, ${peers.length - inbound} outbound): ${list.join(' ')}`,
      )
      return peers.length
    })
    clearTimeout(timer)
    const nodes = servers.map((server, i) => ({
      name: names[i]!,
      id: ids[i]!,
      enode: server.self().toEnodeUrl(),
    }))

    if (options.stay && signal) {
      print('running      until Ctrl-C')
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve()
        else signal.addEventListener('abort', () => resolve(), { once: true })
      })
    }
    print('stopping')
    await stopAll()
    print('demo finished')
    return {
      keyFile,
      nodeId: zero.id,
      enode: zero.enode,
      enr: zero.enr,
      seq: servers[0]!.record.seq,
      backends,
      nodes,
      join: joinMode,
      connections,
      peerCounts,
    }
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    await stopAll()
  }
}

/** `node0 + node1 (inbound)`, `node0 − node1: client quitting`. */
function describeEvent(
  self: string,
  server: Server,
  ev: PeerEvent,
  nameOf: (id: string) => string,
): string {
  const peer = nameOf(ev.peer)
  switch (ev.type) {
    case 'add': {
      const inbound = server.peers().find((p) => p.idHex === ev.peer)?.inbound
      const dir = inbound === undefined ? '' : inbound ? ' (inbound)' : ' (outbound)'
      return `${self} + ${peer}${dir}`
    }
    case 'drop':
      return `${self} − ${peer}: ${ev.error.message}`
    default:
      return `${self} ${ev.type} ${peer} ${ev.protocol}/${ev.msgCode} ${ev.msgSize} bytes`
  }
}
