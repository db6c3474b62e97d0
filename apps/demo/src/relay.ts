import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { equalBytes, generatePrivateKey, loadOrCreateNodeKey } from '@devp2p/crypto'
import { DATA_DIR_MODE, NODE_KEY_FILE, Node } from '@devp2p/node'
import type { PeerEvent, Protocol } from '@devp2p/p2p'
import {
  type AcceptedHandshake,
  HANDSHAKE_TOPIC,
  Pss,
  type PssRouteEvent,
  type SymKeyId,
  stringToTopic,
} from '@devp2p/pss'
import type { RpcClient } from '@devp2p/rpc'
import { type Bootnode, createBootnode } from './bootnode.js'
import {
  DEMO_TIMEOUT_MS,
  MAX_NODES,
  RELAY_CHAT,
  RELAY_DEFAULT_NODES,
  RELAY_MAX_PEERS,
  RELAY_MAX_PENDING_PEERS,
  RELAY_MIN_NODES,
  RELAY_TOPIC_NAME,
} from './constants.js'
import { demoDeadline, stayThenStop } from './deadline.js'
import type { DemoNode } from './demo.js'
import { forgetEarlierNetworks } from './forget-nodes.js'
import { type Graph, planChat, type Routing } from './relay-plan.js'
import { type AdminPeer, describeAdd, describeEvent, describePeers, hex, short } from './report.js'
import { type Logger, tagged } from './tagged-logger.js'

const SETTLING = 'the network to settle (every node with its dialed peer)'

/** One line of the relay chat, and the path it took. */
export interface RelayLine {
  readonly from: string
  readonly to: string
  readonly text: string
  /** `asym`: encrypted to the recipient's public key; `sym`: under a key the handshake agreed. */
  readonly encryption: 'asym' | 'sym'
  /** Node names from the sender to the recipient, as the nodes' route events tell it. */
  readonly path: readonly string[]
}

/** What the relay scenario did. */
export interface RelayReport {
  readonly nodes: readonly DemoNode[]
  /** Every connection as `[dialer, dialed]` node names, from `admin_peers`. */
  readonly connections: readonly (readonly [string, string])[]
  /** The two nodes that chatted (never peers of each other). */
  readonly chatters: readonly [string, string]
  /** Hops between them on the shortest path. */
  readonly hops: number
  /** How their messages were addressed (see `Routing`). */
  readonly routing: Routing
  /** With `xor` routing: the paths it was predicted to take, there and back (node names). */
  readonly predicted?: readonly [readonly string[], readonly string[]]
  readonly chat: readonly RelayLine[]
}

export interface RelayOptions {
  /** node0's data directory: key, node database, `LOCK`, IPC socket (created if missing). */
  readonly dataDir: string
  readonly print: (line: string) => void
  /** How many nodes, 4–16 (default 8). */
  readonly nodes?: number
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  /** Keep the nodes running after the chat until `signal` aborts. */
  readonly stay?: boolean
  /**
   * `'flood'` addresses the chat to everyone even where XOR routing would deliver it (so
   * a test sees that mode too); by default the demo picks (see `planChat`).
   */
  readonly routing?: 'flood'
  readonly logger?: Logger
}

/**
 * The relay scenario: `nodes` `Node`s, each running pss as a node service and allowed
 * `RELAY_MAX_PEERS` peers (one of them dialed), find each other through a discovery v4
 * bootnode into a sparse network. Once it settled (every node has its dialed peer, seen
 * from both ends), it reads every node's `admin_peers`, picks two nodes that are not
 * peers (`planChat`) and has them chat over pss, every line signed: a line each way
 * encrypted to the other's key (`sendAsym`), a handshake, a line each way under the
 * agreed keys (`sendSym`). Each line is printed with the path it took, drawn from every
 * node's `onRoute` events: `node1 → node4 → node0 → node6: "hello, can you read me?"`.
 *
 * @throws Error when the network does not settle or a line does not arrive within
 *   `timeoutMs`, when no two nodes are 2 hops apart, or when `signal` aborted it.
 */
