import type { NodeSource, Protocol } from '@devp2p/p2p'
import type { ServiceSpec } from '@devp2p/rpc'

/** An RPC API a service offers: `service`'s methods answered as `<namespace>_<method>`. */
export interface NodeApi {
  readonly namespace: string
  readonly service: object
  readonly spec?: ServiceSpec
}

/** Something started after the node's endpoints and stopped before them (geth's `Lifecycle`). */
export interface Lifecycle {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

/**
 * A service, as the tutorial's: the protocols it runs on every peer, the APIs it serves,
 * and what it does when the node starts and stops. Every part is optional.
 */
export interface Service {
  readonly protocols?: readonly Protocol[]
  readonly apis?: readonly NodeApi[]
  /**
   * Given the node's discovery (its dial candidates), the candidates this service wants
   * dialed as well, e.g. a filter of them (pss keeps those that fill its Kademlia bins).
   * Called once discovery runs; not called when the node runs no discovery. They should
   * be nodes one of the service's protocols wants (`Protocol.wantsPeer`): they may be
   * dialed into the server's reserved slots (`p2p.reservedPeers`).
   */
  dialCandidates?(discovery: NodeSource): NodeSource
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}

function checkApi(api: NodeApi): void {
  if (typeof api?.namespace !== 'string' || api.namespace === '') {
    throw new TypeError('an API needs a non-empty namespace')
  }
  if (typeof api.service !== 'object' || api.service === null) {
    throw new TypeError(`API ${api.namespace}: service must be an object`)
  }
}

/** What the services registered with a node: protocols, APIs and lifecycles, in order. */
export class ServiceRegistry {
  // bounded: filled by the node's owner in code, before start
  readonly protocols: Protocol[] = []
  // bounded: as protocols
  readonly apis: NodeApi[] = []
  // bounded: as protocols
  readonly lifecycles: Lifecycle[] = []
  // bounded: as protocols
  readonly dialCandidates: ((discovery: NodeSource) => NodeSource)[] = []

  addProtocols(protocols: readonly Protocol[]): void {
    if (!Array.isArray(protocols)) throw new TypeError('protocols must be an array')
    this.protocols.push(...protocols)
  }

  addApis(apis: readonly NodeApi[]): void {
    if (!Array.isArray(apis)) throw new TypeError('apis must be an array')
    for (const api of apis) checkApi(api)
    this.apis.push(...apis)
  }

  addLifecycle(lifecycle: Lifecycle): void {
    if (typeof lifecycle?.start !== 'function' || typeof lifecycle.stop !== 'function') {
      throw new TypeError('a lifecycle has start() and stop()')
    }
    if (this.lifecycles.includes(lifecycle)) throw new TypeError('lifecycle registered twice')
    this.lifecycles.push(lifecycle)
  }

  add(service: Service): void {
    if (typeof service !== 'object' || service === null) {
      throw new TypeError('a service must be an object')
    }
    for (const key of ['start', 'stop', 'dialCandidates'] as const) {
      if (service[key] !== undefined && typeof service[key] !== 'function') {
        throw new TypeError(`a service's ${key} must be a function`)
      }
    }
    if (service.protocols !== undefined) this.addProtocols(service.protocols)
    if (service.apis !== undefined) this.addApis(service.apis)
    if (service.dialCandidates !== undefined) {
      this.dialCandidates.push((discovery) => service.dialCandidates!.call(service, discovery))
    }
    if (service.start !== undefined || service.stop !== undefined) {
      this.addLifecycle({
        start: () => service.start?.call(service),
        stop: () => service.stop?.call(service),
      })
    }
  }
}
