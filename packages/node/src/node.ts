import { resolve } from 'node:path'
import { type Clock, type Logger, silentLogger, systemClock } from '@devp2p/common'
import { DnsClient } from '@devp2p/discovery/dns'
import { Discv4 } from '@devp2p/discovery/v4'
import { LocalNode } from '@devp2p/enode'
import { DEFAULT_LISTEN_ADDR, type Protocol, Server } from '@devp2p/p2p'
import { inProcessTransport, RpcClient, RpcServer } from '@devp2p/rpc'
import { AdminApi, NetApi, type NodeApiBackend, Web3Api } from './admin-api.js'
import { checkConfig, ipcEndpoint, type NodeConfig } from './config.js'
import { openDataDir } from './data-dir.js'
import { DebugApi } from './debug-api.js'
import { type NodeEndpoints, type RpcEndpoints, startRpcEndpoints } from './endpoints.js'
import { NodeError } from './errors.js'
import { type Lifecycle, type NodeApi, type Service, ServiceRegistry } from './services.js'
import { clientVersion } from './version.js'

type State = 'initial' | 'starting' | 'running' | 'stopping' | 'stopped'

/** One thing `start()` opened, undone by `stop()` (or by a failed start) in reverse order. */
interface Undo {
  readonly what: string
  run(): void | Promise<void>
}

/**
 * A devp2p node, as go-ethereum's `node.Node`: it owns the data directory (key, node
 * database, lock), the p2p server, discovery and the RPC endpoints, and runs the
 * services registered with it. Register services, then `start()`; `stop()` undoes it all.
 */
