import { HttpRpcServer, httpTransport, RpcClient } from '../src/index.js'
import { transportSuite } from './support/transport-suite.js'

transportSuite('HTTP', () => {
  let http: HttpRpcServer | undefined
  return {
    subscriptions: false,
    connect: async (server) => {
      http = new HttpRpcServer(server, { host: '127.0.0.1', port: 0 })
      await http.start()
      return new RpcClient(httpTransport(http.url))
    },
    teardown: async () => {
      await http?.stop()
    },
  }
})