export async function runRelay(options: RelayOptions): Promise<RelayReport> {
  const { dataDir, print, signal } = options
  const count = options.nodes ?? RELAY_DEFAULT_NODES
  if (!Number.isInteger(count) || count < RELAY_MIN_NODES || count > MAX_NODES) {
    throw new RangeError(
      `the relay scenario needs ${RELAY_MIN_NODES}–${MAX_NODES} nodes, got ${count}`,
    )
  }
  if (options.stay && !signal) throw new TypeError('stay needs a signal to stop on')
  const timeoutMs = options.timeoutMs ?? DEMO_TIMEOUT_MS
  const names = Array.from({ length: count }, (_, i) => `node${i}`)
  let waitingFor = 'the bootnode'
  const deadline = demoDeadline(timeoutMs, signal, () => {
    const why = waitingFor === SETTLING ? nodes.map(unsettled).filter(Boolean) : []
    return new Error(
      `relay demo timed out after ${timeoutMs / 1000} s waiting for ${waitingFor}${why.length ? ` (${why.join('; ')})` : ''}`,
    )
  })
  const { within } = deadline

  // bounded: one per demo node (at most MAX_NODES), and one RPC client each
  const nodes: Node[] = []
  const pss: Pss[] = []
  const clients: RpcClient[] = []
  let boot: Bootnode | undefined
  let stopping = false
  const stopAll = async (): Promise<void> => {
    stopping = true
    for (const client of clients.splice(0)) await client.close()
    for (const node of [...nodes].reverse()) await node.stop()
    await boot?.stop()
    boot = undefined
  }

  const topic = stringToTopic(RELAY_TOPIC_NAME)
  // the chatter that answers a handshake, and from whom: nobody else's is answered
  let answering: { node: number; from: Uint8Array } | undefined
  let answered: (handshake: AcceptedHandshake) => void = () => {}
  const handshakeAnswered = new Promise<AcceptedHandshake>((resolve) => {
    answered = resolve
  })
  const handshakeOptions = (i: number) => ({
    acceptHandshake: (publicKey: Uint8Array, t: Uint8Array) =>
      answering?.node === i && equalBytes(publicKey, answering.from) && equalBytes(t, topic),
    onHandshakeAccepted: (handshake: AcceptedHandshake) => {
      if (answering?.node === i) answered(handshake)
    },
  })
  // bounded: one entry per message the demo's pss carried (the chat's lines and the
  // handshake's two), each with one entry per node it reached: digest → node → the node
  // it came from (-1: it is ours)
  const routes = new Map<string, Map<number, number>>()
  // bounded: one per node: the digest of the last message it sent
  const lastSent: string[] = []
  let ids: string[] = []
  const indexOf = (id: string): number => ids.indexOf(id)
  const nameOf = (id: string): string => names[indexOf(id)] ?? short(id)
  const onRoute = (i: number) => (event: PssRouteEvent) => {
    if (event.dropped !== undefined) return
    let seen = routes.get(event.digest)
    if (seen === undefined) {
      seen = new Map()
      routes.set(event.digest, seen)
    }
    if (!seen.has(i)) seen.set(i, event.from === undefined ? -1 : indexOf(event.from))
    if (event.from === undefined) lastSent[i] = event.digest
  }
  const pathOf = (digest: string, from: number, to: number): string[] => {
    const seen = routes.get(digest)
    const path = [to]
    for (let at = to; at !== from && path.length <= count; ) {
      at = seen?.get(at) ?? -1
      if (at < 0) throw new Error(`no route events of a message from ${names[from]}`)
      path.unshift(at)
    }
    if (path[0] !== from) throw new Error(`the route events of a message from ${names[from]} loop`)
    return path.map((i) => names[i]!)
  }

  let allStarted = false
  let onChange: () => void = () => {}
  /** Why node `i` has not settled, or `undefined` once it has its dialed peer, with pss, seen from both ends. */
  const unsettled = (node: Node, i: number): string | undefined => {
    const peers = node.server.peers()
    const dialed = peers.filter((p) => !p.inbound).length
    if (dialed !== node.server.maxDialedPeers) return `${names[i]} has ${dialed} dialed peers`
    if (pss[i]!.peerCount !== peers.length) return `${names[i]} has not started pss with every peer`
    const oneSided = peers.find((p) => {
      const back = nodes[indexOf(p.idHex)]?.server.peers().find((q) => q.idHex === ids[i])
      return back === undefined || back.inbound === p.inbound
    })
    return oneSided && `${names[i]} − ${nameOf(oneSided.idHex)} is not seen from both ends`
  }
  /** Every node has settled. */
  const settled = (): boolean =>
    allStarted && nodes.every((node, i) => unsettled(node, i) === undefined)
  const networkSettled = new Promise<void>((resolve) => {
    onChange = () => {
      if (settled()) resolve()
    }
  })
  /** pss's protocol, telling the demo when it starts or ends with a peer. */
  const watched = (i: number, protocol: Protocol): Protocol => ({
    ...protocol,
    run(peer, rw) {
      const running = protocol.run(peer, rw) // adds the peer to pss before its first await
      // a node stopping frees a slot its peers redial: those are not the network shown
      if (!stopping) print(describeAdd(names[i]!, nameOf(peer.idHex), peer.inbound))
      onChange()
      return running.finally(onChange)
    },
  })

  try {
    boot = await createBootnode(options.logger) // not raced: once open it must be stopped
    await within(boot.disc.start())
    // node0's key is its data directory's: read (or made) here, as pss needs it too
    await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE })
    const keys = [await loadOrCreateNodeKey(join(dataDir, NODE_KEY_FILE))]
    for (let i = 1; i < count; i++) keys.push(generatePrivateKey())
    await forgetEarlierNetworks(dataDir)
    const bootnode = boot.disc.self()
    for (const [i, privateKey] of keys.entries()) {
      const node = new Node({
        name: names[i],
        privateKey,
        ...(i === 0 ? { dataDir } : {}),
        p2p: {
          listenAddr: '127.0.0.1:0',
          maxPeers: RELAY_MAX_PEERS,
          maxPendingPeers: RELAY_MAX_PENDING_PEERS,
        },
        discovery: { v4: { listenAddr: '127.0.0.1:0', bootnodes: [bootnode] } },
        ...tagged(options.logger, names[i]!),
      })
      const p = new Pss({
        privateKey,
        onRoute: onRoute(i),
        ...handshakeOptions(i),
        ...tagged(options.logger, names[i]!),
      })
      const service = p.service()
      node.register({ ...service, protocols: [watched(i, p.protocol)] })
      nodes.push(node)
      pss.push(p)
    }
    ids = pss.map((p) => hex(p.baseAddr()))
    waitingFor = 'the nodes to start'
    await within(Promise.all(nodes.map((node) => node.start())))
    print(`node key     ${join(dataDir, NODE_KEY_FILE)}`)
    nodes.forEach((node, i) => {
      node.server.on('peer', (ev: PeerEvent) => {
        if (ev.type !== 'add') print(describeEvent(names[i]!, ev, nameOf))
        onChange()
      })
      const note = i === 0 ? '  (key in node key file)' : ''
      print(
        `${i === 0 ? 'nodes' : '     '}        ${names[i]}  ${short(ids[i]!)}  ${node.server.listenAddr}${note}`,
      )
    })
    print(
      `bootnode     ${short(boot.disc.idHex)}  udp ${boot.disc.address.ip}:${boot.disc.address.port}`,
    )
    print(
      `topology     discovery v4 through the bootnode; each node dials ${nodes[0]!.server.maxDialedPeers} and takes at most ${RELAY_MAX_PEERS} peers; pss on every node`,
    )
    allStarted = true
    waitingFor = SETTLING
    onChange()
    await within(networkSettled)

    clients.push(...nodes.map((node) => node.attach()))
    waitingFor = 'admin_peers'
    const peers = await within(
      Promise.all(clients.map((client) => client.call<AdminPeer[]>('admin_peers'))),
    )
    for (const [i, list] of peers.entries()) print(describePeers(names[i]!, list, nameOf))
    const graph: Graph = peers.map((list) => list.map((p) => indexOf(p.id)))
    const connections = peers.flatMap((list, i) =>
      list.filter((p) => !p.network.inbound).map((p) => [names[i]!, nameOf(p.id)] as const),
    )
    const plan = planChat(
      pss.map((p) => p.baseAddr()),
      graph,
    )
    if (plan === undefined) {
      throw new Error('no two nodes are 2 or more hops apart in this network; try more --nodes')
    }
    const { a, b, hops } = plan
    const routing = options.routing ?? plan.routing
    const predicted = (routing === 'xor' ? plan.predicted : undefined)?.map((path) =>
      path.map((i) => names[i]!),
    ) as [string[], string[]] | undefined
    print(
      `chatters     ${names[a]} and ${names[b]}: not peers, ${hops} hops apart; ${
        routing === 'xor'
          ? 'each node passes a message to its peer closest to the recipient by XOR distance'
          : plan.routing === 'xor'
            ? 'they write to everyone (an empty address, as asked) and only the recipient can open it'
            : 'XOR routing meets a dead end between them, so they write to everyone (an empty address) and only the recipient can open it'
      }`,
    )

    const chatters = [a, b] as const
    const inbox = chatters.map((i) => pss[i]!.subscribe(topic))
    if (routing === 'flood') {
      for (const t of [topic, HANDSHAKE_TOPIC]) {
        pss[a]!.setPeerPublicKey(pss[b]!.publicKey(), t, new Uint8Array(0))
        pss[b]!.setPeerPublicKey(pss[a]!.publicKey(), t, new Uint8Array(0))
      }
    }
    // the symmetric key each chatter sends under, once the handshake agreed them
    let symKeys: readonly [SymKeyId, SymKeyId] | undefined
    const chat: RelayLine[] = []
    for (const [who, encryption, text] of RELAY_CHAT) {
      const [from, to] = who === 0 ? [a, b] : [b, a]
      if (encryption === 'sym' && symKeys === undefined) {
        waitingFor = `the handshake of ${names[a]} with ${names[b]}`
        answering = { node: b, from: pss[a]!.publicKey() }
        const ours = await within(pss[a]!.handshake(pss[b]!.publicKey(), topic, { signal }))
        const theirs = await within(handshakeAnswered)
        symKeys = [ours.sendKeyId, theirs.sendKeyId]
        print(
          `handshake    ${names[a]} ↔ ${names[b]}: a symmetric key each way, agreed over pss; the rest is AES-256-GCM`,
        )
      }
      waitingFor = `${names[to]} to get "${text}" from ${names[from]}`
      const payload = new TextEncoder().encode(text)
      const sent =
        encryption === 'sym'
          ? pss[from]!.sendSym(symKeys![who], topic, payload)
          : pss[from]!.sendAsym(pss[to]!.publicKey(), topic, payload)
      if (sent === 0) throw new Error(`${names[from]} has no peer to send to`)
      const digest = lastSent[from]!
      const { value, done } = await within(inbox[who === 0 ? 1 : 0]!.next())
      const got = done ? undefined : new TextDecoder().decode(value.payload)
      if (got !== text || !value?.from || !equalBytes(value.from, pss[from]!.publicKey())) {
        throw new Error(
          `${names[to]} got ${JSON.stringify(got)}, not "${text}" from ${names[from]}`,
        )
      }
      const path = pathOf(digest, from, to)
      print(`chat         ${path.join(' → ')}: "${text}"`)
      chat.push({ from: names[from]!, to: names[to]!, text, encryption, path })
    }
    for (const sub of inbox) await sub.return()
    deadline.clear()
    const report: RelayReport = {
      nodes: nodes.map((node, i) => ({
        name: names[i]!,
        id: ids[i]!,
        enode: node.endpoints().enode,
      })),
      connections,
      chatters: [names[a]!, names[b]!],
      hops,
      routing,
      ...(predicted === undefined ? {} : { predicted }),
      chat,
    }
    await stayThenStop(options, signal, print, stopAll)
    return report
  } finally {
    deadline.clear()
    await stopAll()
  }
}