export class Node {
  /** The client name: Hello's and `web3_clientVersion`'s. */
  readonly clientVersion: string
  readonly #config: NodeConfig
  readonly #log: Logger
  readonly #clock: Clock
  readonly #services = new ServiceRegistry()
  #state: State = 'initial'
  #start: Promise<void> | undefined
  #stop: Promise<void> | undefined
  // bounded: one entry per component start() opened (data dir, server, discovery, RPC, endpoints, services)
  readonly #undo: Undo[] = []
  // bounded: clients made by attach() in this process, closed at stop
  readonly #clients = new Set<RpcClient>()
  #server: Server | undefined
  #rpc: RpcServer | undefined
  #discovery: Discv4 | undefined
  #endpoints: RpcEndpoints | undefined
  #markStopped!: () => void
  readonly #stopped = new Promise<void>((resolve) => {
    this.#markStopped = resolve
  })

  /** @throws TypeError for a malformed configuration. No I/O happens before `start()`. */
  constructor(config: NodeConfig = {}) {
    checkConfig(config)
    // absolute from here on, as geth's: a later chdir does not move the node's files
    this.#config =
      config.dataDir === undefined ? { ...config } : { ...config, dataDir: resolve(config.dataDir) }
    this.#log = config.logger ?? silentLogger
    this.#clock = config.clock ?? systemClock
    this.clientVersion = clientVersion(config.name)
  }

  /** The data directory made absolute, or undefined for a node in memory. */
  get dataDir(): string | undefined {
    return this.#config.dataDir
  }

  /** Whether the node has started and not begun to stop. */
  get running(): boolean {
    return this.#state === 'running'
  }

  /** The p2p server (from `start()` on). @throws NodeError `NOT_RUNNING` before. */
  get server(): Server {
    if (!this.#server) throw new NodeError('NOT_RUNNING', 'the node has not been started')
    return this.#server
  }

  /** The node's RPC server (from `start()` on). @throws NodeError `NOT_RUNNING` before. */
  get rpc(): RpcServer {
    if (!this.#rpc) throw new NodeError('NOT_RUNNING', 'the node has not been started')
    return this.#rpc
  }

  /** Discovery v4, when it runs. */
  get discovery(): Discv4 | undefined {
    return this.#discovery
  }

  #checkRegistration(): void {
    if (this.#state !== 'initial') {
      throw new TypeError('services can only be registered before the node starts')
    }
  }

  /** Registers a service: its protocols, its APIs and its start/stop. @throws TypeError after start. */
  register(service: Service): void {
    this.#checkRegistration()
    this.#services.add(service)
  }

  /** Adds protocols the p2p server runs (geth's `RegisterProtocols`). */
  registerProtocols(protocols: readonly Protocol[]): void {
    this.#checkRegistration()
    this.#services.addProtocols(protocols)
  }

  /** Adds RPC APIs (geth's `RegisterAPIs`). */
  registerApis(apis: readonly NodeApi[]): void {
    this.#checkRegistration()
    this.#services.addApis(apis)
  }

  /** Adds something started after the endpoints, stopped before them (geth's `RegisterLifecycle`). */
  registerLifecycle(lifecycle: Lifecycle): void {
    this.#checkRegistration()
    this.#services.addLifecycle(lifecycle)
  }

  /**
   * Opens the data directory, starts the p2p server, discovery, the RPC endpoints and then
   * each service in registration order. Resolves when all run; calling it again returns
   * the same promise.
   * @throws NodeError `START_FAILED` (everything started was stopped again, the node is
   *   stopped), `STOPPED` after `stop()`.
   */
  start(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      return Promise.reject(new NodeError('STOPPED', 'the node was stopped; make a new Node'))
    }
    this.#start ??= this.#startInner()
    return this.#start
  }

  async #step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new NodeError('START_FAILED', `node start failed: ${what}: ${describe(err)}`, {
        cause: err,
      })
    }
  }

  async #startInner(): Promise<void> {
    this.#state = 'starting'
    const config = this.#config
    const logger = this.#log
    const clock = this.#clock
    try {
      const dir = await this.#step('open the data directory', () =>
        openDataDir({ dataDir: config.dataDir, privateKey: config.privateKey, logger, clock }),
      )
      this.#undo.push({ what: 'data directory', run: () => dir.close() })
      const { privateKey, db } = dir
      const localNode = await this.#step('create the local node record', () =>
        LocalNode.create({ privateKey, db, logger, clock }),
      )

      const server = await this.#step('start the p2p server', async () => {
        const created = new Server({
          ...config.p2p,
          privateKey,
          localNode,
          protocols: this.#services.protocols,
          name: this.clientVersion,
          logger,
          clock,
        })
        this.#server = created
        await created.start()
        return created
      })
      this.#undo.push({ what: 'p2p server', run: () => server.stop() })

      const v4 = config.discovery?.v4 ?? true
      if (v4 !== false) {
        const options = v4 === true ? {} : v4
        const disc = new Discv4({
          ...options,
          listenAddr: options.listenAddr ?? (server.listenAddr || DEFAULT_LISTEN_ADDR),
          privateKey,
          localNode,
          db,
          logger,
          clock,
        })
        await this.#step('start discovery v4', () => disc.start())
        this.#undo.push({ what: 'discovery v4', run: () => disc.stop() })
        this.#discovery = disc
        server.addNodeSource(disc)
        // services' candidates are nodes their protocols want: they may use reserved slots
        for (const wanted of this.#services.dialCandidates)
          server.addNodeSource(wanted(disc), { preferred: true })
      }

      const dns = config.discovery?.dns
      if (dns !== undefined && dns.urls.length > 0) {
        const { urls, ...options } = dns
        // the client holds no socket or timer of its own: its stream runs while the server
        // pulls candidates, and the server's stop aborts it (and any query in flight)
        const source = await this.#step('start DNS discovery', async () =>
          new DnsClient({ ...options, logger, clock }).nodes(urls),
        )
        server.addNodeSource(source)
        logger.info({ urls }, 'dialing nodes of DNS node lists')
      }

      const rpc = new RpcServer({ ...config.rpc, logger, clock })
      this.#rpc = rpc
      this.#undo.push({ what: 'RPC server', run: () => rpc.stop() })
      await this.#step('register the RPC APIs', async () => {
        const backend: NodeApiBackend = {
          server: () => server,
          dataDir: config.dataDir ?? '',
          clientVersion: this.clientVersion,
        }
        rpc.registerName('admin', new AdminApi(backend))
        rpc.registerName('net', new NetApi(backend))
        rpc.registerName('web3', new Web3Api(backend))
        rpc.registerName('debug', new DebugApi(() => this.#discovery))
        for (const api of this.#services.apis)
          rpc.registerName(api.namespace, api.service, api.spec)
      })
      this.#undo.push({ what: 'attached clients', run: () => this.#closeClients() })
      const endpoints = await this.#step('start the RPC endpoints', () =>
        startRpcEndpoints(rpc, config, ipcEndpoint(config), logger, clock),
      )
      this.#endpoints = endpoints
      this.#undo.push({ what: 'RPC endpoints', run: () => endpoints.stop() })

      for (const [i, lifecycle] of this.#services.lifecycles.entries()) {
        await this.#step(`start service ${i}`, async () => lifecycle.start())
        this.#undo.push({ what: `service ${i}`, run: () => lifecycle.stop() })
      }
      this.#state = 'running'
      logger.info({ enode: server.nodeInfo().enode, ...endpoints }, 'node started')
    } catch (err) {
      this.#state = 'stopping'
      const failures = await this.#teardown()
      for (const failure of failures) {
        logger.warn({ err: describe(failure) }, 'rollback after a failed start: a stop failed')
      }
      this.#finish()
      throw err
    }
  }

  /** Runs every undo step in reverse; returns what failed (the rest still ran). */
  async #teardown(): Promise<unknown[]> {
    const failures: unknown[] = []
    for (const undo of this.#undo.splice(0).reverse()) {
      try {
        await undo.run()
      } catch (err) {
        this.#log.warn({ what: undo.what, err: describe(err) }, 'stop failed')
        failures.push(err)
      }
    }
    return failures
  }

  async #closeClients(): Promise<void> {
    const clients = [...this.#clients]
    this.#clients.clear()
    await Promise.all(clients.map((client) => client.close()))
  }

  #finish(): void {
    this.#state = 'stopped'
    this.#markStopped()
  }

  /**
   * Stops the services in reverse order, then the RPC endpoints, discovery, the p2p
   * server, the node database and the lock. Idempotent; concurrent calls share one
   * promise; waits for a start in progress first.
   * @throws NodeError `STOP_FAILED` when a part failed to stop (the others were stopped).
   */
  stop(): Promise<void> {
    this.#stop ??= this.#stopInner()
    return this.#stop
  }

  async #stopInner(): Promise<void> {
    if (this.#start) await this.#start.catch(() => {})
    if (this.#state === 'stopped') return this.#finish()
    this.#state = 'stopping'
    const failures = await this.#teardown()
    this.#finish()
    this.#log.info({}, 'node stopped')
    if (failures.length === 1) {
      throw new NodeError('STOP_FAILED', `node stop failed: ${describe(failures[0])}`, {
        cause: failures[0],
      })
    }
    if (failures.length > 1) {
      throw new NodeError('STOP_FAILED', `node stop failed in ${failures.length} parts`, {
        cause: new AggregateError(failures),
      })
    }
  }

  /** Resolves when the node has stopped (also after a failed start). */
  wait(): Promise<void> {
    return this.#stopped
  }

  /**
   * Where the running node is reached: IPC path, HTTP and WebSocket URLs, enode and ENR.
   * @throws NodeError `NOT_RUNNING` when the node is not running.
   */
  endpoints(): NodeEndpoints {
    if (this.#state !== 'running' || !this.#server || !this.#endpoints) {
      throw new NodeError('NOT_RUNNING', 'the node is not running')
    }
    const info = this.#server.nodeInfo()
    const { ipc, http, ws } = this.#endpoints
    return {
      ...(ipc === undefined ? {} : { ipc }),
      ...(http === undefined ? {} : { http }),
      ...(ws === undefined ? {} : { ws }),
      enode: info.enode,
      enr: info.enr,
    }
  }

  /**
   * An RPC client in this process (geth's `Attach`), with the node's APIs and every
   * service's; closed when the node stops.
   * @throws NodeError `NOT_RUNNING` when the node is not running.
   */
  attach(): RpcClient {
    if (this.#state !== 'running' || !this.#rpc) {
      throw new NodeError('NOT_RUNNING', 'the node is not running')
    }
    const client = new RpcClient(inProcessTransport(this.#rpc))
    this.#clients.add(client)
    return client
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
