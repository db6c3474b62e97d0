import { generatePrivateKey } from '@devp2p/crypto'
import { t } from '@devp2p/rlp'
import {
  type Msg,
  type MsgReadWriter,
  type Peer,
  type PeerEvent,
  type Protocol,
  Server,
  type ServerOptions,
  send,
} from '../../src/index.ts'

/** Servers started by a test; `stopAll` in afterEach. */
export class ServerPool {
  readonly servers: Server[] = []

  async start(options: Partial<ServerOptions> & Pick<ServerOptions, 'protocols'>): Promise<Server> {
    const server = new Server({
      privateKey: generatePrivateKey(),
      listenAddr: '127.0.0.1:0',
      name: `test-${this.servers.length}`,
      ...options,
    })
    this.servers.push(server)
    await server.start()
    return server
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((s) => s.stop()))
  }
}

/** Resolves with the first peer event matching `match` (narrowed when `match` is a type guard). */
export function nextEvent<E extends PeerEvent>(
  server: Server,
  match: (event: PeerEvent) => event is E,
): Promise<E>
export function nextEvent(server: Server, match?: (event: PeerEvent) => boolean): Promise<PeerEvent>
export function nextEvent(
  server: Server,
  match: (event: PeerEvent) => boolean = () => true,
): Promise<PeerEvent> {
  return new Promise((resolve) => {
    const onEvent = (event: PeerEvent): void => {
      if (!match(event)) return
      server.off('peer', onEvent)
      resolve(event)
    }
    server.on('peer', onEvent)
  })
}

/** Resolves once `server` has `count` peers. */
export async function peerCount(server: Server, count: number): Promise<void> {
  while (server.peerCount !== count) {
    await nextEvent(server)
  }
}

/** A protocol that answers "foo" with "bar" and records everything else. */
export function fooProtocol(options: { version?: number; received?: string[] } = {}): Protocol {
  return {
    name: 'foo',
    version: options.version ?? 1,
    length: 1,
    async run(_peer, rw) {
      for await (const msg of rw) {
        const text = msg.decode(t.string)
        if (text === 'foo') await send(rw, 0, 'bar')
        else options.received?.push(text)
      }
    },
  }
}

/**
 * A protocol whose `run` hands its peer and rw to the test (the first peer's resolve
 * `ready`) and then holds the connection open until the peer drops.
 */
export function holdingProtocol(
  options: { name?: string; version?: number; length?: number } = {},
): { protocol: Protocol; ready: Promise<{ peer: Peer; rw: MsgReadWriter }> } {
  let resolve: (value: { peer: Peer; rw: MsgReadWriter }) => void = () => {}
  const ready = new Promise<{ peer: Peer; rw: MsgReadWriter }>((r) => {
    resolve = r
  })
  const protocol: Protocol = {
    name: options.name ?? 'foo',
    version: options.version ?? 1,
    length: options.length ?? 1,
    async run(peer, rw) {
      resolve({ peer, rw })
      await new Promise<void>((done) => peer.signal.addEventListener('abort', () => done()))
    },
  }
  return { protocol, ready }
}

export type { Msg }

/** A promise with its resolve function (Node 20 has no Promise.withResolvers). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
