import type { ClientTransport } from './client.js'
import { RpcClientError } from './errors.js'
import { toJsonValue } from './json.js'
import type { RpcServer } from './server.js'
import type { RpcSession } from './session.js'

/**
 * A transport to a server in the same process (geth's `DialInProc`): no sockets and no
 * JSON text, but params and results go through the same JSON value rules as on the wire
 * (`bigint` and bytes become 0x-hex, `undefined` becomes null), so a service sees the same
 * values whichever transport a call came over. Supports subscriptions.
 */
export function inProcessTransport(server: RpcServer): ClientTransport {
  let session: RpcSession | undefined
  let closed = false
  const transport: ClientTransport = {
    kind: 'inproc',
    supportsSubscriptions: true,
    onMessage: undefined,
    onClose: undefined,
    async send(message: object): Promise<unknown> {
      if (closed) throw new RpcClientError('CLOSED', 'client closed')
      if (session === undefined) {
        session = server.openSession({
          kind: 'inproc',
          remote: 'inproc',
          send(answer) {
            // answers reach the client on a later microtask, as they would from a socket
            queueMicrotask(() => transport.onMessage?.(answer))
            return true
          },
          close() {
            if (closed) return
            closed = true
            transport.onClose?.(new RpcClientError('CLOSED', 'server closed the connection'))
          },
        })
      }
      await session.receiveValue(toJsonValue(message))
      return undefined
    },
    async close(): Promise<void> {
      if (closed) return
      closed = true
      session?.close()
    },
  }
  return transport
}
