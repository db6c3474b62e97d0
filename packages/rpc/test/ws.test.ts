import { HttpRpcServer, RpcClient, WsRpcServer, webSocketTransport } from '../src/index.js'
import { transportSuite } from './support/transport-suite.js'

transportSuite('WebSocket', () => {
  let ws: WsRpcServer | undefined
  return {
    subscriptions: true,
    connect: async (server) => {
      ws = new WsRpcServer(server, { host: '127.0.0.1', port: 0 })
      await ws.start()
      return new RpcClient(await webSocketTransport(ws.url))
    },
    teardown: async () => {
      await ws?.stop()
    },
  }
})

transportSuite('WebSocket on the HTTP port', () => {
  let http: HttpRpcServer | undefined
  return {
    subscriptions: true,
    connect: async (server) => {
      http = new HttpRpcServer(server, { host: '127.0.0.1', port: 0, ws: true })
      await http.start()
      return new RpcClient(await webSocketTransport(http.wsUrl))
    },
    teardown: async () => {
      await http?.stop()
    },
  }
})
